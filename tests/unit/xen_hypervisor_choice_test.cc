// Which hypervisor `monocell run` picks without --hypervisor (hypervisor_choice.h), with the
// host's probes replaced; the dom0 test on /proc/xen/capabilities; and when the static monocell
// hands a command to monocell-xen (cli/xen_sibling.h).
#include <catch2/catch.hpp>

#include <string>

#include "hypervisors/xen/xen_host_probe.h"
#include "orchestrator/cli/xen_sibling.h"
#include "orchestrator/hypervisor_choice.h"

using monocell::HostProbes;
using monocell::cli::SiblingPlan;

namespace {

struct FakeHost {
  bool kvm = false;
  std::optional<std::string> capabilities;
  bool privcmd = false;
  bool xenstored = false;

  HostProbes probes() const {
    HostProbes p;
    p.kvm_usable = [this](std::string* why) {
      if (!kvm) *why = "/dev/kvm: No such file or directory";
      return kvm;
    };
    p.xen_capabilities = [this](std::string* why) {
      if (!capabilities) *why = "/proc/xen/capabilities does not exist";
      return capabilities;
    };
    p.xen_privcmd = [this] { return privcmd; };
    p.xenstored_reachable = [this] { return xenstored; };
    return p;
  }
};

}  // namespace

TEST_CASE("hypervisor choice: kvm where /dev/kvm is usable, even in a dom0") {
  FakeHost host;
  host.kvm = true;
  CHECK(monocell::choose_hypervisor(host.probes()).hypervisor == "kvm");
  host.capabilities = "control_d\n";
  host.privcmd = host.xenstored = true;
  CHECK(monocell::choose_hypervisor(host.probes()).hypervisor == "kvm");
}

TEST_CASE("hypervisor choice: xen in a dom0, by its capabilities or its toolstack") {
  FakeHost host;
  host.capabilities = "control_d\n";
  CHECK(monocell::choose_hypervisor(host.probes()).hypervisor == "xen");
  // No xenfs mounted, but privcmd and a running xenstored.
  FakeHost toolstack;
  toolstack.privcmd = toolstack.xenstored = true;
  CHECK(monocell::choose_hypervisor(toolstack.probes()).hypervisor == "xen");
}

TEST_CASE("hypervisor choice: neither is a clear error naming both and --hypervisor process") {
  FakeHost bare;
  auto choice = monocell::choose_hypervisor(bare.probes());
  CHECK(choice.hypervisor.empty());
  CHECK_THAT(choice.error, Catch::Contains("/dev/kvm") && Catch::Contains("not a Xen dom0") &&
                               Catch::Contains("--hypervisor process"));
  FakeHost domu;  // a Xen guest: capabilities without control_d
  domu.capabilities = "";
  choice = monocell::choose_hypervisor(domu.probes());
  CHECK(choice.hypervisor.empty());
  CHECK_THAT(choice.error, Catch::Contains("does not say control_d"));
  FakeHost stopped;  // privcmd without xenstored
  stopped.privcmd = true;
  choice = monocell::choose_hypervisor(stopped.probes());
  CHECK(choice.hypervisor.empty());
  CHECK_THAT(choice.error, Catch::Contains("xenstored is not running"));
}

TEST_CASE("hypervisor choice: control_d must be a word of the capabilities") {
  using monocell::xen::capabilities_say_dom0;
  CHECK(capabilities_say_dom0("control_d"));
  CHECK(capabilities_say_dom0("control_d\n"));
  CHECK(capabilities_say_dom0("foo control_d bar"));
  CHECK_FALSE(capabilities_say_dom0(""));
  CHECK_FALSE(capabilities_say_dom0("no_control_d"));
  CHECK_FALSE(capabilities_say_dom0("control_dx"));
}

TEST_CASE("xen sibling: the static monocell execs monocell-xen beside it only when Xen is needed") {
  const auto present = [](const std::string&) { return true; };
  const auto missing = [](const std::string&) { return false; };
  using Action = SiblingPlan::Action;
  CHECK(monocell::cli::plan_for_xen(false, false, "/opt/bin/monocell", present).action == Action::kRunHere);
  CHECK(monocell::cli::plan_for_xen(true, true, "/opt/bin/monocell-xen", present).action == Action::kRunHere);
  const auto exec = monocell::cli::plan_for_xen(true, false, "/opt/bin/monocell", present);
  CHECK(exec.action == Action::kExec);
  CHECK(exec.path == "/opt/bin/monocell-xen");
  const auto fail = monocell::cli::plan_for_xen(true, false, "/opt/bin/monocell", missing);
  CHECK(fail.action == Action::kFail);
  CHECK_THAT(fail.error, Catch::Contains("/opt/bin/monocell-xen") && Catch::Contains("libxen-dev"));
  // The sibling is looked for exactly where monocell is.
  std::string asked;
  monocell::cli::plan_for_xen(true, false, "/usr/local/bin/monocell", [&](const std::string& p) {
    asked = p;
    return true;
  });
  CHECK(asked == "/usr/local/bin/monocell-xen");
}

TEST_CASE("xen sibling: ps needs Xen only for a Xen guest whose monitor is gone and not yet settled") {
  using monocell::cli::needs_xen_to_reconcile;
  CHECK(needs_xen_to_reconcile("xen", false, "running"));
  CHECK(needs_xen_to_reconcile("xen", false, ""));
  CHECK_FALSE(needs_xen_to_reconcile("xen", false, "ended"));  // settled by an earlier ps
  CHECK_FALSE(needs_xen_to_reconcile("xen", true, "running"));  // its monitor is alive
  CHECK_FALSE(needs_xen_to_reconcile("kvm", false, "running"));
  CHECK_FALSE(needs_xen_to_reconcile("process", false, "running"));
}
