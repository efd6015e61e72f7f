// Builds the Backend a GuestConfig asks for: the only place that knows every hypervisor. It is
// compiled twice: without Xen for the static `monocell`, with Xen for `monocell-xen`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hypervisors/backend.h"

namespace monocell {

// The hypervisors this build supports, in order of preference.
const std::vector<std::string>& available_hypervisors();
bool hypervisor_available(const std::string& name);

// Starts the guest; null with `error` on failure.
std::unique_ptr<Backend> start_backend(const GuestConfig& config, std::string* error);

// A guest whose monitor is gone may have left something of its hypervisor behind (a Xen
// domain): removes it. True when nothing is left; `done` then says what was removed ("" for
// nothing). False with `error` otherwise.
bool clean_up_after_monitor(const std::string& hypervisor, const std::string& name, const std::string& state_dir,
                            std::string* done, std::string* error);

}  // namespace monocell
