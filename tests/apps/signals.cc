// signals: signal handlers as a Linux program uses them, checked from inside the guest. With no
// argument it runs every check and prints "signals: <check> ok" for each (or what went wrong),
// then "signals: all ok". With an argument it ends the way that case must end on Linux:
//   fatal-after-unblock   a blocked SIGTERM stays pending until unblocked, then ends it (143)
//   fault-in-handler      a SIGSEGV handler that faults itself ends it (139)
//   host-sigterm          serves the host; its own SIGTERM handler, run by the host's SIGTERM,
//                         says so and stops with 42
// (exit code 3: the signal was not kept pending; 4: the program survived what must end it).
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "guest-libos/runtime/app.h"

namespace {

int g_failures = 0;

void check(bool ok, const char* name, const std::string& detail = "") {
  if (ok) {
    std::printf("signals: %s ok\n", name);
  } else {
    std::printf("signals: %s FAILED %s\n", name, detail.c_str());
    ++g_failures;
  }
}

void install(int signal, void (*handler)(int, siginfo_t*, void*), int flags = 0) {
  struct sigaction sa {};
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  sigaction(signal, &sa, nullptr);
}

sigset_t only(int signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal);
  return set;
}

bool is_blocked(int signal) {
  sigset_t current;
  sigprocmask(SIG_BLOCK, nullptr, &current);
  return sigismember(&current, signal) == 1;
}

// --- a handler runs, with its siginfo and its own signal blocked -------------------------------
volatile sig_atomic_t g_runs = 0;
volatile int g_signo = 0, g_code = 0, g_pid = 0;
volatile bool g_blocked_inside = false;

void record(int signal, siginfo_t* info, void*) {
  g_runs = g_runs + 1;
  g_signo = signal;
  g_code = info->si_code;
  g_pid = info->si_pid;
  g_blocked_inside = is_blocked(signal);
}

void check_handler_runs() {
  install(SIGUSR1, record);
  g_runs = 0;
  raise(SIGUSR1);
  check(g_runs == 1 && g_signo == SIGUSR1 && g_code == SI_TKILL, "raise runs the handler",
        "runs " + std::to_string(g_runs) + " signo " + std::to_string(g_signo) + " code " + std::to_string(g_code));
  check(g_blocked_inside && !is_blocked(SIGUSR1), "the signal is blocked while its handler runs");
  kill(getpid(), SIGUSR1);
  check(g_runs == 2 && g_code == SI_USER && g_pid == getpid(), "kill to itself runs the handler with SI_USER");
}

// --- a blocked signal waits for its unblocking ----------------------------------------------------
void check_blocked_waits() {
  install(SIGUSR2, record);
  g_runs = 0;
  const sigset_t set = only(SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  raise(SIGUSR2);
  sigset_t pending;
  sigpending(&pending);
  const bool waited = g_runs == 0 && sigismember(&pending, SIGUSR2) == 1;
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  check(waited && g_runs == 1, "a blocked signal stays pending, then runs when unblocked");
}

// --- SIG_IGN and SA_RESETHAND -----------------------------------------------------------------------
void check_ignore_and_resethand() {
  signal(SIGUSR2, SIG_IGN);
  raise(SIGUSR2);
  check(true, "an ignored signal is discarded");
  install(SIGUSR1, record, SA_RESETHAND);
  g_runs = 0;
  raise(SIGUSR1);
  struct sigaction now {};
  sigaction(SIGUSR1, nullptr, &now);
  check(g_runs == 1 && now.sa_handler == SIG_DFL, "SA_RESETHAND runs once and restores SIG_DFL");
}

// --- a handler interrupted by another signal ----------------------------------------------------
std::string g_order;
void inner(int, siginfo_t*, void*) { g_order += "2"; }
void outer(int, siginfo_t*, void*) {
  g_order += "1";
  raise(SIGUSR2);
  g_order += "1";
}

void check_nesting() {
  install(SIGUSR1, outer);
  install(SIGUSR2, inner);
  g_order.clear();
  raise(SIGUSR1);
  check(g_order == "121", "a handler runs inside another", "order " + g_order);
}

// --- the alternate signal stack ----------------------------------------------------------------------
std::vector<char> g_alt(64 * 1024);
volatile uintptr_t g_local_address = 0;
volatile bool g_on_stack_flag = false;

void on_alt(int, siginfo_t*, void*) {
  volatile char local = 0;
  g_local_address = reinterpret_cast<uintptr_t>(&local);
  stack_t now{};
  sigaltstack(nullptr, &now);
  g_on_stack_flag = (now.ss_flags & SS_ONSTACK) != 0;
}

void check_alt_stack() {
  stack_t ss{};
  ss.ss_sp = g_alt.data();
  ss.ss_size = g_alt.size();
  sigaltstack(&ss, nullptr);
  install(SIGUSR1, on_alt, SA_ONSTACK);
  raise(SIGUSR1);
  const auto base = reinterpret_cast<uintptr_t>(g_alt.data());
  check(g_local_address > base && g_local_address < base + g_alt.size() && g_on_stack_flag,
        "SA_ONSTACK runs the handler on the sigaltstack");
  stack_t after{};
  sigaltstack(nullptr, &after);
  check((after.ss_flags & SS_ONSTACK) == 0 && after.ss_sp == g_alt.data(), "sigaltstack is left after the handler");
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
}

// --- CPU faults become signals -------------------------------------------------------------------
sigjmp_buf g_jump;
volatile uintptr_t g_fault_address = 1;
volatile int g_fault_code = 0;

void jump_back(int, siginfo_t* info, void*) {
  g_fault_address = reinterpret_cast<uintptr_t>(info->si_addr);
  g_fault_code = info->si_code;
  siglongjmp(g_jump, 1);
}

// Read from memory, so the compiler cannot see a null store (and drop the path as undefined).
volatile uintptr_t g_null_address = 0;

__attribute__((no_sanitize("undefined"), noinline)) void write_null() {
  *reinterpret_cast<volatile int*>(g_null_address) = 1;
}

__attribute__((noinline)) void divide_by_zero() {
  uint64_t zero = 0;
  asm volatile("xorl %%edx, %%edx\n movl $1, %%eax\n divq %0" : "+r"(zero) : : "rax", "rdx");
}

void check_faults() {
  install(SIGSEGV, jump_back);
  for (int round = 0; round < 2; ++round) {  // twice: siglongjmp restored the mask
    g_fault_address = 1;
    if (sigsetjmp(g_jump, 1) == 0) write_null();
    check(g_fault_address == 0 && g_fault_code == SEGV_MAPERR && !is_blocked(SIGSEGV),
          round == 0 ? "a null write is SIGSEGV at address 0" : "a second SIGSEGV after siglongjmp",
          "address " + std::to_string(g_fault_address) + " code " + std::to_string(g_fault_code) +
              (is_blocked(SIGSEGV) ? " blocked" : ""));
  }
  install(SIGFPE, jump_back);
  if (sigsetjmp(g_jump, 1) == 0) divide_by_zero();
  check(g_fault_code == FPE_INTDIV, "a division by zero is SIGFPE FPE_INTDIV");
}

// --- rt_sigreturn restores every register, and what the handler changed --------------------------
void skip_ud2(int, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  // Vector registers of the interrupted code must survive whatever the handler computes.
  volatile double x = 3.0;
  for (int i = 0; i < 10; ++i) x = x * 1.5 + 0.25;
  g_fault_address = reinterpret_cast<uintptr_t>(info->si_addr);
  g_fault_code = info->si_code;
  uc->uc_mcontext.gregs[REG_RIP] += 2;  // past the ud2
  uc->uc_mcontext.gregs[REG_R12] = 0x7777;
}

void check_sigreturn_context() {
  install(SIGILL, skip_ud2);
  uint64_t out[7] = {};
  asm volatile(
      "movq $0x1111, %%rbx\n"
      "movq $0x2222, %%r12\n"
      "movq $0x3333, %%r13\n"
      "movq $0x4444, %%r14\n"
      "movq $0x5555, %%r15\n"
      "movq $0x6666, %%rax\n"
      "movq %%rax, %%xmm0\n"
      "movq $0x8888, %%rcx\n"
      "ud2\n"
      "movq %%rbx, 0(%0)\n"
      "movq %%r12, 8(%0)\n"
      "movq %%r13, 16(%0)\n"
      "movq %%r14, 24(%0)\n"
      "movq %%r15, 32(%0)\n"
      "movq %%xmm0, 40(%0)\n"
      "movq %%rcx, 48(%0)\n"
      :
      : "D"(out)
      : "rax", "rbx", "rcx", "r12", "r13", "r14", "r15", "xmm0", "memory");
  char detail[200];
  std::snprintf(detail, sizeof detail, "rbx %#lx r12 %#lx r13 %#lx r14 %#lx r15 %#lx xmm0 %#lx rcx %#lx",
                static_cast<unsigned long>(out[0]), static_cast<unsigned long>(out[1]), static_cast<unsigned long>(out[2]),
                static_cast<unsigned long>(out[3]), static_cast<unsigned long>(out[4]), static_cast<unsigned long>(out[5]),
                static_cast<unsigned long>(out[6]));
  check(g_fault_code == ILL_ILLOPN, "ud2 is SIGILL ILL_ILLOPN");
  check(out[0] == 0x1111 && out[1] == 0x7777 && out[2] == 0x3333 && out[3] == 0x4444 && out[4] == 0x5555 &&
            out[5] == 0x6666 && out[6] == 0x8888,
        "rt_sigreturn resumes with every register, as the handler left the context", detail);
}

// --- the ways a signal ends the program --------------------------------------------------------
int fatal_after_unblock() {
  const sigset_t set = only(SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  raise(SIGTERM);
  sigset_t pending;
  sigpending(&pending);
  if (sigismember(&pending, SIGTERM) != 1) return 3;  // the blocked signal was not kept
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  return 4;  // survived the unblocked SIGTERM
}

void fault_again(int, siginfo_t*, void*) { write_null(); }

int fault_in_handler() {
  install(SIGSEGV, fault_again);
  write_null();
  return 4;  // survived a fault in its own handler
}

void stop_on_sigterm(int signal, siginfo_t*, void*) {
  std::printf("signals: my handler got signal %d from the host\n", signal);
  monocell::app::request_stop(42);
}

int host_sigterm() {
  install(SIGTERM, stop_on_sigterm);
  std::printf("signals: serving\n");
  std::fflush(stdout);
  return monocell::app::serve();
}

int signals_main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "fatal-after-unblock") return fatal_after_unblock();
  if (mode == "fault-in-handler") return fault_in_handler();
  if (mode == "host-sigterm") return host_sigterm();
  if (!mode.empty()) {
    std::fprintf(stderr, "signals: unknown mode %s\n", mode.c_str());
    return 2;
  }
  check_handler_runs();
  check_blocked_waits();
  check_ignore_and_resethand();
  check_nesting();
  check_alt_stack();
  check_faults();
  check_sigreturn_context();
  if (g_failures == 0) std::printf("signals: all ok\n");
  return g_failures == 0 ? 0 : 1;
}

const monocell::app::Registration registration{{
    .name = "signals",
    .main = signals_main,
    .calls = {},
    .on_signal = nullptr,
}};

}  // namespace

// Under ASan builds (the process target): the app's own handlers take the faults.
extern "C" const char* __asan_default_options() { return "handle_segv=0:handle_sigfpe=0:handle_sigill=0"; }
