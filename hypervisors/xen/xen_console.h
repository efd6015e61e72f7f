// The guest's PV console, as xenconsoled offers it in dom0: a pty whose path it publishes in
// xenstore (console/tty). The backend opens it raw before unpausing the guest (so the path was
// written by xenconsoled, not the guest), copies what the guest writes there -- early output,
// libOS messages, fault reports -- to the monitor's stderr as the KVM backend does, and keeps
// the last few KiB for the report of a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace monocell::xen {

class XenStore;

class XenConsole {
 public:
  using Sink = std::function<void(std::string_view bytes)>;
  static constexpr size_t kTailBytes = 4096;

  // Waits up to `timeout` for xenconsoled to publish the domain's pty, checks the path
  // (/dev/pts/N, a pty slave) and opens it raw. Null with `why` if it cannot.
  static std::unique_ptr<XenConsole> open(XenStore& store, uint32_t domid, std::chrono::milliseconds timeout,
                                          Sink sink, std::string* why);
  ~XenConsole();
  XenConsole(const XenConsole&) = delete;
  XenConsole& operator=(const XenConsole&) = delete;

  // -1 once the pty hung up (the domain is gone, or xenconsoled let it go).
  int fd() const { return fd_; }
  // Copies what can be read now to the sink and the tail.
  void drain();
  // Keeps draining until the console has been quiet for `quiet` (xenconsoled passes on the
  // guest's last words a little after the guest wrote them), at most for `limit`.
  void drain_until_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds limit);
  // The last kTailBytes the guest wrote, printable: other control bytes become '?'.
  std::string tail() const;
  uint64_t bytes() const { return total_; }

 private:
  XenConsole(int fd, Sink sink) : fd_(fd), sink_(std::move(sink)) {}
  void hang_up();

  int fd_;
  Sink sink_;
  std::string tail_;
  uint64_t total_ = 0;
};

// Writes to the monitor's stderr (what the KVM backend does with guest console output),
// waiting at most 100 ms for room each time: what a stalled stderr will not take is dropped.
void write_to_stderr(std::string_view bytes);

}  // namespace monocell::xen
