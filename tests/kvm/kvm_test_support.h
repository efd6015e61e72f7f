// Helpers for the real-KVM tests: where the images are, booting one with captured output, and
// the /dev/kvm policy (skip when missing, unless MONOCELL_REQUIRE_KVM=1 makes that a failure).
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "guest_runner.h"
#include "kvm_system.h"

namespace monocell::kvm::test {

inline std::string image_path(const std::string& name) {
  return std::string(MONOCELL_IMAGE_DIR) + "/" + name;
}

// True when the test can use /dev/kvm. When it cannot, the test fails if the environment
// requires KVM, and otherwise says loudly that it skips.
inline bool kvm_or_skip() {
  if (KvmSystem::available()) return true;
  const char* require = std::getenv("MONOCELL_REQUIRE_KVM");
  if (require != nullptr && std::string(require) == "1") {
    FAIL("/dev/kvm is not usable and MONOCELL_REQUIRE_KVM=1");
  }
  WARN("SKIPPED: /dev/kvm is not usable on this machine");
  std::cerr << "SKIPPED: " << Catch::getResultCapture().getCurrentTestName()
            << ": /dev/kvm is not usable\n";
  return false;
}

// True on KVM for AMD SVM (kvm_amd), which INITs a vCPU that triple-faults (its VMCB is
// undefined after a shutdown), so the guest's registers at that moment are gone. VMX and
// kvm_pvm keep them.
inline bool kvm_resets_vcpu_on_shutdown() { return std::filesystem::exists("/sys/module/kvm_amd"); }

// True on kvm_pvm (KVM-NOTES.md), where `syscall` runs the LSTAR entry in ring 3; hardware
// KVM enters ring 0.
inline bool syscall_stays_in_ring3() { return std::filesystem::exists("/sys/module/kvm_pvm"); }

struct BootResult {
  GuestOutcome outcome;
  std::string out;  // what the guest wrote to fd 1
  std::string err;  // ... and to fd 2
};

inline const char* boot_name(BootMode mode) { return mode == BootMode::kPvh ? "pvh" : "direct"; }

inline BootResult boot(const std::string& image, std::vector<std::string> args = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(30),
                       BootMode mode = BootMode::kDirect, uint64_t memory_mib = 256,
                       const std::string& file_tree_path = {}) {
  BootResult result;
  GuestConfig config;
  config.boot = mode;
  config.image_path = image_path(image);
  config.file_tree_path = file_tree_path;
  config.args = std::move(args);
  config.timeout = timeout;
  config.memory_bytes = memory_mib << 20;
  config.console = [&](int fd, std::string_view bytes) {
    (fd == 1 ? result.out : result.err).append(bytes);
  };
  result.outcome = run_guest(config);
  return result;
}

}  // namespace monocell::kvm::test
