// Unit tests of what monocell says to systemd: ExecStart= quoting, Restart= mapping, and the
// guest's output as journal entries on journald's native socket (played here by a socket of
// the test's own).
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <string>

#include "orchestrator/systemd/guest_file.h"
#include "orchestrator/systemd/journal_writer.h"
#include "orchestrator/systemd/unit_file.h"
#include "tests/support/command.h"

using namespace monocell;
using monocell::testing::TempDir;

namespace {

// journald's end of the native socket.
class FakeJournal {
 public:
  explicit FakeJournal(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size());
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~FakeJournal() { close(fd_); }

  // The next entry's fields (parsing both forms of the protocol), or none within 1 s.
  std::map<std::string, std::string> next() {
    pollfd readable{fd_, POLLIN, 0};
    if (poll(&readable, 1, 1000) <= 0) return {};
    std::string buffer(256 * 1024, '\0');
    const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
    REQUIRE(n > 0);
    buffer.resize(static_cast<size_t>(n));
    std::map<std::string, std::string> fields;
    size_t at = 0;
    while (at < buffer.size()) {
      const size_t end = buffer.find('\n', at);
      REQUIRE(end != std::string::npos);
      const std::string line = buffer.substr(at, end - at);
      const size_t equals = line.find('=');
      if (equals != std::string::npos) {
        fields[line.substr(0, equals)] = line.substr(equals + 1);
        at = end + 1;
        continue;
      }
      uint64_t size = 0;
      for (int i = 0; i < 8; ++i) size |= uint64_t{static_cast<uint8_t>(buffer[end + 1 + i])} << (8 * i);
      fields[line] = buffer.substr(end + 9, size);
      at = end + 9 + size + 1;
    }
    return fields;
  }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("ExecStart= words: what quote_exec_word writes, systemd's splitting reads back") {
  for (const std::string& word : {std::string("plain"), std::string("two words"), std::string("tab\there"),
                                  std::string("q\"uote"), std::string("back\\slash"), std::string("it's"),
                                  std::string(""), std::string("semi;colon"), std::string("new\nline")}) {
    INFO(word);
    const auto back = systemd::split_words("x " + systemd::quote_exec_word(word) + " y");
    REQUIRE(back.has_value());
    CHECK(*back == std::vector<std::string>{"x", word, "y"});
  }
  // Specifiers and variables made literal: systemd would expand them.
  CHECK(systemd::quote_exec_word("50%") == "50%%");
  CHECK(systemd::quote_exec_word("$HOME") == "$$HOME");
  CHECK(!systemd::split_words("a \"open").has_value());
}

TEST_CASE("a restart policy becomes systemd's Restart=, with on-failure:N as a start limit") {
  std::string error;
  std::vector<std::string> limit;
  CHECK(systemd::restart_lines(*parse_restart_policy("no", "", &error), &limit) == std::vector<std::string>{"Restart=no"});
  CHECK(systemd::restart_lines(*parse_restart_policy("always", "", &error), &limit) ==
        std::vector<std::string>{"Restart=always", "RestartSec=1"});
  CHECK(systemd::restart_lines(*parse_restart_policy("unless-stopped", "", &error), &limit) ==
        std::vector<std::string>{"Restart=always", "RestartSec=1"});
  CHECK(limit.empty());
  CHECK(systemd::restart_lines(*parse_restart_policy("on-failure:2", "1,4-5", &error), &limit) ==
        std::vector<std::string>{"Restart=on-abnormal", "RestartForceExitStatus=1 4 5", "RestartSec=1"});
  CHECK(limit == std::vector<std::string>{"StartLimitIntervalSec=infinity", "StartLimitBurst=3"});
}

TEST_CASE("the guest's lines reach the journal as entries with its name and stream, stderr as a warning") {
  TempDir dir;
  FakeJournal journal(dir.path() + "/journal");
  std::string error;
  auto writer = systemd::JournalWriter::open("web", "abc123", 1, &error, dir.path() + "/journal");
  REQUIRE(writer != nullptr);
  writer->write(false, "first line\nsecond ");
  writer->write(true, "an error\n");
  writer->write(false, "half\n");

  auto entry = journal.next();
  CHECK(entry["MESSAGE"] == "first line");
  CHECK(entry["PRIORITY"] == "6");
  CHECK(entry["MONOCELL_STREAM"] == "stdout");
  CHECK(entry["MONOCELL_GUEST"] == "web");
  CHECK(entry["MONOCELL_GUEST_ID"] == "abc123");
  CHECK(entry["SYSLOG_IDENTIFIER"] == "web");
  entry = journal.next();
  CHECK(entry["MESSAGE"] == "an error");
  CHECK(entry["PRIORITY"] == "4");
  CHECK(entry["MONOCELL_STREAM"] == "stderr");
  // A line written in two pieces is one entry.
  CHECK(journal.next()["MESSAGE"] == "second half");

  // A line without its newline waits for flush (the guest's end); an overlong one is cut.
  writer->write(false, "no newline");
  CHECK(journal.next().empty());
  writer->flush();
  CHECK(journal.next()["MESSAGE"] == "no newline");
  writer->write(true, std::string(systemd::JournalWriter::kMaxLine + 10, 'x') + "\n");
  CHECK(journal.next()["MESSAGE"].size() == systemd::JournalWriter::kMaxLine);
  CHECK(journal.next()["MESSAGE"] == std::string(10, 'x'));
}

TEST_CASE("a journal value holding a newline uses the protocol's length-prefixed form") {
  const std::string entry = systemd::journal_entry({{"A", "one"}, {"B", "two\nlines"}});
  CHECK(entry == std::string("A=one\nB\n\x09\0\0\0\0\0\0\0two\nlines\n", 26));
}

TEST_CASE("no journal to reach: the writer says where it looked") {
  std::string error;
  CHECK(systemd::JournalWriter::open("web", "id", 1, &error, "/nonexistent/journal") == nullptr);
  CHECK(error.find("/nonexistent/journal") != std::string::npos);
}
