// Guests started and removed over and over on one hypervisor (`run -d`, `stop`, `rm`) while a
// witness guest keeps running beside them, and whether anything grew between a snapshot after
// a warm-up and one at the end: the processes, threads, fds and private memory of every
// process the bench started, files under the state directory, unix sockets bound there and
// KVM VM fds. System-wide counters are shown beside them, not counted: on a shared host other
// users move them too.
#pragma once

#include <string>
#include <vector>

#include "tests/bench/isolated_monocell.h"

namespace monocell::bench {

struct ChurnOptions {
  std::string hypervisor;
  int cycles = 10000;
};

struct ChurnResult {
  int cycles_done = 0;
  int failures = 0;
  std::string first_failure;
  double seconds = 0;  // the measured cycles, warm-up excluded
  double run_ms = 0;   // medians of each step
  double stop_ms = 0;
  double rm_ms = 0;
  std::vector<std::string> grown;   // "fds 31 -> 33", one per resource kind that grew
  std::vector<std::string> steady;  // the kinds that did not, with their value
  std::vector<std::string> host;    // system-wide counters before -> after, not counted
  int leaks() const { return static_cast<int>(grown.size()); }
};

ChurnResult measure_churn(IsolatedMonocell& monocell, const ChurnOptions& options);

}  // namespace monocell::bench
