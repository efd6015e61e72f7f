// A guest as JSON, for `inspect` and `ps --format json`.
#pragma once

#include <nlohmann/json.hpp>

#include "orchestrator/guest_store.h"

namespace monocell::cli {

// The listing's fields (id, name, status, state, exit_code, hypervisor, app, pid, times);
// `full` adds the config, the image, the error and the restart count, as inspect shows them.
nlohmann::json guest_json(const GuestView& view, bool full);

}  // namespace monocell::cli
