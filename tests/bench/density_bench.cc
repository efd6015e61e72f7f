// monocell-bench-density: how many idle guests a host holds and what churn leaves behind,
// per hypervisor (KVM where /dev/kvm opens, then process), in a state directory of its own.
//
//   fleet  N idle echo guests started detached (`monocell run -d`, as many at once as the host
//          has CPUs, as a fleet manager would start them): the creation rate, the
//          memory each costs (PSS of its monitor and guest process), threads per guest, and
//          `monocell ps -a` latency with all of them listed; then they are removed
//   churn  C cycles of `run -d` / `stop` / `rm` beside one witness guest, and whether the
//          processes, threads, fds, memory, state files, sockets or KVM VMs grew
//
// Every guest is removed at the end, also after a failure or SIGINT/SIGTERM.
//
// usage: monocell-bench-density [--hypervisor kvm|process]... [--guests N] [--cycles C] [--jobs J]
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/bench/churn_check.h"
#include "tests/bench/density_fleet.h"
#include "tests/bench/host_census.h"
#include "tests/bench/isolated_monocell.h"

using namespace monocell::bench;
namespace fs = std::filesystem;

namespace {

// The targets a host of this kind is expected to meet.
constexpr int kGuestsTarget = 1000;
constexpr double kMibPerGuestTarget = 2.0;
constexpr double kCreatePerSecondTarget = 100.0;
constexpr double kPsMsTarget = 100.0;

struct Options {
  std::vector<std::string> hypervisors;
  int guests = kGuestsTarget;
  int cycles = 10000;
  // `run -d` in flight at once: one per CPU, so the rate says what the host can create, not
  // how long one creation waits on the next.
  int jobs = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: monocell-bench-density [--hypervisor kvm|process]... [--guests N] [--cycles C] [--jobs J]\n");
  std::exit(2);
}

bool kvm_usable() {
  const int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  close(fd);
  return true;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage();
    const char* value = argv[++i];
    if (flag == "--hypervisor") {
      options.hypervisors.push_back(value);
    } else if (flag == "--guests") {
      options.guests = std::atoi(value);
    } else if (flag == "--cycles") {
      options.cycles = std::atoi(value);
    } else if (flag == "--jobs") {
      options.jobs = std::atoi(value);
    } else {
      usage();
    }
  }
  if (options.guests < 1 || options.cycles < 0 || options.jobs < 1) usage();
  if (options.hypervisors.empty()) {
    if (kvm_usable()) {
      options.hypervisors.push_back("kvm");
    } else {
      std::printf("density: kvm: not measured: /dev/kvm cannot be opened here\n");
    }
    options.hypervisors.push_back("process");
  }
  return options;
}

std::string first_word_of(const char* path) {
  std::ifstream in(path);
  std::string word;
  in >> word;
  return word.empty() ? "?" : word;
}

// What could stop N guests before monocell does: fds, tasks, memory.
void print_limits(int guests) {
  rlimit files{};
  rlimit tasks{};
  getrlimit(RLIMIT_NOFILE, &files);
  getrlimit(RLIMIT_NPROC, &tasks);
  const HostMemory memory = read_host_memory();
  const auto limit_text = [](rlim_t v) { return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v); };
  std::printf("limits: ulimit -n %s (per process; a monitor holds ~25), ulimit -u %s, pid_max %s, threads-max %s, "
              "memory cgroup %s, MemAvailable %ld MiB (%.1f MiB per guest for %d)\n",
              limit_text(files.rlim_cur).c_str(), limit_text(tasks.rlim_cur).c_str(),
              first_word_of("/proc/sys/kernel/pid_max").c_str(), first_word_of("/proc/sys/kernel/threads-max").c_str(),
              first_word_of("/sys/fs/cgroup/memory/memory.limit_in_bytes").c_str(), memory.mem_available / 1024,
              static_cast<double>(memory.mem_available) / 1024.0 / guests, guests);
}

const char* verdict(bool met) { return met ? "PASS" : "MISS"; }

void report_fleet(const std::string& hypervisor, const FleetResult& f, int jobs) {
  std::printf("create: %d of %d guests running in %.1f s = %.1f/s (first tenth %.1f/s, last tenth %.1f/s); "
              "run -d median %.1f ms, max %.1f ms; %d in flight\n",
              f.reached, f.target, f.create_s, f.create_per_s, f.first_tenth_per_s, f.last_tenth_per_s,
              f.run_ms_median, f.run_ms_max, jobs);
  if (!f.failure.empty()) std::printf("create stopped: %s\n", f.failure.c_str());
  std::printf("memory per guest: %.2f MiB PSS (monitor: anon %.0f KiB, file %.0f KiB, shmem %.0f KiB; "
              "other processes %.0f KiB); monitor's largest anonymous mapping resident %.0f KiB%s\n",
              f.mib_per_guest, f.monitor_anon_kib, f.monitor_file_kib, f.monitor_shmem_kib, f.other_pss_kib,
              f.largest_anon_kib, hypervisor == "kvm" ? " (the guest's RAM)" : "");
  std::printf("host view per guest (noisy): %+.0f KiB used, of it kernel %+.0f KiB (slab, stacks, page tables, EPT)\n",
              f.host_used_kib_per_guest, f.kernel_kib_per_guest);
  std::printf("threads per guest %.2f (monitor %d..%d), fds per guest %.1f, %d monitors and %d processes found\n",
              f.threads_per_guest, f.monitor_threads_min, f.monitor_threads_max, f.fds_per_guest, f.monitors,
              f.processes);
  std::printf("ps -a with %d guests: median %.1f ms\n", f.reached, f.ps_ms);
  std::printf("teardown: rm -f of %d guests until their processes were gone: %.1f s; %d processes left\n", f.reached,
              f.teardown_s, f.left_after_teardown);
}

void report_churn(const ChurnResult& c) {
  const double per_cycle = c.cycles_done > 0 ? c.seconds * 1000 / c.cycles_done : 0;
  std::printf("churn: %d cycles in %.1f s (%.1f ms a cycle: run -d %.1f ms, stop %.1f ms, rm %.1f ms); %d failed%s%s\n",
              c.cycles_done, c.seconds, per_cycle, c.run_ms, c.stop_ms, c.rm_ms, c.failures,
              c.first_failure.empty() ? "" : ", first: ", c.first_failure.c_str());
  const auto join = [](const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
    return text.empty() ? std::string("none") : text;
  };
  std::printf("churn grew: %s\n", join(c.grown).c_str());
  std::printf("churn steady: %s\n", join(c.steady).c_str());
  std::printf("host-wide, not counted (other users move them): %s\n", join(c.host).c_str());
}

void run_hypervisor(IsolatedMonocell& monocell, const std::string& hypervisor, const Options& options) {
  std::printf("== density (%s): %d idle echo guests, then %d run -d/stop/rm cycles ==\n", hypervisor.c_str(),
              options.guests, options.cycles);
  std::fflush(stdout);
  const FleetResult fleet = measure_fleet(monocell, FleetOptions{hypervisor, options.guests, options.jobs});
  report_fleet(hypervisor, fleet, options.jobs);
  std::fflush(stdout);
  ChurnResult churn;
  if (!interrupted() && options.cycles > 0) {
    churn = measure_churn(monocell, ChurnOptions{hypervisor, options.cycles});
    report_churn(churn);
  }
  const bool reached = fleet.reached >= kGuestsTarget;
  const bool churn_clean = churn.cycles_done > 0 && churn.failures == 0 && churn.leaks() == 0;
  std::printf("targets (%s): guests>=%d %s, mib_per_guest<=%.0f %s, create_per_s>=%.0f %s, ps_ms<=%.0f at %d %s, "
              "churn_leaks=0 over %d cycles %s\n",
              hypervisor.c_str(), kGuestsTarget, verdict(reached), kMibPerGuestTarget,
              verdict(fleet.mib_per_guest > 0 && fleet.mib_per_guest <= kMibPerGuestTarget), kCreatePerSecondTarget,
              verdict(fleet.create_per_s >= kCreatePerSecondTarget), kPsMsTarget, fleet.reached,
              reached ? verdict(fleet.ps_ms <= kPsMsTarget) : "MISS (not measured at the target)", options.cycles,
              verdict(churn_clean && churn.cycles_done >= options.cycles));
  std::printf("density: hypervisor=%s guests=%d mib_per_guest=%.2f create_per_s=%.1f ps_ms=%.1f "
              "threads_per_guest=%.2f churn_cycles=%d churn_leaks=%d\n",
              hypervisor.c_str(), fleet.reached, fleet.mib_per_guest, fleet.create_per_s, fleet.ps_ms,
              fleet.threads_per_guest, churn.cycles_done, churn.leaks());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const std::string monocell = (fs::read_symlink("/proc/self/exe").parent_path() / "monocell").string();
  install_interrupt_flag();
  print_limits(options.guests);
  const auto start = std::chrono::steady_clock::now();
  int code = 0;
  try {
    IsolatedMonocell isolated(monocell);
    std::printf("state: %s (MONOCELL_STATE_DIR, MONOCELL_DATA_DIR)\n", isolated.state_dir().c_str());
    for (const std::string& hypervisor : options.hypervisors) {
      if (interrupted()) break;
      run_hypervisor(isolated, hypervisor, options);
    }
    isolated.remove_everything();
  } catch (const std::exception& e) {
    // The IsolatedMonocell's destructor has removed every guest by now.
    std::fprintf(stderr, "monocell-bench-density: %s\n", e.what());
    code = 1;
  }
  if (interrupted()) {
    std::printf("density: interrupted; every guest removed\n");
    code = 130;
  }
  std::printf("density: total %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return code;
}
