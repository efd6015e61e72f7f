// Which hypervisor `monocell run` uses when --hypervisor is not given: what the host offers.
// KVM where /dev/kvm is usable, Xen in a dom0, otherwise a clear error naming both. The probes
// are injectable, so the choice is tested on any machine.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace monocell {

struct HostProbes {
  // True when /dev/kvm opens and answers KVM's API version; otherwise false with why not.
  std::function<bool(std::string* why)> kvm_usable;
  // /proc/xen/capabilities, or nullopt with why not.
  std::function<std::optional<std::string>(std::string* why)> xen_capabilities;
  std::function<bool()> xen_privcmd;  // /dev/xen/privcmd exists
  std::function<bool()> xenstored_reachable;
};

// The probes of this host.
HostProbes host_probes();

struct HypervisorChoice {
  std::string hypervisor;  // "kvm" or "xen"; empty with `error` when the host offers neither
  std::string error;
};

HypervisorChoice choose_hypervisor(const HostProbes& probes);

}  // namespace monocell
