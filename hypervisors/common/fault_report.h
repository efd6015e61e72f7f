// How a guest's CPU fault reads to a human, the same on every hypervisor: the exception line
// and the register dump. KVM learns the fault through a host call, Xen through xenstore; both
// hold a hostcall::FaultFrame from the guest's supervisor.
#pragma once

#include <cstdint>
#include <string>

#include <monocell/fault_signal.h>
#include <monocell/hostcall_abi.h>

namespace monocell::fault {

struct Registers {
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rip, rflags;
  uint64_t cs, ss;
  uint64_t cr0, cr2, cr3, cr4, efer;
  uint64_t fs_base, gs_base;
};

// The registers a supervisor's fault frame holds; cr0, cr3, cr4, efer and the FS/GS bases are
// not in it and stay 0.
Registers from_frame(const hostcall::FaultFrame& frame);

// "#PF page fault", "reserved exception", "interrupt".
const char* vector_name(uint64_t vector);

// The signal Linux sends a process for CPU exception `vector` (SIGFPE for #DE, SIGILL for
// #UD, SIGBUS for #NP, #SS and #AC, SIGTRAP for #DB and #BP, SIGSEGV otherwise): a guest that
// faults ends with 128 + that signal, as the same program would on Linux.
int signal_for_vector(uint64_t vector);

// Where the fault happened, in words: the ring of `cs`, or the libOS's syscall entry.
const char* where(uint64_t cs, bool in_syscall_entry);

// "  vector 14 (#PF page fault), error code 0x6, rip 0x..., cr2 (fault address) 0x..., in ring 3\n"
std::string exception_line(uint64_t vector, uint64_t error_code, const Registers& r, bool in_syscall_entry);

// The register dump, lines indented by two spaces. `with_control_registers` adds the line of
// cr0/cr2/cr3/cr4/efer and the FS/GS bases (when the hypervisor could read them).
std::string register_lines(const Registers& r, bool with_control_registers);

}  // namespace monocell::fault
