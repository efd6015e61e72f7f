// Process-level syscalls of the one process: exit, TLS (arch_prctl), limits, randomness,
// futexes with a single thread, identity.
#include <asm/prctl.h>
#include <linux/errno.h>
#include <linux/futex.h>
#include <linux/resource.h>
#include <linux/utsname.h>

#include "boot_info.h"
#include "freestanding.h"
#include "hostcall.h"
#include "syscalls.h"
#include "x86_instructions.h"

namespace monocell::libos {
namespace {

using namespace monocell::libos::x86_instructions;

constexpr uint64_t kInfinity = ~0ull;
constexpr uint32_t kMsrFsBase = 0xC0000100;

struct Rlimit64 {
  uint64_t cur;
  uint64_t max;
};

Rlimit64 limit_of(uint64_t resource) {
  switch (resource) {
    case RLIMIT_STACK: return {boot_info().stack_size, boot_info().stack_size};
    case RLIMIT_NOFILE: return {1024, 1024};
    case RLIMIT_NPROC: return {1, 1};
    default: return {kInfinity, kInfinity};
  }
}

}  // namespace

void sys_exit_group(uint64_t status) { host_exit(static_cast<int>(status & 0xff)); }

// FS base: where `syscall` enters ring 0 (hardware KVM, Xen) through the MSR, which needs no
// CPU feature; where it stays in ring 3 (kvm_pvm) with wrfsbase, which runs natively there on the
// host CPU (which has FSGSBASE) whatever the guest's CR4 says.
SysResult sys_arch_prctl(uint64_t code, uint64_t address) {
  switch (code) {
    case ARCH_SET_FS:
      if (running_in_ring0()) {
        if (!is_canonical(address)) return -EPERM;
        write_msr(kMsrFsBase, address);
      } else {
        asm volatile("wrfsbase %0" ::"r"(address) : "memory");
      }
      return 0;
    case ARCH_GET_FS: {
      auto* out = reinterpret_cast<uint64_t*>(address);
      if (!user_object_ok(out)) return -EFAULT;
      uint64_t base;
      if (running_in_ring0()) {
        base = read_msr(kMsrFsBase);
      } else {
        asm volatile("rdfsbase %0" : "=r"(base));
      }
      *out = base;
      return 0;
    }
    case ARCH_SET_GS:
    case ARCH_GET_GS:
      return -EPERM;  // GS base is the libOS's per-vCPU area
    default:
      return -EINVAL;
  }
}

SysResult sys_set_tid_address(uint64_t tidptr) {
  (void)tidptr;  // the one thread never exits on its own
  return 1;
}

SysResult sys_prlimit64(uint64_t pid, uint64_t resource, uint64_t new_limit, uint64_t old_limit) {
  if (pid != 0 && pid != 1) return -ESRCH;
  if (resource >= RLIM_NLIMITS) return -EINVAL;
  if (old_limit != 0) {
    auto* out = reinterpret_cast<Rlimit64*>(old_limit);
    if (!user_object_ok(out)) return -EFAULT;
    const Rlimit64 limit = limit_of(resource);
    out->cur = limit.cur;
    out->max = limit.max;
  }
  if (new_limit != 0) return -EPERM;  // limits are the VM's size, not settable from inside
  return 0;
}

SysResult sys_getrlimit(uint64_t resource, uint64_t limit) {
  return sys_prlimit64(0, resource, 0, limit);
}

SysResult sys_futex(uint64_t uaddr, uint64_t op, uint64_t value, uint64_t timeout) {
  (void)timeout;
  const uint64_t cmd = op & FUTEX_CMD_MASK;
  if (!user_range_ok(uaddr, 4)) return -EFAULT;
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
      // One thread: nobody could ever wake a real wait, so report the value changed or, if
      // it did not, that waiting would deadlock.
      if (*reinterpret_cast<volatile uint32_t*>(uaddr) != static_cast<uint32_t>(value)) return -EAGAIN;
      return -EDEADLK;
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
      return 0;  // no waiters
    default:
      return -ENOSYS;
  }
}

SysResult sys_uname(uint64_t buffer) {
  auto* u = reinterpret_cast<new_utsname*>(buffer);
  if (!user_object_ok(u)) return -EFAULT;
  zero_bytes(u, sizeof *u);
  copy_bytes(u->sysname, "Linux", 6);  // the ABI the libOS speaks
  copy_bytes(u->nodename, "monocell", 9);
  copy_bytes(u->release, "6.1.0-monocell", 15);
  copy_bytes(u->version, "#1 monocell libOS", 18);
  copy_bytes(u->machine, "x86_64", 7);
  return 0;
}

SysResult sys_sched_getaffinity(uint64_t pid, uint64_t size, uint64_t mask) {
  if (pid != 0 && pid != 1) return -ESRCH;
  if (size < 8 || (size % 8) != 0) return -EINVAL;
  if (!user_range_ok(mask, 8)) return -EFAULT;
  *reinterpret_cast<uint64_t*>(mask) = 1;  // one vCPU
  return 8;
}

}  // namespace monocell::libos
