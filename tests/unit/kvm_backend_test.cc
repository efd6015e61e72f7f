// The KVM backend's side of the Backend contract that needs no /dev/kvm: how a KVM guest's
// outcome reads to the monitor, and how an image that cannot boot ends.
#include <catch2/catch.hpp>

#include <poll.h>

#include <csignal>
#include <string>

#include "hypervisors/kvm/guest_outcome.h"
#include "hypervisors/kvm/kvm_backend.h"

using monocell::GuestEnd;
using monocell::kvm::GuestOutcome;
using monocell::kvm::OutcomeKind;

namespace {

GuestOutcome outcome_of(OutcomeKind kind) {
  GuestOutcome o;
  o.kind = kind;
  o.detail = "what happened";
  return o;
}

// Starts `image` on the KVM backend and waits for its end.
GuestEnd end_of(const std::string& image) {
  monocell::GuestConfig config;
  config.name = "unit";
  config.hypervisor = "kvm";
  config.app = image;
  config.image = image;
  std::string error;
  const auto backend = monocell::KvmBackend::start(config, &error);
  REQUIRE(backend != nullptr);
  pollfd p{backend->end_fd(), POLLIN, 0};
  REQUIRE(poll(&p, 1, 10'000) == 1);
  return backend->end();
}

}  // namespace

TEST_CASE("a KVM guest's exit code passes through as its end") {
  GuestOutcome o = outcome_of(OutcomeKind::kExited);
  o.exit_code = 42;
  const GuestEnd end = monocell::guest_end_from(o);
  CHECK(end.kind == GuestEnd::Kind::kExited);
  CHECK(end.code == 42);
}

TEST_CASE("a KVM guest the host stopped ends as if killed by SIGKILL") {
  for (const OutcomeKind kind : {OutcomeKind::kStopped, OutcomeKind::kTimeout}) {
    const GuestEnd end = monocell::guest_end_from(outcome_of(kind));
    CHECK(end.kind == GuestEnd::Kind::kSignaled);
    CHECK(end.signal == SIGKILL);
    CHECK(end.code == 128 + SIGKILL);
  }
}

TEST_CASE("every way a KVM guest can break ends as a fault with the VMM's report") {
  for (const OutcomeKind kind : {OutcomeKind::kFault, OutcomeKind::kTripleFault, OutcomeKind::kUnhandledExit,
                                 OutcomeKind::kInternalError, OutcomeKind::kBadHostCall}) {
    INFO(monocell::kvm::describe(kind));
    const GuestEnd end = monocell::guest_end_from(outcome_of(kind));
    CHECK(end.kind == GuestEnd::Kind::kFault);
    CHECK(end.report.find(monocell::kvm::describe(kind)) != std::string::npos);
    CHECK(end.report.find("what happened") != std::string::npos);
  }
}

TEST_CASE("an image that is missing or not an ELF cannot start: 127 and 126, with the reason") {
  const GuestEnd missing = end_of("/nonexistent/monocell-image");
  CHECK(missing.kind == GuestEnd::Kind::kCannotStart);
  CHECK(missing.code == 127);
  CHECK(missing.report.find("/nonexistent/monocell-image") != std::string::npos);

  const GuestEnd not_elf = end_of(__FILE__);
  CHECK(not_elf.kind == GuestEnd::Kind::kCannotStart);
  CHECK(not_elf.code == 126);
  CHECK(not_elf.report.find("not an ELF") != std::string::npos);
}
