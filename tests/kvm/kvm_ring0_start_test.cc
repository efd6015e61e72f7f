// The direct boot's fallback for a KVM that refuses KVM_SET_MSRS: the supervisor's ring-0 start
// writes the boot MSRs and irets to the same ring-3 entry. Both KVMs here take the MSRs from the
// host, so the test takes them away again and boots through the fallback on purpose.
#include <catch2/catch.hpp>

#include <monocell/boot_abi.h>

#include "elf_image.h"
#include "kvm_test_support.h"
#include "vcpu.h"
#include "vm.h"
#include "x86_machine_state.h"

using namespace monocell;
using namespace monocell::kvm;
using namespace monocell::kvm::test;

TEST_CASE("the supervisor's ring-0 start sets the MSRs the host did not and enters the same ring-3 entry") {
  if (!kvm_or_skip()) return;
  GuestConfig config;
  config.image_path = image_path("test-hello");
  config.args = {"7"};
  config.timeout = std::chrono::seconds(20);
  std::string out;
  config.console = [&](int fd, std::string_view bytes) {
    if (fd == 1) out.append(bytes);
  };
  const ElfImage image = ElfImage::from_file(config.image_path);
  REQUIRE(image.monocell_note());
  const boot::ImageNote note = *image.monocell_note();
  config.before_start = [&](Vm& vm, Vcpu& vcpu) {
    const kvm_regs entry = vcpu.regs();
    INFO("the direct boot itself fell back to the ring-0 start: KVM refused KVM_SET_MSRS");
    REQUIRE(entry.rip == image.entry());
    // Undo what the host set (LSTAR 0: a syscall would fault), so that only the ring-0 start
    // can make the guest's syscalls and clock work again.
    const std::vector<MsrValue> msrs = boot_msrs(note, boot::kPvclockGpa);
    std::vector<MsrValue> cleared = msrs;
    for (MsrValue& m : cleared) m.value = 0;
    REQUIRE(vcpu.try_set_msrs(cleared));
    const kvm_sregs s = vcpu.sregs();
    vcpu.set_sregs(ring0_start_sregs(s, s.cr4, s.fs.base, s.gs.base));
    vcpu.set_regs(write_ring0_start(vm.memory(), msrs, note.ring0_start, entry.rip, entry.rsp));
  };
  const GuestOutcome o = run_guest(config);
  INFO(o.report());
  REQUIRE(o.kind == OutcomeKind::kExited);
  CHECK(o.exit_code == 7);
  CHECK(out.find("hello from monocell (iostream)\n") != std::string::npos);
  CHECK(out.find("argv[1]=7\n") != std::string::npos);
}
