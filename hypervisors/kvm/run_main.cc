// monocell-kvm-run: boots one guest image on /dev/kvm, copies its fd 1 and 2 to its own, and
// exits with the guest's exit code, or with one of these (the values `monocell run` uses) and
// a report on stderr:
//   124 the guest ran past --timeout and was stopped
//   125 the VMM failed: bad command line, no usable /dev/kvm, a failed KVM ioctl
//   126 the image cannot run: not a static x86-64 ELF linked with the monocell libOS
//   128+N the guest reported a CPU exception; N is the signal Linux sends for it (139 SIGSEGV
//       for a page fault, 132 SIGILL, 136 SIGFPE, 135 SIGBUS)
//   139 also: the guest triple-faulted, made an exit the VMM does not handle, or broke the
//       host-call contract
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "guest_runner.h"
#include "kvm_error.h"

int main(int argc, char** argv) {
  using namespace monocell::kvm;
  CLI::App app{"Boot a monocell guest image on /dev/kvm.", "monocell-kvm-run"};
  app.footer(
      "Exit status: the guest's own exit code, or 124 timeout, 125 VMM failure or bad usage, "
      "126 not a monocell image, 128+N a CPU exception of signal N as on Linux (139 for a page fault), "
      "139 another guest fault (report on stderr).");
  uint64_t memory_mib = 256;
  double timeout_s = 0;
  std::string boot = "direct";
  std::string image;
  std::vector<std::string> args;
  bool verbose = false;
  bool huge_pages = false;
  app.add_option("--memory", memory_mib, "guest RAM in MiB (16..3072)")->check(CLI::Range(16, 3072));
  app.add_option("--timeout", timeout_s, "wall-clock limit in seconds (0: none)")->check(CLI::NonNegativeNumber);
  app.add_option("--boot", boot, "boot path: direct (default) or pvh")->check(CLI::IsMember({"direct", "pvh"}));
  app.add_flag("--huge-pages", huge_pages,
               "back guest RAM with transparent huge pages: faster first touch, more RSS");
  app.add_flag("-v,--verbose", verbose, "report how the guest ended even when it exits normally");
  app.add_option("image", image, "the guest image (a static ELF built with monocell_image)")->required();
  app.prefix_command();  // everything after IMAGE is the guest's: ARGS...
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : kExitSetupError;
  }
  args = app.remaining();

  GuestConfig config;
  config.image_path = image;
  config.args = args;
  config.memory_bytes = memory_mib << 20;
  config.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  config.boot = boot == "pvh" ? BootMode::kPvh : BootMode::kDirect;
  config.huge_pages = huge_pages;
  try {
    const GuestOutcome outcome = run_guest(config);
    if (outcome.kind != OutcomeKind::kExited || verbose || outcome.unknown_syscalls != 0) {
      std::fprintf(stderr, "monocell-kvm-run: %s", outcome.report().c_str());
    }
    return exit_status_for(outcome);
  } catch (const ImageError& e) {
    std::fprintf(stderr, "monocell-kvm-run: %s\n", e.what());
    return kExitCannotRun;
  } catch (const KvmError& e) {
    std::fprintf(stderr, "monocell-kvm-run: %s\n", e.what());
    return kExitSetupError;
  }
}
