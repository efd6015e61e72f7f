// A whole user-mode register context, and the return to the app that loads all of it
// (arch/x86_64/user_return.S): how the libOS enters a signal handler and how rt_sigreturn
// resumes what the handler interrupted.
#pragma once

#include <stdint.h>

namespace monocell::libos {

// Field order is user_return.S's (offsets there).
struct UserRegs {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t rip, rflags, rsp;
};
static_assert(sizeof(UserRegs) == 18 * 8);
static_assert(__builtin_offsetof(UserRegs, rdi) == 72, "user_return.S REGS_RDI");
static_assert(__builtin_offsetof(UserRegs, rip) == 120, "user_return.S REGS_RIP");
static_assert(__builtin_offsetof(UserRegs, rflags) == 128, "user_return.S REGS_RFLAGS");
static_assert(__builtin_offsetof(UserRegs, rsp) == 136, "user_return.S REGS_RSP");

// RFLAGS bits the app may set for itself (Linux's FIX_EFLAGS); IF and bit 1 are always set.
inline constexpr uint64_t kUserChangeableFlags = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;
inline constexpr uint64_t kFlagsAlwaysSet = 0x202;

}  // namespace monocell::libos

// Leaves the libOS for the app with exactly `regs` (RIP, RSP and RFLAGS included).
extern "C" [[noreturn]] void monocell_resume_user(const monocell::libos::UserRegs* regs);
