// The guest's output as journal entries of its own, when systemd runs the monitor with its
// stdout on the journal (JOURNAL_STREAM). Through the journal's stdout stream, stderr would be
// indistinguishable from stdout and every line would be the monitor's; sent on journald's
// native socket instead, each line carries the guest's name and its stream as fields:
//   MESSAGE, PRIORITY (6 for stdout, 4 -- warning -- for stderr), SYSLOG_IDENTIFIER (the
//   guest's name), MONOCELL_GUEST, MONOCELL_GUEST_ID, MONOCELL_STREAM (stdout or stderr)
// so `journalctl -u UNIT MONOCELL_STREAM=stderr` finds what the app wrote to stderr. The
// native protocol is documented by systemd as stable for other implementations
// (systemd.io/JOURNAL_NATIVE_PROTOCOL); this is it, without libsystemd.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace monocell::systemd {

inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// Whether `fd` is the stream the environment's JOURNAL_STREAM names (its device:inode):
// what is written to it reaches the journal.
bool is_journal_stream(int fd);

// One entry as the native protocol's datagram: KEY=VALUE lines, and the length-prefixed form
// for a value that holds a newline.
std::string journal_entry(const std::vector<std::pair<std::string, std::string_view>>& fields);

class JournalWriter {
 public:
  // The longest line sent as one entry; longer ones are sent in pieces, as journald's own
  // stdout stream splits them.
  static constexpr size_t kMaxLine = 16 * 1024;

  // Connects to journald (or `socket_path`). Null with `error` when it cannot: the caller keeps
  // writing to its stdout. `fallback_fd` receives a line the journal refuses, so none is lost.
  static std::unique_ptr<JournalWriter> open(const std::string& guest, const std::string& guest_id, int fallback_fd,
                                             std::string* error, const std::string& socket_path = kJournalSocket);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Bytes of the guest's stdout (`to_stderr` false) or stderr: each complete line becomes an
  // entry; the rest waits for its newline, or for flush().
  void write(bool to_stderr, std::string_view bytes);
  // Sends what is left of unfinished lines (at the guest's end).
  void flush();

 private:
  JournalWriter(int fd, std::string guest, std::string guest_id, int fallback_fd);
  void send_line(bool to_stderr, std::string_view line);

  int fd_;
  std::string guest_;
  std::string guest_id_;
  int fallback_fd_;
  bool warned_ = false;
  std::string pending_[2];
};

}  // namespace monocell::systemd
