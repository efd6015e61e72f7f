// Builds the Backend a GuestConfig asks for.
#include "orchestrator/backend_factory.h"

#include <algorithm>
#include <vector>

#include "hypervisors/kvm/kvm_backend.h"
#include "hypervisors/process/process_backend.h"
#ifdef MONOCELL_WITH_XEN
#include "hypervisors/xen/xen_backend.h"
#include "hypervisors/xen/xen_leftovers.h"
#endif

namespace monocell {

const std::vector<std::string>& available_hypervisors() {
#ifdef MONOCELL_WITH_XEN
  static const std::vector<std::string> names = {"kvm", "xen", "process"};
#else
  static const std::vector<std::string> names = {"kvm", "process"};
#endif
  return names;
}

bool hypervisor_available(const std::string& name) {
  const auto& names = available_hypervisors();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::unique_ptr<Backend> start_backend(const GuestConfig& config, std::string* error) {
  if (config.hypervisor == "kvm") return KvmBackend::start(config, error);
  if (config.hypervisor == "process") return ProcessBackend::start(config, error);
#ifdef MONOCELL_WITH_XEN
  if (config.hypervisor == "xen") return XenBackend::start(config, error);
#endif
  *error = "the " + config.hypervisor + " hypervisor is not available in this build";
  return nullptr;
}

bool clean_up_after_monitor(const std::string& hypervisor, const std::string& name, const std::string& state_dir,
                            std::string* done, std::string* error) {
  done->clear();
#ifdef MONOCELL_WITH_XEN
  if (hypervisor == "xen") return xen::clean_up_dead_guest(name, state_dir, done, error);
#endif
  if (hypervisor == "xen") {
    *error = "this build has no Xen backend to look for the guest's domain";
    return false;
  }
  // KVM and process guests die with their monitor.
  (void)name;
  (void)state_dir;
  return true;
}

}  // namespace monocell
