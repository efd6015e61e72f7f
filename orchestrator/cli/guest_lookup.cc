// How the guest verbs find a guest and talk to its monitor.
#include "orchestrator/cli/guest_lookup.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "orchestrator/control_socket.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {

std::optional<GuestRef> find_guest(const std::string& reference) {
  std::string error;
  auto guest = resolve_guest(reference, &error);
  if (!guest) spdlog::error("{}", error);
  return guest;
}

std::optional<GuestRecord> load_guest_record(const GuestRef& guest) {
  std::string error;
  auto record = load_record(config_path_of(guest.id), &error);
  if (!record) spdlog::error("guest {}: {}", guest.name, error);
  return record;
}

std::optional<ControlClient> connect_guest(const std::string& reference, GuestRef* found) {
  const auto guest = find_guest(reference);
  if (!guest) return std::nullopt;
  if (found != nullptr) *found = *guest;
  if (!guest_is_live(guest->name)) {
    spdlog::error("guest {} is not running ({}): start it with monocell start {}", guest->name,
                  observe_guest(*guest).status_text(), guest->name);
    return std::nullopt;
  }
  std::string error;
  auto client = ControlClient::connect(guest->name, &error);
  if (!client) spdlog::error("{}", error);
  return client;
}

bool send_signal(const GuestRef& guest, int number, std::string* error) {
  const int fd = connect_control_socket(control_socket_of(guest.name), error);
  if (fd < 0) return false;
  v1::Envelope message;
  message.set_id(1);
  message.mutable_signal()->set_number(number);
  const bool sent = send_envelope(fd, message, error);
  close(fd);
  return sent;
}

}  // namespace monocell::cli
