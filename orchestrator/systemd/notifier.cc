// Notifications to systemd (systemd/notifier.h).
#include "orchestrator/systemd/notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

namespace monocell {

SystemdNotifier SystemdNotifier::from_environment() {
  SystemdNotifier notifier;
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (socket != nullptr && (socket[0] == '/' || socket[0] == '@') && socket[1] != '\0') notifier.socket_ = socket;
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  if (notifier.active() && usec != nullptr && (pid == nullptr || std::strtoll(pid, nullptr, 10) == getpid())) {
    char* end = nullptr;
    const unsigned long long value = std::strtoull(usec, &end, 10);
    if (end != usec && *end == '\0') notifier.watchdog_usec_ = value;
  }
  for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) unsetenv(name);
  return notifier;
}

bool SystemdNotifier::send(const std::string& text) {
  if (!active()) return true;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof address.sun_path) {
    if (!warned_) spdlog::warn("NOTIFY_SOCKET is longer than a unix socket path may be; systemd is not told");
    warned_ = true;
    return false;
  }
  std::memcpy(address.sun_path, socket_.data(), socket_.size());
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // the abstract namespace
  const socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  bool sent = false;
  if (fd >= 0) {
    sent = ::sendto(fd, text.data(), text.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address),
                    length) == static_cast<ssize_t>(text.size());
    ::close(fd);
  }
  if (!sent && !warned_) {
    spdlog::warn("cannot notify systemd at NOTIFY_SOCKET={}: {}", socket_, std::strerror(errno));
    warned_ = true;
  }
  return sent;
}

}  // namespace monocell
