// vCPU creation, state ioctls, KVM_RUN and kicking.
#include "vcpu.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstring>
#include <mutex>

#include "kvm_error.h"
#include "kvm_flex_ioctls.h"
#include "vm.h"

namespace monocell::kvm {
namespace {

void install_kick_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = [](int) {};  // only to interrupt KVM_RUN and blocking calls
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the interrupted call must return EINTR
    if (::sigaction(vcpu_kick_signal(), &action, nullptr) != 0) throw_errno("sigaction(vCPU kick)");
  });
}

}  // namespace

int vcpu_kick_signal() { return SIGRTMIN + 1; }

Vcpu::Vcpu(Vm& vm, int index) {
  install_kick_handler();
  fd_.reset(::ioctl(vm.fd(), KVM_CREATE_VCPU, index));
  if (!fd_.valid()) throw_errno("KVM_CREATE_VCPU");
  run_size_ = static_cast<size_t>(vm.system().vcpu_mmap_size());
  void* p = ::mmap(nullptr, run_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED) throw_errno("mmap(kvm_run)");
  run_ = static_cast<kvm_run*>(p);
}

Vcpu::~Vcpu() {
  if (run_ != nullptr) ::munmap(run_, run_size_);
}

void Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
  FlexArgument<KvmCpuid2Header, kvm_cpuid_entry2> cpuid(entries.size());
  cpuid.set_header({static_cast<uint32_t>(entries.size()), 0});
  for (size_t i = 0; i < entries.size(); ++i) cpuid.set_entry(i, entries[i]);
  if (::ioctl(fd_.get(), kKvmSetCpuid2, cpuid.data()) != 0) throw_errno("KVM_SET_CPUID2");
}

kvm_sregs Vcpu::sregs() const {
  kvm_sregs s{};
  if (::ioctl(fd_.get(), KVM_GET_SREGS, &s) != 0) throw_errno("KVM_GET_SREGS");
  return s;
}

void Vcpu::set_sregs(const kvm_sregs& s) {
  if (::ioctl(fd_.get(), KVM_SET_SREGS, &s) != 0) throw_errno("KVM_SET_SREGS");
}

kvm_regs Vcpu::regs() const {
  kvm_regs r{};
  if (::ioctl(fd_.get(), KVM_GET_REGS, &r) != 0) throw_errno("KVM_GET_REGS");
  return r;
}

void Vcpu::set_regs(const kvm_regs& r) {
  if (::ioctl(fd_.get(), KVM_SET_REGS, &r) != 0) throw_errno("KVM_SET_REGS");
}

bool Vcpu::try_set_msrs(const std::vector<MsrValue>& msrs) {
  FlexArgument<KvmMsrsHeader, kvm_msr_entry> list(msrs.size());
  list.set_header({static_cast<uint32_t>(msrs.size()), 0});
  for (size_t i = 0; i < msrs.size(); ++i) {
    kvm_msr_entry entry{};
    entry.index = msrs[i].index;
    entry.data = msrs[i].value;
    list.set_entry(i, entry);
  }
  const int written = ::ioctl(fd_.get(), kKvmSetMsrs, list.data());
  return written >= 0 && static_cast<size_t>(written) == msrs.size();
}

bool Vcpu::try_set_xcr0(uint64_t xcr0) {
  kvm_xcrs xcrs{};
  xcrs.nr_xcrs = 1;
  xcrs.xcrs[0].xcr = 0;
  xcrs.xcrs[0].value = xcr0;
  return ::ioctl(fd_.get(), KVM_SET_XCRS, &xcrs) == 0;
}

void Vcpu::enable_lapic() {
  kvm_lapic_state lapic{};
  if (::ioctl(fd_.get(), KVM_GET_LAPIC, &lapic) != 0) throw_errno("KVM_GET_LAPIC");
  auto set = [&](uint32_t offset, uint32_t value) { std::memcpy(lapic.regs + offset, &value, 4); };
  constexpr uint32_t kMasked = 1u << 16;
  set(0x80, 0);  // TPR: accept every priority
  set(0xF0, 0x100 | 0xFF);  // SVR: APIC software-enabled, spurious vector 0xff
  set(0x320, kMasked);  // LVT timer: armed only for real deadlines (tickless)
  set(0x330, kMasked);  // LVT thermal
  set(0x340, kMasked);  // LVT perf counters
  set(0x350, kMasked);  // LINT0
  set(0x360, 0x400);  // LINT1: NMI
  set(0x370, kMasked);  // LVT error
  if (::ioctl(fd_.get(), KVM_SET_LAPIC, &lapic) != 0) throw_errno("KVM_SET_LAPIC");
}

int Vcpu::run() {
  if (::ioctl(fd_.get(), KVM_RUN, 0) == 0) return 0;
  return errno;
}

void Vcpu::bind_to_current_thread() {
  thread_ = ::pthread_self();
  bound_.store(true, std::memory_order_release);
}

void Vcpu::kick() {
  __atomic_store_n(&run_->immediate_exit, 1, __ATOMIC_SEQ_CST);
  if (bound_.load(std::memory_order_acquire)) ::pthread_kill(thread_, vcpu_kick_signal());
}

void Vcpu::clear_kick() { __atomic_store_n(&run_->immediate_exit, 0, __ATOMIC_SEQ_CST); }

}  // namespace monocell::kvm
