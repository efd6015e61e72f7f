// End-to-end tests of signal handlers inside the guest (tests/apps/signals.cc): the same app,
// and the same outcome, on every hypervisor in test_hypervisors() — on the process target the
// host's Linux runs the handlers, in a VM the libOS does.
#include <catch2/catch.hpp>

#include <csignal>
#include <string>
#include <vector>

#include "tests/support/command.h"
#include "tests/support/test_hypervisors.h"

using monocell::testing::CommandResult;
using monocell::testing::TempDir;

namespace {

std::string signals_app(const std::string& hypervisor) {
  return (hypervisor == "process" ? std::string(TEST_APP_DIR) : std::string(MONOCELL_IMAGE_DIR)) + "/test-signals";
}

CommandResult run_signals(const std::string& hypervisor, const std::vector<std::string>& args) {
  TempDir state;
  std::vector<std::string> argv = {MONOCELL_BIN, "run", "--hypervisor", hypervisor, signals_app(hypervisor)};
  argv.insert(argv.end(), args.begin(), args.end());
  return monocell::testing::run_command(argv, {"MONOCELL_STATE_DIR=" + state.path()}, 60'000);
}

}  // namespace

TEST_CASE("signal handlers run as on Linux: raise, kill, masks, nesting, sigaltstack, faults, sigreturn") {
  const std::vector<std::string> checks = {
      "raise runs the handler",
      "the signal is blocked while its handler runs",
      "kill to itself runs the handler with SI_USER",
      "a blocked signal stays pending, then runs when unblocked",
      "an ignored signal is discarded",
      "SA_RESETHAND runs once and restores SIG_DFL",
      "a handler runs inside another",
      "SA_ONSTACK runs the handler on the sigaltstack",
      "sigaltstack is left after the handler",
      "a null write is SIGSEGV at address 0",
      "a second SIGSEGV after siglongjmp",
      "a division by zero is SIGFPE FPE_INTDIV",
      "ud2 is SIGILL ILL_ILLOPN",
      "rt_sigreturn resumes with every register, as the handler left the context",
  };
  for (const std::string& hv : monocell::testing::test_hypervisors()) {
    const CommandResult r = run_signals(hv, {});
    INFO(hv << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
    for (const std::string& name : checks) CHECK(r.out.find("signals: " + name + " ok\n") != std::string::npos);
    CHECK(r.out.find("signals: all ok\n") != std::string::npos);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("a blocked fatal signal ends the guest when it is unblocked, with 128 + N") {
  for (const std::string& hv : monocell::testing::test_hypervisors()) {
    const CommandResult r = run_signals(hv, {"fatal-after-unblock"});
    INFO(hv << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
    CHECK(r.exit_code == 128 + SIGTERM);  // 3: it was not kept pending; 4: it did not end the guest
  }
}

TEST_CASE("a fault inside the handler of that fault ends the guest with SIGSEGV's 139") {
  for (const std::string& hv : monocell::testing::test_hypervisors()) {
    const CommandResult r = run_signals(hv, {"fault-in-handler"});
    INFO(hv << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
    CHECK(r.exit_code == 139);  // 4: the guest survived the fault in its handler
  }
}
