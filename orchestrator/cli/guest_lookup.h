// How the guest verbs find the guest a NAME, ID or ID prefix names, and talk to its monitor;
// each logs what went wrong and names what to do.
#pragma once

#include <optional>
#include <string>

#include "orchestrator/control_client.h"
#include "orchestrator/guest_store.h"

namespace monocell::cli {

// Exit status of a guest verb that failed (docker's CLI returns 1 as well).
inline constexpr int kVerbFailed = 1;

std::optional<GuestRef> find_guest(const std::string& reference);
std::optional<GuestRecord> load_guest_record(const GuestRef& guest);
// Connects to the control socket of the running guest `reference` names.
std::optional<ControlClient> connect_guest(const std::string& reference, GuestRef* found = nullptr);
// Sends a Signal to the guest's monitor (`monocell kill`).
bool send_signal(const GuestRef& guest, int number, std::string* error);

}  // namespace monocell::cli
