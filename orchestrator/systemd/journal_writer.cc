// The guest's output as journal entries (journal_writer.h).
#include "orchestrator/systemd/journal_writer.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

namespace monocell::systemd {

bool is_journal_stream(int fd) {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  char* end = nullptr;
  const unsigned long long device = std::strtoull(stream, &end, 10);
  if (end == stream || *end != ':') return false;
  const char* inode_text = end + 1;
  const unsigned long long inode = std::strtoull(inode_text, &end, 10);
  if (end == inode_text || *end != '\0') return false;
  struct stat st{};
  return fstat(fd, &st) == 0 && st.st_dev == device && st.st_ino == inode;
}

std::string journal_entry(const std::vector<std::pair<std::string, std::string_view>>& fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    out += key;
    if (value.find('\n') == std::string_view::npos) {
      out += '=';
      out += value;
    } else {
      // KEY\n, the value's length as 64-bit little endian, the value.
      out += '\n';
      uint64_t size = value.size();
      for (int i = 0; i < 8; ++i) out += static_cast<char>((size >> (8 * i)) & 0xff);
      out += value;
    }
    out += '\n';
  }
  return out;
}

std::unique_ptr<JournalWriter> JournalWriter::open(const std::string& guest, const std::string& guest_id,
                                                   int fallback_fd, std::string* error, const std::string& socket_path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path) {
    *error = "the journal's socket path is too long: " + socket_path;
    return nullptr;
  }
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size());
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    *error = "cannot reach the journal at " + socket_path + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    return nullptr;
  }
  return std::unique_ptr<JournalWriter>(new JournalWriter(fd, guest, guest_id, fallback_fd));
}

JournalWriter::JournalWriter(int fd, std::string guest, std::string guest_id, int fallback_fd)
    : fd_(fd), guest_(std::move(guest)), guest_id_(std::move(guest_id)), fallback_fd_(fallback_fd) {}

JournalWriter::~JournalWriter() {
  flush();
  close(fd_);
}

void JournalWriter::write(bool to_stderr, std::string_view bytes) {
  std::string& pending = pending_[to_stderr ? 1 : 0];
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    const size_t take = newline == std::string_view::npos ? bytes.size() : newline;
    const size_t room = kMaxLine - pending.size();
    if (take > room || (newline == std::string_view::npos && take == room)) {
      pending.append(bytes.substr(0, room));
      bytes.remove_prefix(room);
      send_line(to_stderr, pending);
      pending.clear();
      continue;
    }
    pending.append(bytes.substr(0, take));
    if (newline == std::string_view::npos) return;
    bytes.remove_prefix(take + 1);
    send_line(to_stderr, pending);
    pending.clear();
  }
}

void JournalWriter::flush() {
  for (int stream = 0; stream < 2; ++stream) {
    if (pending_[stream].empty()) continue;
    send_line(stream == 1, pending_[stream]);
    pending_[stream].clear();
  }
}

void JournalWriter::send_line(bool to_stderr, std::string_view line) {
  const std::string entry = journal_entry({{"MESSAGE", line},
                                           {"PRIORITY", to_stderr ? "4" : "6"},
                                           {"SYSLOG_IDENTIFIER", guest_},
                                           {"MONOCELL_GUEST", guest_},
                                           {"MONOCELL_GUEST_ID", guest_id_},
                                           {"MONOCELL_STREAM", to_stderr ? "stderr" : "stdout"}});
  ssize_t sent;
  while ((sent = send(fd_, entry.data(), entry.size(), MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  if (sent >= 0) return;
  // Refused (journald restarting, say): the line still reaches the journal, as plain output.
  if (!warned_) {
    warned_ = true;
    spdlog::warn("guest {}: the journal refused a line ({}); its output goes to stdout meanwhile", guest_,
                 std::strerror(errno));
  }
  std::string plain(line);
  plain += '\n';
  const char* data = plain.data();
  size_t left = plain.size();
  while (left > 0) {
    const ssize_t n = ::write(fallback_fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace monocell::systemd
