// Boots one guest from a GuestConfig on /dev/kvm and runs it to its end on one vCPU thread,
// under the wall-clock limit: the public entry of the KVM backend.
#pragma once

#include "guest_config.h"
#include "guest_outcome.h"

namespace monocell::kvm {

// Builds the VM (direct boot: all machine state from the host, vCPU started in ring 3), runs
// it and returns how it ended. Throws KvmError when the VM cannot be built.
GuestOutcome run_guest(const GuestConfig& config);

}  // namespace monocell::kvm
