// Creating a VM, giving it RAM and an irqchip, and wiring its doorbell and host interrupt.
#include "vm.h"

#include <sys/ioctl.h>

#include "background_release.h"
#include "kvm_error.h"

namespace monocell::kvm {
namespace {
constexpr uint64_t kIoapicPins = 24;  // GSI routes reserved for a userspace IOAPIC
}  // namespace

Vm::Vm(uint64_t ram_size, bool irqchip, bool huge_pages) : memory_(ram_size), irqchip_(irqchip) {
  if (huge_pages) memory_.use_huge_pages();
  fd_.reset(::ioctl(system_.fd(), KVM_CREATE_VM, 0));
  if (!fd_.valid()) throw_errno("KVM_CREATE_VM");
  if (irqchip) {
    // The split irqchip: the local APIC in the kernel (timer, MSIs, irqfd through MSI routes,
    // HLT that sleeps in the kernel), the IOAPIC and PIC -- which monocell guests never use --
    // left out. Closing a VM with the full irqchip costs ~15 ms here, with this 0.1 ms.
    if (system_.has_capability(KVM_CAP_SPLIT_IRQCHIP)) {
      kvm_enable_cap cap{};
      cap.cap = KVM_CAP_SPLIT_IRQCHIP;
      cap.args[0] = kIoapicPins;
      if (::ioctl(fd_.get(), KVM_ENABLE_CAP, &cap) != 0) throw_errno("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)");
    } else if (::ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0) != 0) {
      throw_errno("KVM_CREATE_IRQCHIP");
    }
  }
  kvm_userspace_memory_region region{};
  region.slot = 0;
  region.guest_phys_addr = 0;
  region.memory_size = memory_.size();
  region.userspace_addr = reinterpret_cast<uint64_t>(memory_.host_base());
  if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) != 0) {
    throw_errno("KVM_SET_USER_MEMORY_REGION");
  }
}

Vm::~Vm() {
  const size_t size = memory_.size();
  release_vm_in_background(fd_.release(), memory_.release(), size);
}

void Vm::add_doorbell(uint64_t gpa, int eventfd) {
  kvm_ioeventfd doorbell{};
  doorbell.addr = gpa;
  doorbell.len = 4;
  doorbell.fd = eventfd;
  if (::ioctl(fd_.get(), KVM_IOEVENTFD, &doorbell) != 0) throw_errno("KVM_IOEVENTFD");
}

namespace {
constexpr uint32_t kMsiAddress = 0xFEE00000;  // fixed delivery, physical destination APIC 0
}  // namespace

void Vm::raise_interrupt(uint32_t vector) {
  if (!irqchip_) throw KvmError("host interrupts need the in-kernel irqchip");
  kvm_msi msi{};
  msi.address_lo = kMsiAddress;
  msi.data = vector;
  if (::ioctl(fd_.get(), KVM_SIGNAL_MSI, &msi) < 0) throw_errno("KVM_SIGNAL_MSI");
}

kvm_clock_data Vm::clock() const {
  kvm_clock_data data{};
  if (::ioctl(fd_.get(), KVM_GET_CLOCK, &data) != 0) throw_errno("KVM_GET_CLOCK");
  return data;
}

uint64_t Vm::tsc_khz(int vcpu_fd) {
  const int khz = ::ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);
  return khz > 0 ? static_cast<uint64_t>(khz) : 0;
}

}  // namespace monocell::kvm
