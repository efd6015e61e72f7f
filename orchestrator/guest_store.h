// The persistent store of guests (state_paths.h): creating a guest claims its name atomically
// (exactly one of two concurrent creates wins), a name or ID resolves to one guest, and a
// guest's view combines what the store says with whether its monitor lives (a guest recorded
// as running whose monitor is gone, killed or lost in a reboot, shows as exited with an
// unknown code, never as running).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "orchestrator/guest_id.h"
#include "orchestrator/guest_record.h"

namespace monocell {

// Gives `record` an ID and creation time, writes its config and a "created" state, and claims
// its name. False with `error` when the name is taken or the store cannot be written.
bool create_guest(GuestRecord* record, std::string* error);
// Every guest in the store, by name.
std::vector<GuestRef> list_guests();
std::optional<GuestRef> resolve_guest(const std::string& reference, std::string* error);

std::string config_path_of(const std::string& id);
std::string state_path_of(const std::string& id);
std::string log_dir_of(const std::string& id);
bool save_guest_state(const std::string& id, const GuestState& state, std::string* error);

// Removes the guest from the store: its name first (so an interrupted removal leaves no name
// pointing nowhere), then its directory.
bool remove_guest(const GuestRef& guest, std::string* error);

struct GuestView {
  GuestRef ref;
  std::optional<GuestRecord> record;
  GuestState state;  // as it is now (see above)
  bool live = false;  // a monitor holds the guest
  std::string phase;  // while live: booting, starting, running, stopping, exited
  std::string error;  // a corrupt or unreadable file
  // "running", "created", "exited (N)", "exited (unknown)" or the phase while it boots/stops.
  std::string status_text() const;
};
GuestView observe_guest(const GuestRef& ref);

}  // namespace monocell
