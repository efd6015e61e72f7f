/* Returning to the app with every register chosen by the libOS (user_regs.h): into a signal
 * handler, or back to the context rt_sigreturn restores. Unlike the syscall return, RCX and R11
 * come back too. Plus the trampoline by which an app's fault, taken in ring 0, reaches the
 * signal delivery in ring 3 (vectors.S sends it there). */

#define PERCPU_SYSCALL_RSP 8
#define PERCPU_IN_LIBOS 64
#define USER_CS 0x33                /* boot_abi.h kUserCodeSelector */
#define USER_SS 0x2b                /* boot_abi.h kUserDataSelector */
#define REGS_RDI 72
#define REGS_RIP 120
#define REGS_RFLAGS 128
#define REGS_RSP 136
#define RED_ZONE 128

  .section .text.monocell_entry, "ax", @progbits

/* Loads every general register from the UserRegs at %rdi, %rdi last. */
.macro load_user_registers
  movq 0(%rdi), %r15
  movq 8(%rdi), %r14
  movq 16(%rdi), %r13
  movq 24(%rdi), %r12
  movq 32(%rdi), %r11
  movq 40(%rdi), %r10
  movq 48(%rdi), %r9
  movq 56(%rdi), %r8
  movq 64(%rdi), %rbp
  movq 80(%rdi), %rsi
  movq 88(%rdi), %rdx
  movq 96(%rdi), %rcx
  movq 104(%rdi), %rbx
  movq 112(%rdi), %rax
  movq REGS_RDI(%rdi), %rdi
.endm

/* void monocell_resume_user(const UserRegs* regs): does not return. */
  .globl monocell_resume_user
  .type monocell_resume_user, @function
monocell_resume_user:
  movq $0, monocell_percpu+PERCPU_IN_LIBOS(%rip)
  movl %cs, %eax
  testl $3, %eax
  jnz 3f
  /* Ring 0 (hardware KVM, Xen): an iretq frame on this stack. */
  pushq $USER_SS
  pushq REGS_RSP(%rdi)
  pushq REGS_RFLAGS(%rdi)
  pushq $USER_CS
  pushq REGS_RIP(%rdi)
  load_user_registers
  iretq
3:
  /* Ring 3 (kvm_pvm, and the fault trampoline everywhere): RFLAGS and RIP go just below the
   * target's red zone, which stays untouched; `ret $RED_ZONE` then lands RSP on the target. */
  movq REGS_RSP(%rdi), %rax
  movq REGS_RIP(%rdi), %rcx
  movq %rcx, -(RED_ZONE + 8)(%rax)
  movq REGS_RFLAGS(%rdi), %rcx
  movq %rcx, -(RED_ZONE + 16)(%rax)
  leaq -(RED_ZONE + 16)(%rax), %rsp
  load_user_registers
  popfq
  retq $RED_ZONE
  .size monocell_resume_user, . - monocell_resume_user

/* Entered by iretq from vectors.S, in ring 3, on this vCPU's syscall stack with RSP 8 below its
 * top (as after a call); the fault is in PerCpu::user_fault. */
  .globl monocell_user_fault_trampoline
  .type monocell_user_fault_trampoline, @function
monocell_user_fault_trampoline:
  movq $1, monocell_percpu+PERCPU_IN_LIBOS(%rip)  /* not %gs: the app may have moved GS base */
  cld
  jmp monocell_deliver_user_fault  /* signal_delivery.cc; does not return */
  .size monocell_user_fault_trampoline, . - monocell_user_fault_trampoline

  .section .note.GNU-stack, "", @progbits
