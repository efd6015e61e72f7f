// End-to-end tests of awkward ways for a guest to end, on the process backend (they involve
// host-process behaviour: a process that outlives its Exit message, a forked child).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>

#include "tests/support/command.h"

using monocell::testing::CommandResult;
using monocell::testing::TempDir;

namespace {

CommandResult run_edge_case(const TempDir& state, const std::string& mode) {
  return monocell::testing::run_command(
      {MONOCELL_BIN, "run", "--hypervisor", "process", EXIT_EDGE_CASES_APP, mode},
      {"MONOCELL_STATE_DIR=" + state.path()}, 30'000);
}

}  // namespace

TEST_CASE("a guest that reports Exit but does not end is killed, and its code still counts") {
  TempDir state;
  const auto start = std::chrono::steady_clock::now();
  const CommandResult r = run_edge_case(state, "linger");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(r.exit_code == 7);
  CHECK(r.err.find("reported Exit but was still running") != std::string::npos);
  CHECK(elapsed < std::chrono::seconds(10));
}

TEST_CASE("an app that leaves a child holding its stdout still exits promptly with its code") {
  TempDir state;
  const auto start = std::chrono::steady_clock::now();
  const CommandResult r = run_edge_case(state, "background-child");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("leaving a child behind") != std::string::npos);
  CHECK(elapsed < std::chrono::seconds(10));  // not the child's 30 s
  // The child went with the guest, as it would with a VM.
  // (The child is a fork of the app: its command line is the app's path.)
  CHECK(std::system("pgrep -f '^" EXIT_EDGE_CASES_APP "' >/dev/null") != 0);
}
