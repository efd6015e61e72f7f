// Runs the monocell-kvm-run binary as a user would and checks its output and exit status.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "guest_outcome.h"
#include "kvm_test_support.h"

using namespace monocell::kvm;
using namespace monocell::kvm::test;

namespace {

struct RunResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

RunResult run(const std::string& arguments) {
  const std::string command = std::string(MONOCELL_KVM_RUN) + " " + arguments + " 2>&1";
  RunResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int wait_status = ::pclose(pipe);
  result.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  return result;
}

}  // namespace

TEST_CASE("monocell-kvm-run passes arguments and exits with the guest's code") {
  if (!kvm_or_skip()) return;
  const RunResult r = run("--memory 64 --timeout 30 " + image_path("test-hello") + " 9 --not-an-option");
  INFO(r.output);
  CHECK(r.status == 9);
  CHECK(r.output.find("argv[1]=9\n") != std::string::npos);
  CHECK(r.output.find("argv[2]=--not-an-option\n") != std::string::npos);
  CHECK(r.output.find("hello on stderr\n") != std::string::npos);
}

TEST_CASE("monocell-kvm-run boots the same image through its PVH entry") {
  if (!kvm_or_skip()) return;
  const RunResult r = run("--boot pvh --timeout 30 " + image_path("test-hello") + " 11 'two words'");
  INFO(r.output);
  CHECK(r.status == 11);
  CHECK(r.output.find("argv[0]=test-hello\n") != std::string::npos);
  CHECK(r.output.find("argv[2]=two words\n") != std::string::npos);
}

TEST_CASE("monocell-kvm-run --huge-pages runs a guest that touches 64 MiB twice over") {
  if (!kvm_or_skip()) return;
  const RunResult r = run("--huge-pages --timeout 60 " + image_path("test-alloc"));
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("calloc after free: zeroed ok\n") != std::string::npos);
}

TEST_CASE("monocell-kvm-run reports a guest fault and exits with its documented code") {
  if (!kvm_or_skip()) return;
  const RunResult r = run("--timeout 30 " + image_path("test-null-deref"));
  INFO(r.output);
  CHECK(r.status == kExitGuestFault);
  CHECK(r.output.find("#PF page fault") != std::string::npos);
  CHECK(r.output.find("cr2 (fault address) 0,") != std::string::npos);
  CHECK(r.output.find("rip=") != std::string::npos);
}

TEST_CASE("monocell-kvm-run stops a guest at --timeout") {
  if (!kvm_or_skip()) return;
  const RunResult r = run("--timeout 0.3 " + image_path("test-spin"));
  INFO(r.output);
  CHECK(r.status == kExitTimeout);
  CHECK(r.output.find("wall-clock limit") != std::string::npos);
}

TEST_CASE("monocell-kvm-run refuses bad input with its documented codes") {
  CHECK(run("--memory 1 " + image_path("test-hello")).status == kExitSetupError);
  const RunResult missing = run("/nonexistent/image");
  CHECK(missing.status == kExitCannotRun);
  CHECK(missing.output.find("cannot open guest image /nonexistent/image") != std::string::npos);
  CHECK(run("--boot bios " + image_path("test-hello")).status == kExitSetupError);
  const RunResult not_monocell = run("/bin/true");
  CHECK(not_monocell.status == kExitCannotRun);
  CHECK(not_monocell.output.find("/bin/true") != std::string::npos);
}
