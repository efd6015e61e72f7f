// The VMM side of the host-call channel (hostcall_abi.h): console writes, sleeps, exit and
// fault reports. Every request is copied out of guest memory and checked before use.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include <monocell/boot_abi.h>

#include "guest_config.h"
#include "guest_outcome.h"

namespace monocell::kvm {

class GuestMemory;

class HostCallHandler {
 public:
  // `sleep_for(ns, wake_on_host)` blocks for `ns` on the host's clock (~0: no limit) or until
  // the guest is being stopped, or -- when `wake_on_host` -- the host raised its interrupt; it
  // returns true in that last case.
  using SleepFunction = std::function<bool(uint64_t ns, bool wake_on_host)>;
  HostCallHandler(GuestMemory& memory, const boot::ImageNote& note, ConsoleSink console,
                  SleepFunction sleep_until);

  // Handles the call whose request is at `request_gpa`. Returns nothing when the guest should
  // resume, or the outcome that ends it (exit, fault, or a broken request).
  std::optional<GuestOutcome> handle(uint64_t request_gpa);

  uint64_t calls() const { return calls_; }

 private:
  int64_t console_write(uint64_t fd, uint64_t iov_gpa, uint32_t count, bool& bad);
  GuestOutcome fault(uint64_t frame_gpa);

  GuestMemory& memory_;
  boot::ImageNote note_;
  ConsoleSink console_;
  SleepFunction sleep_until_;
  uint64_t calls_ = 0;
};

}  // namespace monocell::kvm
