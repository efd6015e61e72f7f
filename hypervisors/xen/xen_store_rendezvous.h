// The xenstore half of the rendezvous with the guest (xen_abi.h): a watch on the guest's
// data/monocell/state set before it runs, a wait on that watch (polled with the backend's end
// signal and a deadline; no sleeping and re-reading), then one read of every key, each checked
// (xen_store_values.h). Also reads the keys a guest leaves at its end (exit, fault).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "hypervisors/xen/xen_store.h"
#include "hypervisors/xen/xen_store_values.h"

namespace monocell::xen {

class StoreRendezvous {
 public:
  // Watches the guest's state key. Throws XenError.
  StoreRendezvous(XenStore& store, uint32_t domid);
  ~StoreRendezvous();
  StoreRendezvous(const StoreRendezvous&) = delete;
  StoreRendezvous& operator=(const StoreRendezvous&) = delete;

  struct Result {
    enum class Outcome {
      kPublished,  // `value` holds the checked rendezvous
      kRefused,  // the guest published values the monitor refuses (`error`, `incompatible`)
      kEnded,  // `ended_fd` became readable first
      kStopped,  // `stop_fd` became readable first (a stop signal for the monitor)
      kTimedOut,
    } outcome = Outcome::kTimedOut;
    Rendezvous value;
    bool incompatible = false;
    std::string error;
  };
  // Waits for kStatePublished, the end of the guest (`ended_fd`), a stop signal (`stop_fd`,
  // -1 for none), or `timeout`.
  Result wait(int ended_fd, int stop_fd, std::chrono::milliseconds timeout, uint32_t pages_needed);

  // The state key's full path, for messages.
  const std::string& state_path() const { return state_path_; }

 private:
  Result check_published(uint32_t pages_needed);

  XenStore& store_;
  std::string dir_;
  std::string state_path_;
  std::string token_;
};

// Reads one of the guest's keys (kStoreDir/`key`) of at most `max_length` bytes. Nullopt with
// `error` ("... is missing", "... is longer than N bytes") otherwise.
std::optional<std::string> read_guest_key(XenStore& store, uint32_t domid, const char* key, size_t max_length,
                                          std::string* error);

}  // namespace monocell::xen
