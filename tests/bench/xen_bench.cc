// monocell-bench-xen: the Xen figures, measured in dom0 (the Xen rig runs it), each next to its
// baseline in the same run. Under the rig's software emulation only the ratio means much.
//
//   run_vs_xl    wall time of `monocell run --hypervisor xen hello` / `xl create -F` of a PVH
//                config booting the libOS-only test-hello image (medians of interleaved runs)
//   call_rtt_us  round trip of one 64-byte Call to the echo app over the Xen rings (the granted
//                region and the event channel), host -> guest -> host: median and p99
//   calls_per_s  Calls answered per second with up to 64 in flight
//
// usage: monocell-bench-xen [--runs N] [--calls N]
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/bench/bench_stats.h"
#include "tests/bench/echo_guest.h"

using namespace monocell;
namespace fs = std::filesystem;

namespace {

// The xl configuration of a PVH domain booting `image`, destroyed when it powers off.
fs::path write_xl_config(const std::string& image, const std::string& name) {
  const fs::path path = fs::temp_directory_path() / (name + ".cfg");
  std::ofstream(path) << "type = \"pvh\"\n"
                      << "name = \"" << name << "\"\n"
                      << "kernel = \"" << image << "\"\n"
                      << "cmdline = \"test-hello\"\n"
                      << "memory = 64\nvcpus = 1\n"
                      << "on_poweroff = \"destroy\"\non_crash = \"destroy\"\n";
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 7;
  int calls = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--calls") == 0) calls = std::max(10, std::atoi(argv[i + 1]));
  }
  const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path();
  const std::string monocell = (bin / "monocell").string();
  const std::string test_hello = std::string(MONOCELL_IMAGE_DIR) + "/test-hello";
  const std::string xl = "/usr/lib/xen-4.17/bin/xl";
  std::printf("== xen ==\n");

  std::vector<double> ours;
  std::vector<double> theirs;
  const fs::path config = write_xl_config(test_hello, "bench-xl-" + std::to_string(getpid()));
  for (int i = 0; i < runs; ++i) {  // interleaved, so noise hits both alike
    const double t = bench::time_command({monocell, "run", "--rm", "--hypervisor", "xen", "hello"});
    if (t < 0) {
      std::fprintf(stderr, "bench: `monocell run --hypervisor xen hello` failed\n");
      return 1;
    }
    ours.push_back(t);
    const double x = bench::time_command({xl, "create", "-F", config.string()});
    if (x < 0) {
      std::fprintf(stderr, "bench: `xl create -F %s` failed\n", config.c_str());
      return 1;
    }
    theirs.push_back(x);
  }
  std::error_code ec;
  fs::remove(config, ec);
  const double run_ms = bench::median_of(ours);
  const double xl_ms = bench::median_of(theirs);
  std::printf("monocell run --hypervisor xen hello: median %.1f ms over %d runs\n", run_ms, runs);
  std::printf("xl create -F (PVH, test-hello):      median %.1f ms over %d runs\n", xl_ms, runs);

  std::vector<double> medians;
  std::vector<double> p99s;
  double rate = 0;
  {
    bench::EchoGuest guest("xen");
    bench::call_round_trips_us(guest, calls / 5);  // warm-up
    for (int round = 0; round < 3; ++round) {
      const std::vector<double> rtts = bench::call_round_trips_us(guest, calls);
      medians.push_back(bench::median_of(rtts));
      p99s.push_back(bench::percentile(rtts, 0.99));
    }
    rate = bench::calls_per_second(guest, calls * 10, 64);
  }
  const double rtt = bench::median_of(medians);
  std::printf("Call round trip over the Xen rings: median %.1f us, p99 %.1f us\n", rtt, bench::median_of(p99s));
  std::printf("Calls per second: %.0f (64 in flight)\n", rate);
  const double ratio = run_ms / xl_ms;
  std::printf("targets: run_vs_xl <= 0.5 %s\n", ratio <= 0.5 ? "PASS" : "MISS");
  std::printf("xen: run_vs_xl=%.3f call_rtt_us=%.1f calls_per_s=%.0f\n", ratio, rtt, rate);
  return 0;
}
