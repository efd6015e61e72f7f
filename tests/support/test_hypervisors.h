// Which hypervisors an end-to-end test boots its guests on: every one this machine can run, or
// those MONOCELL_TEST_HYPERVISORS names (comma separated; the KVM rig names "kvm", the Xen rig
// "xen"). A missing KVM is reported, not hidden, and MONOCELL_REQUIRE_KVM=1 turns its absence
// into a failure; a hypervisor MONOCELL_TEST_HYPERVISORS names must be there. Catch2 only.
#pragma once

#include <string>
#include <vector>

namespace monocell::testing {

// True when /dev/kvm opens and answers KVM's API version (12), as the VMM needs it.
bool kvm_usable();
// True in a Xen dom0 with the toolstack's devices: what the Xen backend needs.
bool xen_usable();
// "process", "kvm", "xen": see above. Fails the running test on a bad choice.
std::vector<std::string> test_hypervisors();

}  // namespace monocell::testing
