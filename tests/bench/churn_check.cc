// run -d / stop / rm cycles, and whether the host holds more at the end than after a warm-up.
#include "tests/bench/churn_check.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "tests/bench/bench_stats.h"
#include "tests/bench/host_census.h"

namespace monocell::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Private memory may move by a few pages without a leak (a page of a log buffer, a lazily
// faulted stack page); a leak of even 100 bytes a cycle is far above this over the cycles.
constexpr long kMemoryToleranceKib = 256;

// What the bench's processes and its state directory hold at one moment.
struct Snapshot {
  long processes = 0;
  long threads = 0;
  long fds = 0;
  long anonymous_kib = 0;
  long state_entries = 0;
  long bound_sockets = 0;
  long kvm_vm_fds = 0;
  // System-wide, shown only.
  long host_kvm_vm_fds = 0;
  long host_kvm_vcpus = 0;
  long host_file_handles = 0;
  long host_kernel_kib = 0;
  long host_used_kib = 0;
  long bench_fds = 0;
};

long own_fds() {
  long count = 0;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    (void)fd;
    ++count;
  }
  return count - 1;  // the directory iterator's own
}

Snapshot take_snapshot(const IsolatedMonocell& monocell) {
  Snapshot s;
  for (const ProcessUsage& p : tagged_processes(monocell.tag(), true)) {
    ++s.processes;
    s.threads += p.threads;
    s.fds += p.fds;
    s.anonymous_kib += p.anonymous_kib;
    s.kvm_vm_fds += p.kvm_vm_fds;
  }
  s.state_entries = entries_under(monocell.state_dir());
  s.bound_sockets = bound_unix_sockets_under(monocell.state_dir());
  s.host_kvm_vm_fds = kvm_vm_fds_on_host();
  s.host_kvm_vcpus = kvm_vcpu_objects();
  s.host_file_handles = allocated_file_handles();
  const HostMemory memory = read_host_memory();
  s.host_kernel_kib = memory.kernel_kib();
  s.host_used_kib = memory.mem_total - memory.mem_available;
  s.bench_fds = own_fds();
  return s;
}

// Waits (up to 10 s) until the tagged processes are down to `expected`: a stopped guest's
// monitor may still be tearing its VM down when `rm` returns.
void settle(const IsolatedMonocell& monocell, size_t expected) {
  const SteadyClock::time_point start = SteadyClock::now();
  while (tagged_processes(monocell.tag(), false).size() > expected &&
         SteadyClock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

struct Step {
  double run_ms = 0;
  double stop_ms = 0;
  double rm_ms = 0;
  std::string failure;
};

Step cycle(IsolatedMonocell& monocell, const std::string& hypervisor, const std::string& name) {
  Step step;
  const CommandResult started = monocell.run({"run", "-d", "--name", name, "--hypervisor", hypervisor, "echo"});
  step.run_ms = started.ms;
  if (!started.ok) {
    step.failure = "run -d " + name + " " + started.describe();
    monocell.run({"rm", "-f", name});
    return step;
  }
  const CommandResult stopped = monocell.run({"stop", name});
  step.stop_ms = stopped.ms;
  if (!stopped.ok) step.failure = "stop " + name + " " + stopped.describe();
  const CommandResult removed =
      monocell.run(stopped.ok ? std::vector<std::string>{"rm", name} : std::vector<std::string>{"rm", "-f", name});
  step.rm_ms = removed.ms;
  if (!removed.ok && step.failure.empty()) step.failure = "rm " + name + " " + removed.describe();
  return step;
}

void compare(const char* kind, long before, long after, long tolerance, ChurnResult* result) {
  const std::string text = std::string(kind) + " " + std::to_string(before) + " -> " + std::to_string(after);
  (after > before + tolerance ? result->grown : result->steady).push_back(text);
}

void show(const char* kind, long before, long after, ChurnResult* result) {
  result->host.push_back(std::string(kind) + " " + std::to_string(before) + " -> " + std::to_string(after));
}

}  // namespace

ChurnResult measure_churn(IsolatedMonocell& monocell, const ChurnOptions& options) {
  ChurnResult result;
  const std::string witness = options.hypervisor + "-witness";
  const CommandResult started =
      monocell.run({"run", "-d", "--name", witness, "--hypervisor", options.hypervisor, "echo"});
  if (!started.ok) {
    result.failures = 1;
    result.first_failure = "run -d " + witness + " " + started.describe();
    return result;
  }
  const size_t resident = tagged_processes(monocell.tag(), false).size();
  const int warmup = std::min(20, std::max(1, options.cycles / 10));
  std::vector<double> run_ms;
  std::vector<double> stop_ms;
  std::vector<double> rm_ms;
  Snapshot before;
  SteadyClock::time_point start;
  const int progress_every = std::max(1, options.cycles / 10);
  for (int i = -warmup; i < options.cycles && !interrupted(); ++i) {
    if (i == 0) {
      settle(monocell, resident);
      before = take_snapshot(monocell);
      start = SteadyClock::now();
    }
    const Step step = cycle(monocell, options.hypervisor, options.hypervisor + "-churn-" + std::to_string(i + warmup));
    if (!step.failure.empty()) {
      if (result.failures++ == 0) result.first_failure = step.failure;
      if (result.failures > 10) break;
      continue;
    }
    if (i < 0) continue;
    ++result.cycles_done;
    run_ms.push_back(step.run_ms);
    stop_ms.push_back(step.stop_ms);
    rm_ms.push_back(step.rm_ms);
    if ((i + 1) % progress_every == 0) {
      std::fprintf(stderr, "density: %s churn: %d cycles (%.1f s)\n", options.hypervisor.c_str(), i + 1,
                   std::chrono::duration<double>(SteadyClock::now() - start).count());
    }
  }
  if (result.cycles_done == 0) return result;
  result.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  result.run_ms = median_of(run_ms);
  result.stop_ms = median_of(stop_ms);
  result.rm_ms = median_of(rm_ms);
  settle(monocell, resident);
  const Snapshot after = take_snapshot(monocell);
  compare("processes", before.processes, after.processes, 0, &result);
  compare("threads", before.threads, after.threads, 0, &result);
  compare("fds", before.fds, after.fds, 0, &result);
  compare("anon_kib", before.anonymous_kib, after.anonymous_kib, kMemoryToleranceKib, &result);
  compare("state_entries", before.state_entries, after.state_entries, 0, &result);
  compare("bound_sockets", before.bound_sockets, after.bound_sockets, 0, &result);
  compare("kvm_vm_fds", before.kvm_vm_fds, after.kvm_vm_fds, 0, &result);
  show("host_kvm_vm_fds", before.host_kvm_vm_fds, after.host_kvm_vm_fds, &result);
  show("host_kvm_vcpu_objects", before.host_kvm_vcpus, after.host_kvm_vcpus, &result);
  show("host_file_handles", before.host_file_handles, after.host_file_handles, &result);
  show("host_kernel_kib", before.host_kernel_kib, after.host_kernel_kib, &result);
  show("host_used_kib", before.host_used_kib, after.host_used_kib, &result);
  show("bench_fds", before.bench_fds, after.bench_fds, &result);
  monocell.run({"rm", "-f", witness});
  return result;
}

}  // namespace monocell::bench
