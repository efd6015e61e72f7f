// Assembling the direct-boot state of a guest.
#include "direct_boot.h"

#include <cstring>
#include <ctime>

#include "hypervisors/common/host_random.h"
#include "protocol/ring/region.h"

#include "elf_image.h"
#include "file_tree_file.h"
#include "guest_cpu.h"
#include "kvm_error.h"
#include "process_stack.h"
#include "vcpu.h"
#include "vm.h"
#include "x86_machine_state.h"

namespace monocell::kvm {
namespace {

void check_note(const boot::ImageNote& note, const ElfImage& image) {
  auto inside = [&](uint64_t address) {
    return address >= image.lowest_address() && address < image.end_address();
  };
  if (note.abi_version != boot::kBootAbiVersion) {
    throw ImageError("guest image boot ABI version " + std::to_string(note.abi_version) +
                   " is not supported (this VMM speaks " + std::to_string(boot::kBootAbiVersion) + ")");
  }
  if (note.vector_stub_size == 0 || note.vector_stub_size > 256 || note.vector_count == 0 ||
      note.vector_count > 256 || !inside(note.vector_stubs) || !inside(note.syscall_entry) ||
      !inside(note.percpu) || !inside(note.ring0_start) ||
      (note.vdso != 0 && (!inside(note.vdso) || note.vdso % boot::kPageSize != 0))) {
    throw ImageError("guest image Monocell note points outside the image");
  }
}

}  // namespace

GuestLayout direct_boot(Vm& vm, Vcpu& vcpu, const ElfImage& image, const DirectBootSpec& spec) {
  if (!image.monocell_note()) {
    throw ImageError("guest image has no Monocell note: it was not linked with the monocell libOS");
  }
  const boot::ImageNote& note = *image.monocell_note();
  check_note(note, image);
  GuestMemory& memory = vm.memory();

  const uint64_t tree_size = spec.file_tree != nullptr ? spec.file_tree->size() : 0;
  const uint64_t tree_gpa = tree_size != 0 ? first_page_above(image) : 0;
  const GuestLayout layout =
      plan_guest_layout(memory.size(), image, ring::region_size_for(ring::RegionConfig{}), tree_gpa, tree_size);
  image.load(memory);
  if (tree_size != 0) spec.file_tree->load(memory, tree_gpa);
  write_system_tables(memory, note);

  BootFacts facts;
  facts.platform = boot::Platform::kKvmDirect;
  const kvm_clock_data clock = vm.clock();
  int64_t realtime_ns;
  if (clock.flags & KVM_CLOCK_REALTIME) {
    realtime_ns = static_cast<int64_t>(clock.realtime);
  } else {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    realtime_ns = now.tv_sec * 1000000000LL + now.tv_nsec;
  }
  facts.realtime_offset_ns = realtime_ns - static_cast<int64_t>(clock.clock);
  facts.tsc_khz = Vm::tsc_khz(vcpu.fd());
  fill_host_random(facts.random_seed, sizeof facts.random_seed);
  facts.exe_path = spec.exe_path;
  facts.argv = spec.argv;
  write_boot_info(memory, layout, facts);

  const GuestCpu cpu = guest_cpu_from(vm.system().supported_cpuid());
  ProcessStackSpec stack;
  stack.argv = spec.argv;
  stack.envp = spec.env;
  stack.exec_path = spec.exe_path;
  fill_host_random(stack.random, sizeof stack.random);
  stack.hwcap = cpu.hwcap;
  stack.fsgsbase = cpu.fsgsbase;
  stack.vdso = note.vdso;
  const uint64_t rsp = write_process_stack(memory, layout.stack_top, layout.stack_size, image, stack);

  // What the guest surely touches right away: the top of its stack and the start of its heap
  // (glibc's first brk). The image's own pages were populated as they were loaded.
  memory.populate(layout.stack_top - (64 << 10), 64 << 10);
  memory.populate(layout.heap_start, 256 << 10);

  if (!cpu.cpuid.empty()) vcpu.set_cpuid(cpu.cpuid);
  // XCR0 only where the guest's CPUID offers XSAVE (a CPU without it, like the rig's qemu64,
  // has no XCR0; kvm_pvm does not offer it either, and its ring 3 runs on the host's own XCR0).
  if (cpu.xsave && vm.system().has_capability(KVM_CAP_XCRS)) {
    (void)vcpu.try_set_xcr0(xcr0_for(cpu.supported_xcr0));
  }
  if (vm.has_irqchip()) vcpu.enable_lapic();
  const std::vector<MsrValue> msrs = boot_msrs(note, boot::kPvclockGpa);
  if (vcpu.try_set_msrs(msrs)) {
    vcpu.set_sregs(ring3_sregs(vcpu.sregs(), cpu.cr4(), 0, note.percpu));
    vcpu.set_regs(ring3_entry_regs(image.entry(), rsp));
  } else {
    // KVM would not take the MSRs from the host (no KVM here refuses them; tests/kvm's
    // kvm_ring0_start_test boots this way on purpose): the supervisor writes them in ring 0
    // and irets to the same ring-3 entry state.
    vcpu.set_sregs(ring0_start_sregs(vcpu.sregs(), cpu.cr4(), 0, note.percpu));
    vcpu.set_regs(write_ring0_start(memory, msrs, note.ring0_start, image.entry(), rsp));
  }
  return layout;
}

}  // namespace monocell::kvm
