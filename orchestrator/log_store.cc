// A guest's logs: records of its stdout and stderr, with one rotation.
#include "orchestrator/log_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "orchestrator/timestamp.h"

namespace monocell {
namespace {

struct RecordHeader {
  int64_t time_ns;
  uint32_t length;
  uint8_t stream;
  uint8_t zero[3];
};
static_assert(sizeof(RecordHeader) == kLogHeaderBytes);

}  // namespace

bool LogWriter::open(const std::string& dir, size_t max_bytes, std::string* error) {
  std::lock_guard lock(mutex_);
  dir_ = dir;
  // Room for the magic, one header and at least a byte of data.
  max_bytes_ = std::max(max_bytes, sizeof kLogMagic + kLogHeaderBytes + 64);
  const std::string path = dir + "/current.log";
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  fstat(fd_, &st);
  size_ = static_cast<size_t>(st.st_size);
  if (size_ == 0) {
    write_all(kLogMagic, sizeof kLogMagic);
  }
  return true;
}

LogWriter::~LogWriter() {
  if (fd_ >= 0) close(fd_);
}

void LogWriter::append(LogStream stream, const char* data, size_t length) { append_at(now_ns(), stream, data, length); }

void LogWriter::append_at(int64_t time_ns, LogStream stream, const char* data, size_t length) {
  std::lock_guard lock(mutex_);
  if (fd_ < 0) return;
  const size_t max_data = max_bytes_ - sizeof kLogMagic - kLogHeaderBytes;
  while (length > 0) {
    const size_t chunk = std::min(length, max_data);
    if (size_ + kLogHeaderBytes + chunk > max_bytes_ && !rotate()) return;
    RecordHeader header{time_ns, static_cast<uint32_t>(chunk), static_cast<uint8_t>(stream), {0, 0, 0}};
    std::string bytes(reinterpret_cast<const char*>(&header), sizeof header);
    bytes.append(data, chunk);
    // One write per record: a reader (logs -f) never sees half of one unless we are killed.
    if (!write_all(bytes.data(), bytes.size())) return;
    data += chunk;
    length -= chunk;
  }
}

bool LogWriter::rotate() {
  const std::string current = dir_ + "/current.log";
  if (rename(current.c_str(), (dir_ + "/previous.log").c_str()) != 0) return false;
  close(fd_);
  fd_ = ::open(current.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  size_ = 0;
  return fd_ >= 0 && write_all(kLogMagic, sizeof kLogMagic);
}

bool LogWriter::write_all(const void* data, size_t length) {
  const char* p = static_cast<const char*>(data);
  while (length > 0) {
    const ssize_t n = ::write(fd_, p, length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // A full disk: the output is lost, the guest carries on.
      close(fd_);
      fd_ = -1;
      return false;
    }
    p += n;
    length -= static_cast<size_t>(n);
    size_ += static_cast<size_t>(n);
  }
  return true;
}

bool parse_log_records(const std::string& bytes, size_t* offset, std::vector<LogRecord>* records, std::string* error) {
  while (bytes.size() - *offset >= kLogHeaderBytes) {
    RecordHeader header;
    std::memcpy(&header, bytes.data() + *offset, sizeof header);
    if ((header.stream != 1 && header.stream != 2) || header.zero[0] != 0 || header.zero[1] != 0 ||
        header.zero[2] != 0 || header.time_ns < 0) {
      *error = "a malformed record at byte " + std::to_string(*offset);
      return false;
    }
    if (bytes.size() - *offset - kLogHeaderBytes < header.length) break;  // cut short: not (yet) whole
    records->push_back(LogRecord{header.time_ns, static_cast<LogStream>(header.stream),
                                 bytes.substr(*offset + kLogHeaderBytes, header.length)});
    *offset += kLogHeaderBytes + header.length;
  }
  return true;
}

bool read_log_file(const std::string& path, std::vector<LogRecord>* records, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return true;  // no such file: no records
  std::ostringstream text;
  text << in.rdbuf();
  const std::string bytes = text.str();
  if (bytes.empty()) return true;  // created, its magic not yet written
  if (bytes.size() < sizeof kLogMagic || std::memcmp(bytes.data(), kLogMagic, sizeof kLogMagic) != 0) {
    *error = path + " is not a monocell log (its first bytes are not \"MCLOG01\")";
    return false;
  }
  size_t offset = sizeof kLogMagic;
  std::string why;
  if (!parse_log_records(bytes, &offset, records, &why)) {
    *error = path + " is corrupt: " + why;
    return false;
  }
  return true;
}

bool read_logs(const std::string& dir, std::vector<LogRecord>* records, std::string* error) {
  return read_log_file(dir + "/previous.log", records, error) && read_log_file(dir + "/current.log", records, error);
}

std::vector<LogLine> LineSplitter::feed(const LogRecord& record) {
  std::vector<LogLine> lines;
  LogLine& partial = partial_[record.stream == LogStream::kStderr ? 1 : 0];
  size_t start = 0;
  while (start < record.data.size()) {
    if (partial.text.empty()) {
      partial.time_ns = record.time_ns;
      partial.stream = record.stream;
    }
    const size_t newline = record.data.find('\n', start);
    const size_t end = newline == std::string::npos ? record.data.size() : newline + 1;
    partial.text.append(record.data, start, end - start);
    start = end;
    if (newline != std::string::npos) {
      lines.push_back(std::move(partial));
      partial = LogLine{};
    }
  }
  return lines;
}

std::vector<LogLine> LineSplitter::flush() {
  std::vector<LogLine> lines;
  for (LogLine& partial : partial_) {
    if (!partial.text.empty()) lines.push_back(std::move(partial));
    partial = LogLine{};
  }
  return lines;
}

}  // namespace monocell
