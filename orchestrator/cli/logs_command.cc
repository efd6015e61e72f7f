// `monocell logs [-f] [--since T] [--tail N] [-t] NAME|ID`: a guest's output from its logs,
// running or ended: its stdout to stdout, its stderr to stderr, line by line (-t: each line
// with the time its first bytes came). -f follows the output until the guest ends.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"
#include "orchestrator/log_store.h"
#include "orchestrator/state_dir.h"
#include "orchestrator/timestamp.h"

namespace monocell::cli {
namespace {

struct LogsOptions {
  std::string reference;
  bool follow = false;
  std::string since;
  std::string tail = "all";
  bool timestamps = false;
};

// How often -f looks for more output.
constexpr auto kFollowPoll = std::chrono::milliseconds(100);

void print(const std::vector<LogLine>& lines, bool timestamps) {
  for (const LogLine& line : lines) {
    FILE* out = line.stream == LogStream::kStderr ? stderr : stdout;
    if (timestamps) std::fprintf(out, "%s ", format_time(line.time_ns).c_str());
    std::fwrite(line.text.data(), 1, line.text.size(), out);
  }
  std::fflush(stdout);
  std::fflush(stderr);
}

// The lines at or after `since` (0: all), the last `tail` of them (-1: all).
std::vector<LogLine> select(std::vector<LogLine> lines, int64_t since, long tail) {
  std::vector<LogLine> chosen;
  for (LogLine& line : lines) {
    if (line.time_ns >= since) chosen.push_back(std::move(line));
  }
  if (tail >= 0 && chosen.size() > static_cast<size_t>(tail)) {
    chosen.erase(chosen.begin(), chosen.end() - tail);
  }
  return chosen;
}

// Reads current.log as it grows, and after a rotation the new one.
class Follower {
 public:
  explicit Follower(std::string path) : path_(std::move(path)) {}
  ~Follower() {
    if (fd_ >= 0) close(fd_);
  }
  // New whole records; false with `error` on a corrupt file. `rotated`: the file was renamed
  // away and read to its end; the next poll reads the new one.
  bool poll(std::vector<LogRecord>* records, bool* rotated, std::string* error) {
    *rotated = false;
    if (fd_ < 0) {
      fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return true;  // not there yet
      buffer_.clear();
      magic_checked_ = false;
    }
    const size_t before = records->size();
    if (!read_records(records, error)) return false;
    if (records->size() != before) return true;
    struct stat ours {};
    struct stat named {};
    if (fstat(fd_, &ours) == 0 && (stat(path_.c_str(), &named) != 0 || named.st_ino != ours.st_ino)) {
      // Renamed after its last write: what it holds now is all it will ever hold.
      if (!read_records(records, error)) return false;
      close(fd_);
      fd_ = -1;
      *rotated = true;
    }
    return true;
  }

 private:
  bool read_records(std::vector<LogRecord>* records, std::string* error) {
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd_, chunk, sizeof chunk)) > 0) buffer_.append(chunk, static_cast<size_t>(n));
    if (!magic_checked_) {
      if (buffer_.size() < sizeof kLogMagic) return true;
      if (std::memcmp(buffer_.data(), kLogMagic, sizeof kLogMagic) != 0) {
        *error = path_ + " is not a monocell log (its first bytes are not \"MCLOG01\")";
        return false;
      }
      buffer_.erase(0, sizeof kLogMagic);
      magic_checked_ = true;
    }
    size_t offset = 0;
    if (!parse_log_records(buffer_, &offset, records, error)) {
      *error = path_ + " is corrupt: " + *error;
      return false;
    }
    buffer_.erase(0, offset);
    return true;
  }

  std::string path_;
  int fd_ = -1;
  std::string buffer_;  // bytes not yet parsed
  bool magic_checked_ = false;
};

int logs(const LogsOptions& options) {
  const auto guest = find_guest(options.reference);
  if (!guest) return kVerbFailed;
  int64_t since = 0;
  if (!options.since.empty()) {
    const auto t = parse_since(options.since, now_ns());
    if (!t) {
      spdlog::error("--since \"{}\": expected an RFC 3339 time, Unix seconds or a duration (10s, 5m, 2h)", options.since);
      return kVerbFailed;
    }
    since = *t;
  }
  long tail = -1;
  if (options.tail != "all") {
    char* end = nullptr;
    tail = std::strtol(options.tail.c_str(), &end, 10);
    if (options.tail.empty() || *end != '\0' || tail < 0) {
      spdlog::error("--tail \"{}\": expected a number of lines or \"all\"", options.tail);
      return kVerbFailed;
    }
  }
  const std::string dir = log_dir_of(guest->id);
  std::string error;
  LineSplitter splitter;
  std::vector<LogLine> lines;
  std::vector<LogRecord> records;
  if (!read_log_file(dir + "/previous.log", &records, &error)) {
    spdlog::error("{}", error);
    return kVerbFailed;
  }
  Follower follower(dir + "/current.log");
  bool rotated = false;
  if (!follower.poll(&records, &rotated, &error)) {
    spdlog::error("{}", error);
    return kVerbFailed;
  }
  for (const LogRecord& r : records) {
    for (LogLine& line : splitter.feed(r)) lines.push_back(std::move(line));
  }
  if (!options.follow) {
    for (LogLine& line : splitter.flush()) lines.push_back(std::move(line));
    print(select(std::move(lines), since, tail), options.timestamps);
    return 0;
  }
  print(select(std::move(lines), since, tail), options.timestamps);
  for (;;) {
    const bool live = guest_is_live(guest->name);  // before the read: what it wrote by then is read
    records.clear();
    if (!follower.poll(&records, &rotated, &error)) {
      spdlog::error("{}", error);
      return kVerbFailed;
    }
    lines.clear();
    for (const LogRecord& r : records) {
      for (LogLine& line : splitter.feed(r)) {
        if (line.time_ns >= since) lines.push_back(std::move(line));
      }
    }
    print(lines, options.timestamps);
    if (records.empty() && !rotated) {
      if (!live) break;
      std::this_thread::sleep_for(kFollowPoll);
    }
  }
  print(splitter.flush(), options.timestamps);
  return 0;
}

}  // namespace

void add_logs_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<LogsOptions>();
  CLI::App* cmd = app.add_subcommand("logs", "Show a guest's output (stdout and stderr), running or ended");
  cmd->add_flag("-f,--follow", options->follow, "Keep printing new output until the guest ends");
  cmd->add_option("--since", options->since, "Only lines since an RFC 3339 time, Unix seconds or a duration ago (10s, 5m)");
  cmd->add_option("-n,--tail", options->tail, "Only the last N lines (\"all\": every line)")->capture_default_str();
  cmd->add_flag("-t,--timestamps", options->timestamps, "Start each line with the time it came");
  cmd->add_option("guest", options->reference, "NAME, ID or unique ID prefix")->required();
  cmd->footer("Exit status: 0; 1 if the guest is not found or its logs are corrupt.");
  cmd->callback([options, exit_code] { *exit_code = logs(*options); });
}

}  // namespace monocell::cli
