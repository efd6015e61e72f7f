// Builds the Backend a GuestConfig asks for.
#include "orchestrator/backend_factory.h"

#include <vector>

#include "hypervisors/kvm/kvm_backend.h"
#include "hypervisors/process/process_backend.h"

namespace monocell {

const std::vector<std::string>& available_hypervisors() {
  static const std::vector<std::string> names = {"kvm", "process"};
  return names;
}

std::unique_ptr<Backend> start_backend(const GuestConfig& config, std::string* error) {
  if (config.hypervisor == "kvm") return KvmBackend::start(config, error);
  if (config.hypervisor == "process") return ProcessBackend::start(config, error);
  *error = "the " + config.hypervisor + " hypervisor is not available in this build";
  return nullptr;
}

}  // namespace monocell
