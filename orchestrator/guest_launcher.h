// Starts a created guest's monitor: in this process, in the foreground (`run`, `start -a`), or
// detached (`run -d`, `start`): a monitor process of its own, in its own session with its
// stdio on /dev/null, that outlives the CLI. Either way the monitor records the guest's start
// and end in the store, and its output in the guest's logs, and boots the guest again when
// its restart policy says so (restart_policy.h).
#pragma once

#include <string>

#include "orchestrator/app_resolver.h"
#include "orchestrator/guest_record.h"

namespace monocell {

// Runs the monitor here until the guest has ended; its output goes to `stdout_fd` and
// `stderr_fd` (-1: only to the logs) and `ready_fd`, if not -1, gets a byte once it runs.
// Returns `monocell run`'s exit code (of the final run, under a restart policy). With --rm, the
// guest is removed from the store after. `app`: the record's app as already found (run); null:
// the monitor finds it (start).
int run_monitor(const GuestRecord& record, int stdout_fd, int stderr_fd, int ready_fd,
                const ResolvedApp* app = nullptr);

// Forks a detached monitor and waits until the guest runs (0), or has ended before (its exit
// code, with how it ended in `error`). `app` as for run_monitor.
int start_detached(const GuestRecord& record, std::string* error, const ResolvedApp* app = nullptr);

}  // namespace monocell
