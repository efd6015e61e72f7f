// Signal frames, handler entry and rt_sigreturn, after arch/x86/kernel/signal.c.
#include "signal_delivery.h"

#include <asm/sigcontext.h>
#include <asm/siginfo.h>
#include <asm/signal.h>
#include <asm/ucontext.h>
#include <linux/errno.h>
#include <linux/signal.h>
#include <monocell/boot_abi.h>
#include <monocell/fault_signal.h>
#include <monocell/hostcall_abi.h>

#include "boot_info.h"
#include "fp_state.h"
#include "freestanding.h"
#include "hostcall.h"
#include "percpu.h"
#include "signal_state.h"
#include "text_buffer.h"
#include "user_regs.h"
#include "x86_instructions.h"

namespace monocell::libos::signals {
namespace {

// What the handler finds at its stack pointer: the return address (sa_restorer, which calls
// rt_sigreturn), the context it interrupted, the siginfo; the FPU state lies above.
struct RtSigframe {
  uint64_t pretcode;
  struct ucontext uc;
  siginfo_t info;
};
static_assert(sizeof(RtSigframe) == 8 + 304 + 128);

constexpr uint64_t kRedZone = 128;
constexpr uint64_t kFlagsClearedForHandler = 0x400 | 0x100 | 0x10000;  // DF TF RF
constexpr uint64_t kSelf = 1;  // the pid of the one process (syscall_dispatch.cc's getpid)

const char* signal_name(uint64_t signal) {
  switch (signal) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGSYS: return "SIGSYS";
    default: return nullptr;
  }
}

UserRegs regs_after_syscall(const SyscallFrame& f, int64_t result) {
  UserRegs r{};
  r.rdi = f.arg[0];
  r.rsi = f.arg[1];
  r.rdx = f.arg[2];
  r.r10 = f.arg[3];
  r.r8 = f.arg[4];
  r.r9 = f.arg[5];
  r.rcx = f.rip;  // what `syscall` itself left in RCX and R11
  r.r11 = f.rflags;
  r.rbx = f.rbx;
  r.rbp = f.rbp;
  r.r12 = f.r12;
  r.r13 = f.r13;
  r.r14 = f.r14;
  r.r15 = f.r15;
  r.rax = static_cast<uint64_t>(result);
  r.rip = f.rip;
  r.rflags = f.rflags;
  r.rsp = f.rsp;
  return r;
}

UserRegs regs_of_fault(const hostcall::FaultFrame& f) {
  return UserRegs{f.r15, f.r14, f.r13, f.r12, f.r11, f.r10, f.r9, f.r8, f.rbp, f.rdi,
                  f.rsi, f.rdx, f.rcx, f.rbx, f.rax, f.rip, f.rflags, f.rsp};
}

bool on_alt_stack(uint64_t sp) {
  const AltStack& alt = alt_stack();
  return alt.enabled && sp > alt.base && sp - alt.base <= alt.size;
}

struct FaultInfo {
  uint64_t trapno = 0, error_code = 0, cr2 = 0;
};

[[noreturn]] void enter_handler(uint64_t signal, const siginfo_t& info, const UserRegs& interrupted,
                                const FaultInfo& fault) {
  const Action act = action(signal);
  // x86-64 has no default restorer: without one the handler could not return.
  if ((act.flags & SA_RESTORER) == 0 || act.restorer == 0) end_by_signal(signal, "its handler has no sa_restorer");
  const AltStack& alt = alt_stack();
  const bool was_on_alt_stack = on_alt_stack(interrupted.rsp);
  const uint64_t top = (act.flags & SA_ONSTACK) != 0 && alt.enabled && !was_on_alt_stack ? alt.base + alt.size
                                                                                          : interrupted.rsp - kRedZone;
  const uint64_t fp_size = fp_state::frame_size();
  const uint64_t needed = fp_size + fp_state::kAlignment + sizeof(RtSigframe) + 16;
  if (top < needed) end_by_signal(SIGSEGV, "the stack has no room for its signal frame");
  const uint64_t fp = (top - fp_size) & ~(fp_state::kAlignment - 1);
  const uint64_t frame = ((fp - sizeof(RtSigframe)) & ~uint64_t{15}) - 8;  // RSP as after a call
  if (!user_range_ok(frame, top - frame)) end_by_signal(SIGSEGV, "its signal frame would lie outside guest memory");

  auto* f = reinterpret_cast<RtSigframe*>(frame);
  zero_bytes(f, sizeof *f);
  const bool xstate = fp_state::save(reinterpret_cast<void*>(fp));
  f->pretcode = act.restorer;
  f->uc.uc_flags = (xstate ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
  f->uc.uc_stack.ss_sp = reinterpret_cast<void*>(alt.base);
  f->uc.uc_stack.ss_size = alt.size;
  f->uc.uc_stack.ss_flags = !alt.enabled ? SS_DISABLE : was_on_alt_stack ? SS_ONSTACK : 0;
  sigcontext& sc = f->uc.uc_mcontext;
  sc.r8 = interrupted.r8;
  sc.r9 = interrupted.r9;
  sc.r10 = interrupted.r10;
  sc.r11 = interrupted.r11;
  sc.r12 = interrupted.r12;
  sc.r13 = interrupted.r13;
  sc.r14 = interrupted.r14;
  sc.r15 = interrupted.r15;
  sc.rdi = interrupted.rdi;
  sc.rsi = interrupted.rsi;
  sc.rbp = interrupted.rbp;
  sc.rbx = interrupted.rbx;
  sc.rdx = interrupted.rdx;
  sc.rax = interrupted.rax;
  sc.rcx = interrupted.rcx;
  sc.rsp = interrupted.rsp;
  sc.rip = interrupted.rip;
  sc.eflags = interrupted.rflags;
  sc.cs = boot::kUserCodeSelector;
  sc.ss = boot::kUserDataSelector;
  sc.err = fault.error_code;
  sc.trapno = fault.trapno;
  sc.cr2 = fault.cr2;
  sc.oldmask = blocked();
  sc.fpstate = reinterpret_cast<_fpstate*>(fp);
  f->uc.uc_sigmask = blocked();
  f->info = info;

  uint64_t mask = blocked() | act.mask;
  if ((act.flags & SA_NODEFER) == 0) mask |= bit(signal);
  if ((act.flags & SA_RESETHAND) != 0) {
    action(signal).handler = reinterpret_cast<uint64_t>(SIG_DFL);
    action(signal).flags &= ~uint64_t{SA_SIGINFO};
  }
  set_blocked(mask);
  fp_state::reset();

  UserRegs h = interrupted;
  h.rip = act.handler;
  h.rsp = frame;
  h.rdi = signal;
  h.rsi = reinterpret_cast<uint64_t>(&f->info);
  h.rdx = reinterpret_cast<uint64_t>(&f->uc);
  h.rax = 0;
  h.rflags = (interrupted.rflags & kUserChangeableFlags & ~kFlagsClearedForHandler) | kFlagsAlwaysSet;
  monocell_resume_user(&h);
}

siginfo_t sent_info(uint64_t signal, int code) {
  siginfo_t info;
  zero_bytes(&info, sizeof info);
  info.si_signo = static_cast<int>(signal);
  info.si_code = code;
  info.si_pid = static_cast<int>(kSelf);
  info.si_uid = 0;
  return info;
}

// Enters the handler of the first pending signal that is not blocked, as if it interrupted
// `interrupted`; discards ignored ones and ends the guest for a fatal default. Returns when
// nothing is left to deliver.
void deliver_next(const UserRegs& interrupted) {
  for (uint64_t signal = next_deliverable(); signal != 0; signal = next_deliverable()) {
    const int code = pending_code(signal);
    clear_pending(signal);
    if (action(signal).handler == reinterpret_cast<uint64_t>(SIG_IGN)) continue;
    if (!has_handler(signal)) {
      if (ignored_by_default(signal)) continue;
      end_by_signal(signal, nullptr);
    }
    enter_handler(signal, sent_info(signal, code), interrupted, FaultInfo{});
  }
}

}  // namespace

void deliver_pending(const SyscallFrame& frame, int64_t result) {
  deliver_next(regs_after_syscall(frame, result));
}

void sigreturn(uint64_t user_rsp) {
  // The handler's `ret` popped pretcode: the frame starts one word below the stack pointer.
  const uint64_t frame = user_rsp - 8;
  if (!user_range_ok(frame, sizeof(RtSigframe))) end_by_signal(SIGSEGV, "rt_sigreturn found no signal frame");
  const auto* f = reinterpret_cast<const RtSigframe*>(frame);
  const sigcontext sc = f->uc.uc_mcontext;
  const uint64_t mask = f->uc.uc_sigmask;
  const stack_t stack = f->uc.uc_stack;
  UserRegs r{sc.r15, sc.r14, sc.r13, sc.r12, sc.r11, sc.r10, sc.r9, sc.r8, sc.rbp, sc.rdi,
             sc.rsi, sc.rdx, sc.rcx, sc.rbx, sc.rax, sc.rip, sc.eflags, sc.rsp};
  r.rflags = (sc.eflags & kUserChangeableFlags) | kFlagsAlwaysSet;
  if (!x86_instructions::is_canonical(r.rip) || !x86_instructions::is_canonical(r.rsp)) {
    end_by_signal(SIGSEGV, "rt_sigreturn found a non-canonical RIP or RSP in the signal frame");
  }
  const auto fp = reinterpret_cast<uint64_t>(sc.fpstate);
  if (fp == 0) {
    fp_state::reset();
  } else if (!user_range_ok(fp, fp_state::frame_size()) || !fp_state::restore(reinterpret_cast<void*>(fp))) {
    end_by_signal(SIGSEGV, "rt_sigreturn found an unusable FPU state in the signal frame");
  }
  // The alternate stack as it was when the signal came (Linux's restore_altstack).
  AltStack& alt = alt_stack();
  if ((stack.ss_flags & SS_DISABLE) != 0) {
    alt = AltStack{};
  } else if (stack.ss_size >= MINSIGSTKSZ && user_range_ok(reinterpret_cast<uint64_t>(stack.ss_sp), stack.ss_size)) {
    alt = AltStack{reinterpret_cast<uint64_t>(stack.ss_sp), stack.ss_size, true};
  }
  set_blocked(mask);
  deliver_next(r);  // what the restored mask lets through runs before the interrupted code
  monocell_resume_user(&r);
}

void deliver_fault(const hostcall::FaultFrame& fault_frame) {
  const hostcall::FaultFrame f = fault_frame;  // the next fault may overwrite PerCpu's copy
  const fault::SignalForVector s = fault::signal_for(f.vector, f.error_code);
  const auto signal = static_cast<uint64_t>(s.signal);
  // The supervisor only sends what a handler waits for; otherwise the fault is reported.
  if (!has_handler(signal) || (blocked() & bit(signal)) != 0) host_report_fault(f);
  siginfo_t info;
  zero_bytes(&info, sizeof info);
  info.si_signo = s.signal;
  info.si_code = s.code;
  // Linux's si_addr: the faulting address for #PF, none for #GP, else the instruction.
  const uint64_t address = f.vector == 14 ? f.cr2 : s.code == fault::kSiKernel ? 0 : f.rip;
  info.si_addr = reinterpret_cast<void*>(address);
  enter_handler(signal, info, regs_of_fault(f), FaultInfo{f.vector, f.error_code, f.cr2});
}

void end_by_signal(uint64_t signal, const char* why) {
  TextBuffer<240> line;
  const char* name = signal_name(signal);
  line.text("libOS: ");
  if (why != nullptr) {
    line.text("cannot run the handler of ").text(name != nullptr ? name : "signal ");
    if (name == nullptr) line.decimal(signal);
    line.text(": ").text(why).text("; the guest ends\n");
  } else {
    line.text("the app got ").text(name != nullptr ? name : "signal ");
    if (name != nullptr) line.text(" (signal ");
    line.decimal(signal);
    if (name != nullptr) line.text(signal == SIGABRT ? ", abort())" : ")");
    line.text(" and has no handler for it: the guest ends\n");
  }
  sys_write(2, reinterpret_cast<uint64_t>(line.data()), line.size());
  host_exit(static_cast<int>(128 + signal));
}

}  // namespace monocell::libos::signals

extern "C" void monocell_deliver_user_fault() {
  monocell::libos::signals::deliver_fault(monocell::libos::percpu().user_fault);
}
