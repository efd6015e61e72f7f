// Builds the Backend a GuestConfig asks for: the only place that knows every hypervisor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hypervisors/backend.h"

namespace monocell {

// The hypervisors this build supports, in order of preference.
const std::vector<std::string>& available_hypervisors();

// Starts the guest; null with `error` on failure.
std::unique_ptr<Backend> start_backend(const GuestConfig& config, std::string* error);

}  // namespace monocell
