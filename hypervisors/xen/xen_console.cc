// The guest's PV console pty.
#include "hypervisors/xen/xen_console.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hypervisors/xen/xen_store.h"

namespace monocell::xen {
namespace {

constexpr size_t kMaxTtyPathLength = 32;

// Only "/dev/pts/<digits>": whatever else the key could say is never opened.
bool plausible_pty_path(const std::string& path) {
  static constexpr std::string_view kPrefix = "/dev/pts/";
  if (path.size() <= kPrefix.size() || path.size() > kPrefix.size() + 7 || path.compare(0, kPrefix.size(), kPrefix) != 0) {
    return false;
  }
  for (size_t i = kPrefix.size(); i < path.size(); ++i) {
    if (path[i] < '0' || path[i] > '9') return false;
  }
  return true;
}

// UNIX98 pty slaves have majors 136..143.
bool is_pty_slave(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) return false;
  const unsigned major_number = major(st.st_rdev);
  return major_number >= 136 && major_number <= 143 && isatty(fd);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void write_to_stderr(std::string_view bytes) {
  // This runs on the thread that also carries libxl's shutdown and death events: a stalled
  // stderr (a paused terminal, a pipe nobody reads) must not stall it. Each write waits at most
  // kStderrWaitMs for room and is small enough to fit once there is room; when stderr takes
  // nothing that long, the rest is dropped (the tail kept for reports has it all the same).
  constexpr int kStderrWaitMs = 100;
  constexpr size_t kChunk = 512;
  while (!bytes.empty()) {
    pollfd room{STDERR_FILENO, POLLOUT, 0};
    const int ready = ::poll(&room, 1, kStderrWaitMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || (room.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return;
    const ssize_t n = ::write(STDERR_FILENO, bytes.data(), std::min(bytes.size(), kChunk));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;  // stderr is gone: the output has nowhere to go
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::unique_ptr<XenConsole> XenConsole::open(XenStore& store, uint32_t domid, std::chrono::milliseconds timeout,
                                             Sink sink, std::string* why) {
  const std::string key = XenStore::domain_path(domid) + "/console/tty";
  const std::string token = "monocell-console-" + std::to_string(domid);
  try {
    store.watch(key, token);
  } catch (const std::exception& e) {
    *why = e.what();
    return nullptr;
  }
  const int64_t deadline = now_ms() + timeout.count();
  std::string path;
  for (;;) {
    // The watch fires once when set, then on every change: no event is missed between reads.
    const XenStore::Value v = store.read(key, kMaxTtyPathLength);
    if (v.status == XenStore::Value::Status::kOk && !v.text.empty()) {
      path = v.text;
      break;
    }
    const int64_t left = deadline - now_ms();
    if (left <= 0) break;
    pollfd p{store.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) break;
    store.pending_tokens();
  }
  store.unwatch(key, token);
  if (path.empty()) {
    *why = "xenconsoled did not publish the guest's console (" + key + ") within " +
           std::to_string(timeout.count()) + " ms: is xenconsoled running?";
    return nullptr;
  }
  if (!plausible_pty_path(path)) {
    *why = key + " is not a /dev/pts/N path";
    return nullptr;
  }
  // O_NOCTTY: the guest's pty never becomes the monitor's controlling terminal.
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *why = "open " + path + " (the guest's console) failed: " + std::strerror(errno);
    return nullptr;
  }
  if (!is_pty_slave(fd)) {
    ::close(fd);
    *why = path + " (from " + key + ") is not a pty";
    return nullptr;
  }
  // Raw: no echo of the guest's output back into its input, no line editing or CR mapping.
  termios t;
  if (tcgetattr(fd, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
  }
  return std::unique_ptr<XenConsole>(new XenConsole(fd, std::move(sink)));
}

XenConsole::~XenConsole() {
  if (fd_ >= 0) ::close(fd_);
}

void XenConsole::hang_up() {
  ::close(fd_);
  fd_ = -1;
}

void XenConsole::drain() {
  char buffer[4096];
  // Bounded per call, so a chatty guest cannot hold the caller's loop.
  for (int i = 0; i < 64 && fd_ >= 0; ++i) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n > 0) {
      const std::string_view bytes(buffer, static_cast<size_t>(n));
      if (sink_) sink_(bytes);
      total_ += static_cast<uint64_t>(n);
      tail_.append(bytes);
      if (tail_.size() > 2 * kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    hang_up();  // 0 or EIO: the other end is closed
  }
}

void XenConsole::drain_until_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds limit) {
  const int64_t end = now_ms() + limit.count();
  while (fd_ >= 0) {
    const int64_t left = end - now_ms();
    if (left <= 0) return;
    pollfd p{fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, quiet.count())));
    if (n == 0) return;  // quiet
    if (n < 0 && errno != EINTR) return;
    drain();
  }
}

std::string XenConsole::tail() const {
  std::string out = tail_.size() > kTailBytes ? tail_.substr(tail_.size() - kTailBytes) : tail_;
  std::string clean;
  clean.reserve(out.size());
  for (const char c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '\r') continue;
    clean += (u == '\n' || u == '\t' || (u >= 0x20 && u < 0x7f)) ? c : '?';
  }
  return clean;
}

}  // namespace monocell::xen
