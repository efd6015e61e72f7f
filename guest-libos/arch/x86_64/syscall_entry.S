/* The libOS's syscall entry at LSTAR: runs at either privilege (ring 3 on kvm_pvm, where
 * `syscall` does not leave ring 3; ring 0 on hardware KVM and Xen), so it never uses swapgs and
 * picks its return path from the CPL in %cs. GS base is the libOS's per-vCPU area (percpu.h).
 * It saves every general register the app's code may hold (SyscallFrame, syscalls.h): a signal
 * delivered on the way out, or rt_sigreturn, needs the whole context. */

#define PERCPU_USER_RSP 0
#define PERCPU_SYSCALL_RSP 8
#define PERCPU_IN_LIBOS 64

  .section .text.monocell_entry, "ax", @progbits
  .globl monocell_syscall_entry
  .globl monocell_syscall_entry_end
  .type monocell_syscall_entry, @function
monocell_syscall_entry:
  /* RCX = user RIP, R11 = user RFLAGS; the user's red zone below RSP must stay untouched. */
  movq %rsp, %gs:PERCPU_USER_RSP
  movq %gs:PERCPU_SYSCALL_RSP, %rsp
  incq %gs:PERCPU_IN_LIBOS      /* counted: Xen's ring-0 gate is a syscall from libOS code */
  pushq %gs:PERCPU_USER_RSP
  pushq %r15
  pushq %r14
  pushq %r13
  pushq %r12
  pushq %rbp
  pushq %rbx
  pushq %r11
  pushq %rcx
  pushq %r9
  pushq %r8
  pushq %r10
  pushq %rdx
  pushq %rsi
  pushq %rdi
  pushq %rax                    /* 16 words: RSP stays 16-byte aligned for the call */
  movq %rsp, %rdi               /* SyscallFrame* */
  cld
  call monocell_syscall_dispatch
  addq $8, %rsp                 /* the saved nr; RAX holds the result */
  decq %gs:PERCPU_IN_LIBOS
  movl %cs, %ecx
  andl $3, %ecx                 /* ZF set: ring 0. pops, movs and lea below keep the flags */
  popq %rdi
  popq %rsi
  popq %rdx
  popq %r10
  popq %r8
  popq %r9
  popq %rcx
  popq %r11
  leaq 56(%rsp), %rsp           /* RBX..R15 and RSP: the C code preserved them */
  jz 1f
  /* Ring 3: restore the user's flags while still on our stack, then return like sysret. */
  pushq %r11
  popfq
  movq %gs:PERCPU_USER_RSP, %rsp
  jmp *%rcx
1:
  /* Ring 0 (hardware KVM, Xen): sysretq restores RIP from RCX and RFLAGS from R11. */
  movq %gs:PERCPU_USER_RSP, %rsp
  sysretq
monocell_syscall_entry_end:
  .size monocell_syscall_entry, . - monocell_syscall_entry

  .section .note.GNU-stack, "", @progbits
