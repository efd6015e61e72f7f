// Unit tests of a guest's log store: records, rotation, lines, and files cut short or corrupt.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "orchestrator/log_store.h"
#include "tests/support/command.h"

using monocell::LogRecord;
using monocell::LogStream;
using monocell::LogWriter;
using monocell::testing::TempDir;

namespace {

std::vector<LogRecord> read_all(const std::string& dir) {
  std::vector<LogRecord> records;
  std::string error;
  REQUIRE(monocell::read_logs(dir, &records, &error));
  return records;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("records keep their stream, time and bytes, across reopening") {
  TempDir dir;
  {
    LogWriter log;
    std::string error;
    REQUIRE(log.open(dir.path(), 1 << 20, &error));
    log.append_at(100, LogStream::kStdout, "out\n", 4);
    log.append_at(200, LogStream::kStderr, std::string("e\0rr", 4).data(), 4);
  }
  {
    LogWriter log;
    std::string error;
    REQUIRE(log.open(dir.path(), 1 << 20, &error));
    log.append_at(300, LogStream::kStdout, "more", 4);
  }
  const auto records = read_all(dir.path());
  REQUIRE(records.size() == 3);
  CHECK(records[0].time_ns == 100);
  CHECK(records[0].stream == LogStream::kStdout);
  CHECK(records[0].data == "out\n");
  CHECK(records[1].stream == LogStream::kStderr);
  CHECK(records[1].data == std::string("e\0rr", 4));
  CHECK(records[2].data == "more");
}

TEST_CASE("the log rotates once at its bound: the newest output stays, the oldest goes") {
  TempDir dir;
  constexpr size_t kBound = 4096;
  LogWriter log;
  std::string error;
  REQUIRE(log.open(dir.path(), kBound, &error));
  for (int i = 0; i < 1000; ++i) {
    const std::string line = "line " + std::to_string(i) + "\n";
    log.append_at(i, LogStream::kStdout, line.data(), line.size());
  }
  CHECK(std::filesystem::file_size(dir.path() + "/current.log") <= kBound);
  CHECK(std::filesystem::file_size(dir.path() + "/previous.log") <= kBound);
  CHECK(std::filesystem::file_size(dir.path() + "/previous.log") > kBound / 2);
  const auto records = read_all(dir.path());
  REQUIRE(!records.empty());
  CHECK(records.back().data == "line 999\n");
  CHECK(records.front().time_ns > 0);  // the first lines are gone
  for (size_t i = 1; i < records.size(); ++i) CHECK(records[i].time_ns == records[i - 1].time_ns + 1);  // no gap
}

TEST_CASE("a record larger than the bound is split; what stays is the newest output, in order") {
  TempDir dir;
  constexpr size_t kBound = 4096;
  LogWriter log;
  std::string error;
  REQUIRE(log.open(dir.path(), kBound, &error));
  std::string big;
  for (int i = 0; big.size() < 10'000; ++i) big += std::to_string(i) + ",";
  log.append_at(1, LogStream::kStdout, big.data(), big.size());
  std::string kept;
  for (const auto& r : read_all(dir.path())) kept += r.data;
  CHECK(std::filesystem::file_size(dir.path() + "/current.log") <= kBound);
  CHECK(std::filesystem::file_size(dir.path() + "/previous.log") <= kBound);
  CHECK(kept.size() > kBound);  // more than one file's worth: split across both
  CHECK(kept.size() < big.size());
  CHECK(big.substr(big.size() - kept.size()) == kept);
}

TEST_CASE("a record cut short at the end (a killed monitor) is ignored; the rest reads") {
  TempDir dir;
  {
    LogWriter log;
    std::string error;
    REQUIRE(log.open(dir.path(), 1 << 20, &error));
    log.append_at(1, LogStream::kStdout, "whole\n", 6);
    log.append_at(2, LogStream::kStdout, "torn record\n", 12);
  }
  const std::string path = dir.path() + "/current.log";
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 5);
  const auto records = read_all(dir.path());
  REQUIRE(records.size() == 1);
  CHECK(records[0].data == "whole\n");
}

TEST_CASE("a corrupt log is an error that names the file, never a crash") {
  TempDir dir;
  const std::string path = dir.path() + "/current.log";
  std::string error;
  std::vector<LogRecord> records;

  std::ofstream(path, std::ios::binary) << "not a log at all";
  CHECK_FALSE(monocell::read_logs(dir.path(), &records, &error));
  CHECK(error.find(path) != std::string::npos);
  CHECK(error.find("not a monocell log") != std::string::npos);

  // The right magic, then a header with a stream that does not exist and a huge length.
  std::string bytes(monocell::kLogMagic, sizeof monocell::kLogMagic);
  bytes += std::string("\x01\0\0\0\0\0\0\0\xff\xff\xff\xff\x07\0\0\0", 16);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  error.clear();
  CHECK_FALSE(monocell::read_logs(dir.path(), &records, &error));
  CHECK(error.find("is corrupt: a malformed record at byte 8") != std::string::npos);

  // Random bytes after the magic: an error or whole records, never a crash or a read past the end.
  for (int seed = 0; seed < 200; ++seed) {
    std::string noise(monocell::kLogMagic, sizeof monocell::kLogMagic);
    uint32_t x = static_cast<uint32_t>(seed) * 2654435761u + 1;
    for (int i = 0; i < 64; ++i) {
      x = x * 1664525u + 1013904223u;
      noise += static_cast<char>(x >> 24);
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << noise;
    std::vector<LogRecord> any;
    std::string why;
    if (monocell::read_logs(dir.path(), &any, &why)) {
      for (const auto& r : any) CHECK(r.data.size() <= noise.size());
    } else {
      CHECK(!why.empty());
    }
  }
  CHECK(file_bytes(path).size() == sizeof monocell::kLogMagic + 64);
}

TEST_CASE("lines carry the time they started and keep their streams apart") {
  monocell::LineSplitter splitter;
  CHECK(splitter.feed({10, LogStream::kStdout, "a1\na2"}).size() == 1);
  CHECK(splitter.feed({15, LogStream::kStderr, "e1\n"}).size() == 1);
  const auto lines = splitter.feed({20, LogStream::kStdout, "-end\nb"});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].text == "a2-end\n");
  CHECK(lines[0].time_ns == 10);
  const auto rest = splitter.flush();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].text == "b");
  CHECK(rest[0].time_ns == 20);
}
