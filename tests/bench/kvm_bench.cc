// monocell-bench-kvm: boot-to-exit wall time of the hello image under monocell-kvm-run (direct
// and PVH boot), next to spawning /bin/true the same way, and the runner's peak RSS.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {

constexpr int kDefaultRuns = 30;
constexpr double kBootTargetMs = 8.0;  // issue 3: half of a ring-0 unikernel's hello here
constexpr long kRssTargetKib = 4096;

double now_ms() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

struct Spawned {
  double wall_ms;
  long max_rss_kib;
};

// Runs argv with stdout and stderr on /dev/null; throws unless it exits with 0.
Spawned spawn_and_wait(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const double start = now_ms();
  pid_t pid;
  const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("posix_spawn " + argv[0] + ": " + std::strerror(error));
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string("wait4: ") + std::strerror(errno));
  }
  const double wall = now_ms() - start;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(argv[0] + " did not exit with 0 (status " + std::to_string(status) + ")");
  }
  return {wall, usage.ru_maxrss};
}

// The peak RSS of argv's process, from wait4. Linux's ru_maxrss also holds the high-water
// mark of the memory a process exec'd from, here this benchmark's own (posix_spawn execs from
// it): this binary is static and small so that floor, measured with /bin/true, stays low.
long peak_rss_kib(const std::vector<std::string>& argv, int runs) {
  long peak = 0;
  for (int i = 0; i < runs; ++i) peak = std::max(peak, spawn_and_wait(argv).max_rss_kib);
  return peak;
}

struct Series {
  double median_ms;
  double min_ms;
};

Series measure(const std::vector<std::string>& argv, int runs) {
  spawn_and_wait(argv);  // warm the page cache and KVM's per-process state
  std::vector<double> walls;
  for (int i = 0; i < runs; ++i) walls.push_back(spawn_and_wait(argv).wall_ms);
  std::sort(walls.begin(), walls.end());
  const size_t n = walls.size();
  const double median = n % 2 ? walls[n / 2] : (walls[n / 2 - 1] + walls[n / 2]) / 2;
  return {median, walls.front()};
}

const char* verdict(bool met) { return met ? "PASS" : "MISS"; }

}  // namespace

int main(int argc, char** argv) {
  int runs = kDefaultRuns;
  if (argc == 3 && std::string(argv[1]) == "--runs") runs = std::max(20, std::atoi(argv[2]));
  const std::string runner = MONOCELL_KVM_RUN;
  const std::string image = std::string(MONOCELL_IMAGE_DIR) + "/test-hello";
  try {
    const Series truth = measure({"/bin/true"}, runs);
    const Series direct = measure({runner, "--boot", "direct", image}, runs);
    const Series pvh = measure({runner, "--boot", "pvh", image}, runs);
    std::printf("kvm boot-to-exit, median of %d spawns (min), side by side:\n", runs);
    std::printf("  /bin/true                        %7.2f ms (%.2f)\n", truth.median_ms, truth.min_ms);
    std::printf("  monocell-kvm-run --boot direct   %7.2f ms (%.2f)  %.1fx /bin/true  target <= %.0f ms %s\n",
                direct.median_ms, direct.min_ms, direct.median_ms / truth.median_ms, kBootTargetMs,
                verdict(direct.median_ms <= kBootTargetMs));
    std::printf("  monocell-kvm-run --boot pvh      %7.2f ms (%.2f)  %.1fx /bin/true\n", pvh.median_ms,
                pvh.min_ms, pvh.median_ms / truth.median_ms);
    constexpr int kRssRuns = 10;
    const long floor = peak_rss_kib({"/bin/true"}, kRssRuns);
    const long rss = std::max(peak_rss_kib({runner, "--boot", "direct", image}, kRssRuns),
                              peak_rss_kib({runner, "--boot", "pvh", image}, kRssRuns));
    std::printf("  runner peak RSS (wait4)          %7ld KiB  target <= %ld KiB %s  (floor: /bin/true %ld KiB)\n",
                rss, kRssTargetKib, verdict(rss <= kRssTargetKib), floor);
    std::printf("kvm: boot_ms=%.2f pvh_boot_ms=%.2f rss_kib=%ld\n", direct.median_ms, pvh.median_ms, rss);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "monocell-bench-kvm: %s\n", e.what());
    return 1;
  }
  return 0;
}
