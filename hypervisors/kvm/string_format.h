// printf-style formatting into a std::string, for the VMM's reports and error messages (the one
// every hypervisor shares, hypervisors/common/string_format.h).
#pragma once

#include "hypervisors/common/string_format.h"

namespace monocell::kvm {

using monocell::format;

}  // namespace monocell::kvm
