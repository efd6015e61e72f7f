// The client side of a running guest's control socket, for the CLI commands that talk to a
// guest by name (call, stats, stop).
#pragma once

#include <optional>
#include <string>

#include "protocol/monocell.pb.h"

namespace monocell {

class ControlClient {
 public:
  // Connects to the guest named `name`; null with a message naming the guest if none runs.
  static std::optional<ControlClient> connect(const std::string& name, std::string* error);
  ControlClient(ControlClient&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ControlClient(const ControlClient&) = delete;
  ~ControlClient();

  // Sends `request` and waits up to `timeout_ms` for the reply to it.
  bool request(v1::Envelope request, v1::Envelope* reply, int timeout_ms, std::string* error);
  // Sends `message` expecting no reply, then waits up to `timeout_ms` for the monitor to end
  // (its end of the socket closes). False on timeout.
  bool send_and_wait_for_end(const v1::Envelope& message, int timeout_ms, std::string* error);

 private:
  explicit ControlClient(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace monocell
