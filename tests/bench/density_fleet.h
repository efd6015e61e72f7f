// A fleet of idle echo guests started detached on one hypervisor, and what it costs the host:
// how fast the guests come up, the memory and threads each holds, how long `ps` takes with
// all of them listed, and how long removing them takes.
#pragma once

#include <string>

#include "tests/bench/isolated_monocell.h"

namespace monocell::bench {

struct FleetOptions {
  std::string hypervisor;
  int guests = 1000;
  int jobs = 1;     // `run -d` commands in flight at once
  int ps_runs = 5;  // `ps -a` runs whose median is the ps latency
};

struct FleetResult {
  int target = 0;
  int reached = 0;      // guests running when creation ended
  std::string failure;  // why creation stopped early; empty if it did not
  // Creation: every `run -d` returns once its guest runs (the monitor's ready byte).
  double create_s = 0;
  double create_per_s = 0;
  double first_tenth_per_s = 0;  // the first and the last tenth apart: does creation slow
  double last_tenth_per_s = 0;   // down as the store fills?
  double run_ms_median = 0;
  double run_ms_max = 0;
  // Memory: the PSS of every process the fleet started (monitors and guest processes), so a
  // page shared among them (the binary, a memfd) counts once in the sum. A KVM guest's RAM
  // is inside its monitor's mappings: its monitor's PSS already holds it.
  int monitors = 0;   // monitor pids (ps --format json) found alive
  int processes = 0;  // every tagged process: monitors, guest processes, helpers
  double mib_per_guest = 0;
  double monitor_anon_kib = 0;  // per guest: the monitor's private anonymous memory (PSS)
  double monitor_file_kib = 0;  // per guest: the monitor's share of file pages (its binary)
  double monitor_shmem_kib = 0;
  double other_pss_kib = 0;     // per guest: processes other than the monitor (the guest process)
  double largest_anon_kib = 0;  // per guest, over a sample of monitors: the resident part of the
                                // monitor's largest anonymous mapping (on KVM, the guest's RAM)
  double threads_per_guest = 0;  // tasks of the monitor and its guest process
  int monitor_threads_min = 0;
  int monitor_threads_max = 0;
  double fds_per_guest = 0;
  // The host's view (MemAvailable, and kernel memory: unreclaimable slab, kernel stacks, page
  // tables, EPT/NPT): what the monitors' PSS leaves out, noisy on a shared machine.
  double host_used_kib_per_guest = 0;
  double kernel_kib_per_guest = 0;
  double ps_ms = 0;
  double teardown_s = 0;
  int left_after_teardown = 0;  // tagged processes still there after the rm -f
};

// Starts the fleet, measures it, removes it again (rm -f), and returns what was measured.
FleetResult measure_fleet(IsolatedMonocell& monocell, const FleetOptions& options);

}  // namespace monocell::bench
