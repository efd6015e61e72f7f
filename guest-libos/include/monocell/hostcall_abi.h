// The host-call channel: how the guest (libOS in ring 3, or the ring-0 supervisor) asks the VMM
// for the debug console, sleeping, exiting with a code, and reporting a fault.
//
// One call = one 8-byte MMIO write of a HostCallRequest's address to the host-call page, so one
// write()/writev() costs one exit whatever its length. Dual-use and freestanding (<stdint.h>
// only); any change to these structures or constants must bump kHostCallAbiVersion. The VMM
// treats every field and every guest address in a request as hostile and checks it.
#pragma once

#include <stdint.h>

namespace monocell::hostcall {

inline constexpr uint32_t kHostCallAbiVersion = 1;

// Above RAM (boot_abi.h: kMaxRamSize), below the LAPIC/IOAPIC. Mapped user-writable, uncached.
inline constexpr uint64_t kHostCallGpa = 0xFE000000;

enum class Op : uint32_t {
  // arg[0] = fd (1 or 2), arg[1] = address of `count` IoVec, result = bytes written or -errno.
  kConsoleWrite = 1,
  // arg[0] = exit status (low 8 bits kept), arg[1] = unknown-syscall count, arg[2] = the last
  // unknown syscall number. Does not return.
  kExit = 2,
  // arg[0] = deadline on the kvmclock timeline (ns), arg[1] = the guest's kvmclock reading
  // when it called. The VMM waits arg[0] - arg[1] on its own clock (the host's view of kvmclock
  // can be offset from the vCPU's by seconds where the TSC is unstable), so the guest checks its
  // clock again on return. result = 0.
  kSleep = 3,
  // arg[0] = address of a FaultFrame. Sent by the supervisor's vector stubs. Does not return.
  kFault = 4,
  // arg[0] = deadline on the kvmclock timeline (ns; ~0: none), arg[1] as for kSleep. Returns when the host raises its
  // interrupt (notify_abi.h), result = 1, or when the deadline passes, result = 0.
  kWaitForHost = 5,
};

inline constexpr uint32_t kMaxIoVecs = 64;
inline constexpr uint64_t kMaxConsoleWrite = 1u << 20;  // bytes per call; longer writes are short

struct IoVec {
  uint64_t base;
  uint64_t len;
};
static_assert(sizeof(IoVec) == 16);

struct Request {
  uint32_t op;  // Op
  uint32_t count;  // kConsoleWrite: number of IoVec
  uint64_t arg[4];
  int64_t result;  // written by the VMM
};
static_assert(sizeof(Request) == 48);

// What the supervisor's vector stub leaves on its stack, lowest address first: cr2, the
// general registers it pushed, then the vector and error code, then the CPU's interrupt frame.
struct FaultFrame {
  uint64_t cr2;
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector;
  uint64_t error_code;  // 0 for vectors without one
  uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(FaultFrame) == 23 * 8);

}  // namespace monocell::hostcall
