// The hypervisors end-to-end tests run on (test_hypervisors.h).
#include "tests/support/test_hypervisors.h"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "hypervisors/kvm/kvm_system.h"

namespace monocell::testing {

bool kvm_usable() { return kvm::KvmSystem::available(); }

bool xen_usable() {
  std::ifstream caps("/proc/xen/capabilities");
  std::string word;
  caps >> word;
  return word == "control_d" && access("/dev/xen/privcmd", R_OK | W_OK) == 0;
}

std::vector<std::string> test_hypervisors() {
  if (const char* chosen = std::getenv("MONOCELL_TEST_HYPERVISORS")) {
    std::vector<std::string> list;
    std::string rest = chosen;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string name = rest.substr(0, comma);
      if (name != "kvm" && name != "process" && name != "xen") {
        FAIL("MONOCELL_TEST_HYPERVISORS names an unknown hypervisor: " << name);
      }
      if (name == "kvm" && !kvm_usable()) FAIL("MONOCELL_TEST_HYPERVISORS asks for kvm and /dev/kvm is not usable");
      if (name == "xen" && !xen_usable()) FAIL("MONOCELL_TEST_HYPERVISORS asks for xen and this is not a Xen dom0");
      list.push_back(name);
      rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    }
    if (list.empty()) FAIL("MONOCELL_TEST_HYPERVISORS is empty");
    return list;
  }
  std::vector<std::string> list = {"process"};
  if (kvm_usable()) {
    list.push_back("kvm");
  } else if (const char* required = std::getenv("MONOCELL_REQUIRE_KVM"); required != nullptr && std::string(required) == "1") {
    FAIL("/dev/kvm is not usable here and MONOCELL_REQUIRE_KVM=1: the KVM half of this test cannot run");
  } else {
    WARN("/dev/kvm is not usable here: this test did not run on KVM");
  }
  // Xen runs in its rig (make rig-xen), which names it in MONOCELL_TEST_HYPERVISORS; a host
  // that is a dom0 itself runs it here too.
  if (xen_usable()) list.push_back("xen");
  return list;
}

}  // namespace monocell::testing
