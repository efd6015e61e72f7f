// The client side of a running guest's control socket.
#include "orchestrator/control_client.h"

#include <poll.h>
#include <unistd.h>

#include "orchestrator/control_socket.h"
#include "orchestrator/state_dir.h"

namespace monocell {

std::optional<ControlClient> ControlClient::connect(const std::string& name, std::string* error) {
  std::string why;
  if (!valid_guest_name(name, &why)) {
    *error = "invalid guest name \"" + name + "\": " + why;
    return std::nullopt;
  }
  const std::string path = control_socket_of(name);
  const int fd = connect_control_socket(path, &why);
  if (fd < 0) {
    *error = "no running guest named \"" + name + "\" (" + path + ": " + why + ")";
    return std::nullopt;
  }
  return ControlClient(fd);
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) close(fd_);
}

bool ControlClient::request(v1::Envelope request, v1::Envelope* reply, int timeout_ms, std::string* error) {
  request.set_id(1);
  if (!send_envelope(fd_, request, error)) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) {
    *error = "no reply within " + std::to_string(timeout_ms / 1000.0) + " s";
    return false;
  }
  return receive_envelope(fd_, reply, error);
}

bool ControlClient::send_and_wait_for_end(const v1::Envelope& message, int timeout_ms, std::string* error) {
  if (!send_envelope(fd_, message, error)) return false;
  pollfd p{fd_, POLLIN, 0};
  char byte;
  for (;;) {
    if (::poll(&p, 1, timeout_ms) <= 0) {
      *error = "the guest has not ended after " + std::to_string(timeout_ms / 1000.0) + " s";
      return false;
    }
    const ssize_t n = read(fd_, &byte, 1);
    if (n <= 0) return true;  // closed: the monitor has ended
  }
}

}  // namespace monocell
