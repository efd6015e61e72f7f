// A fleet of idle echo guests on one hypervisor, and what it costs the host.
#include "tests/bench/density_fleet.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "tests/bench/bench_stats.h"
#include "tests/bench/host_census.h"

namespace monocell::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The monitor pid of every running guest, from `ps --format json`.
std::vector<pid_t> monitor_pids(const IsolatedMonocell& monocell) {
  const CommandResult listed = monocell.run({"ps", "--format", "json"}, true);
  std::vector<pid_t> pids;
  if (!listed.ok) return pids;
  try {
    for (const auto& guest : nlohmann::json::parse(listed.out)) {
      if (guest.value("running", false) && guest.contains("monitor_pid") && guest["monitor_pid"].is_number()) {
        pids.push_back(guest["monitor_pid"].get<pid_t>());
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "density: ps --format json: %s\n", e.what());
  }
  return pids;
}

// The guests come up: `run -d` for each, `jobs` at once; creation stops at the first failure.
void create(IsolatedMonocell& monocell, const FleetOptions& options, FleetResult* result) {
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < options.guests; ++i) {
    commands.push_back(
        {"run", "-d", "--name", options.hypervisor + "-" + std::to_string(i), "--hypervisor", options.hypervisor, "echo"});
  }
  std::vector<SteadyClock::time_point> ready;  // when each successful run -d returned
  std::vector<double> run_ms;
  const int progress_every = std::max(1, options.guests / 10);
  const SteadyClock::time_point start = SteadyClock::now();
  monocell.run_all(commands, options.jobs, [&](size_t index, const CommandResult& r) {
    if (!r.ok) {
      if (result->failure.empty()) result->failure = "run -d of guest " + std::to_string(index) + " " + r.describe();
      return;
    }
    ready.push_back(SteadyClock::now());
    run_ms.push_back(r.ms);
    if (ready.size() % static_cast<size_t>(progress_every) == 0) {
      std::fprintf(stderr, "density: %s: %zu guests running (%.1f s)\n", options.hypervisor.c_str(), ready.size(),
                   seconds_between(start, ready.back()));
    }
  });
  if (interrupted() && result->failure.empty()) result->failure = "interrupted";
  result->reached = static_cast<int>(ready.size());
  if (ready.empty()) return;
  result->create_s = seconds_between(start, ready.back());
  result->create_per_s = static_cast<double>(ready.size()) / result->create_s;
  const size_t tenth = std::max<size_t>(1, ready.size() / 10);
  result->first_tenth_per_s = static_cast<double>(tenth) / seconds_between(start, ready[tenth - 1]);
  if (ready.size() > tenth) {
    const size_t from = ready.size() - tenth - 1;
    result->last_tenth_per_s = static_cast<double>(tenth) / seconds_between(ready[from], ready.back());
  }
  result->run_ms_median = median_of(run_ms);
  result->run_ms_max = *std::max_element(run_ms.begin(), run_ms.end());
}

// Memory, threads and fds of every tagged process, per guest; the host's view beside it.
void weigh(IsolatedMonocell& monocell, const HostMemory& before, FleetResult* result) {
  const std::vector<pid_t> monitors = monitor_pids(monocell);
  const std::vector<ProcessUsage> processes = tagged_processes(monocell.tag(), true);
  const HostMemory after = read_host_memory();
  std::unordered_map<pid_t, const ProcessUsage*> by_pid;
  for (const ProcessUsage& p : processes) by_pid[p.pid] = &p;
  long pss = 0;
  long monitor_anon = 0;
  long monitor_file = 0;
  long monitor_shmem = 0;
  long monitor_pss = 0;
  long threads = 0;
  long fds = 0;
  int found = 0;
  int threads_min = 1 << 30;
  int threads_max = 0;
  for (const ProcessUsage& p : processes) {
    pss += p.pss_kib;
    threads += p.threads;
    fds += p.fds;
  }
  std::vector<pid_t> sample;
  for (const pid_t pid : monitors) {
    const auto it = by_pid.find(pid);
    if (it == by_pid.end()) continue;
    const ProcessUsage& m = *it->second;
    ++found;
    monitor_pss += m.pss_kib;
    monitor_anon += m.pss_anon_kib;
    monitor_file += m.pss_file_kib;
    monitor_shmem += m.pss_shmem_kib;
    threads_min = std::min(threads_min, m.threads);
    threads_max = std::max(threads_max, m.threads);
    if (sample.size() < 20) sample.push_back(pid);
  }
  const double n = std::max(1, result->reached);
  result->monitors = found;
  result->processes = static_cast<int>(processes.size());
  result->mib_per_guest = static_cast<double>(pss) / 1024.0 / n;
  result->monitor_anon_kib = static_cast<double>(monitor_anon) / n;
  result->monitor_file_kib = static_cast<double>(monitor_file) / n;
  result->monitor_shmem_kib = static_cast<double>(monitor_shmem) / n;
  result->other_pss_kib = static_cast<double>(pss - monitor_pss) / n;
  result->threads_per_guest = static_cast<double>(threads) / n;
  result->monitor_threads_min = found > 0 ? threads_min : 0;
  result->monitor_threads_max = threads_max;
  result->fds_per_guest = static_cast<double>(fds) / n;
  long largest = 0;
  for (const pid_t pid : sample) largest += largest_anonymous_mapping_rss_kib(pid);
  result->largest_anon_kib = sample.empty() ? 0 : static_cast<double>(largest) / static_cast<double>(sample.size());
  result->host_used_kib_per_guest =
      static_cast<double>((after.mem_total - after.mem_available) - (before.mem_total - before.mem_available)) / n;
  result->kernel_kib_per_guest = static_cast<double>(after.kernel_kib() - before.kernel_kib()) / n;
}

void time_ps(IsolatedMonocell& monocell, const FleetOptions& options, FleetResult* result) {
  std::vector<double> runs;
  for (int i = 0; i < options.ps_runs && !interrupted(); ++i) {
    const CommandResult listed = monocell.run({"ps", "-a"});
    if (listed.ok) runs.push_back(listed.ms);
  }
  result->ps_ms = median_of(runs);
}

// rm -f of every guest, in batches; done when no tagged process is left (or 60 s passed).
void tear_down(IsolatedMonocell& monocell, FleetResult* result) {
  const SteadyClock::time_point start = SteadyClock::now();
  const std::vector<std::string> names = monocell.guest_names();
  constexpr size_t kBatch = 100;
  for (size_t i = 0; i < names.size(); i += kBatch) {
    std::vector<std::string> args = {"rm", "-f"};
    args.insert(args.end(), names.begin() + static_cast<long>(i),
                names.begin() + static_cast<long>(std::min(names.size(), i + kBatch)));
    const CommandResult removed = monocell.run(args);
    if (!removed.ok) std::fprintf(stderr, "density: rm -f: %s\n", removed.describe().c_str());
  }
  size_t left = 0;
  while ((left = tagged_processes(monocell.tag(), false).size()) > 0 && seconds_between(start, SteadyClock::now()) < 60) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result->teardown_s = seconds_between(start, SteadyClock::now());
  result->left_after_teardown = static_cast<int>(left);
}

}  // namespace

FleetResult measure_fleet(IsolatedMonocell& monocell, const FleetOptions& options) {
  FleetResult result;
  result.target = options.guests;
  const HostMemory before = read_host_memory();
  create(monocell, options, &result);
  if (result.reached > 0 && !interrupted()) {
    std::this_thread::sleep_for(std::chrono::seconds(1));  // idle: the guests have settled
    weigh(monocell, before, &result);
    time_ps(monocell, options, &result);
  }
  tear_down(monocell, &result);
  return result;
}

}  // namespace monocell::bench
