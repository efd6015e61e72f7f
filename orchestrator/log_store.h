// A guest's logs in the persistent store (<guest dir>/logs/): its stdout and stderr as
// records, each with its stream and the time the monitor received it, in current.log and,
// once that reaches its size bound, in previous.log (one rotation: the oldest output goes).
// A file starts with the magic "MCLOG01\n"; a record is a 16-byte header (time in ns since
// the epoch, int64; length, uint32; stream, uint8: 1 stdout, 2 stderr; 3 zero bytes) and the
// bytes. A record cut short at the end of a file (its monitor was killed while writing) is
// ignored; anything else malformed is an error that names the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace monocell {

inline constexpr size_t kDefaultLogBytes = 8u << 20;
inline constexpr char kLogMagic[8] = {'M', 'C', 'L', 'O', 'G', '0', '1', '\n'};
inline constexpr size_t kLogHeaderBytes = 16;

enum class LogStream : uint8_t { kStdout = 1, kStderr = 2 };

struct LogRecord {
  int64_t time_ns = 0;
  LogStream stream = LogStream::kStdout;
  std::string data;
};

// Appends records; thread-safe. Write failures (a full disk) drop the output, never the guest.
class LogWriter {
 public:
  // Opens (creating) `dir`/current.log; each file stays under `max_bytes` (a larger record is
  // split). False with `error` if the file cannot be opened.
  bool open(const std::string& dir, size_t max_bytes, std::string* error);
  ~LogWriter();
  void append(LogStream stream, const char* data, size_t length);
  void append_at(int64_t time_ns, LogStream stream, const char* data, size_t length);

 private:
  bool rotate();
  bool write_all(const void* data, size_t length);

  std::mutex mutex_;
  std::string dir_;
  size_t max_bytes_ = kDefaultLogBytes;
  int fd_ = -1;
  size_t size_ = 0;
};

// Parses whole records from `bytes` starting at `*offset` (just past the magic for a file's
// start), advancing it past each; a record cut short stays unread. False with `error` on a
// malformed record.
bool parse_log_records(const std::string& bytes, size_t* offset, std::vector<LogRecord>* records, std::string* error);
// Every record of one file, or of a guest's log directory (previous.log, then current.log).
// A missing file holds no records.
bool read_log_file(const std::string& path, std::vector<LogRecord>* records, std::string* error);
bool read_logs(const std::string& dir, std::vector<LogRecord>* records, std::string* error);

// Output as lines: each line has the time of the record it started in. The last line of a
// stream may lack its newline (the guest has not finished it).
struct LogLine {
  int64_t time_ns = 0;
  LogStream stream = LogStream::kStdout;
  std::string text;  // with its '\n' when complete
};
class LineSplitter {
 public:
  // The lines `record` completes.
  std::vector<LogLine> feed(const LogRecord& record);
  // The unfinished lines, one per stream.
  std::vector<LogLine> flush();

 private:
  LogLine partial_[2];
};

}  // namespace monocell
