/* The libOS's syscall entry at LSTAR: runs at either privilege (ring 3 on kvm_pvm, where
 * `syscall` does not leave ring 3; ring 0 on hardware KVM and Xen), so it never uses swapgs and
 * picks its return path from the CPL in %cs. GS base is the libOS's per-vCPU area (percpu.h). */

#define PERCPU_USER_RSP 0
#define PERCPU_SYSCALL_RSP 8

  .section .text.monocell_entry, "ax", @progbits
  .globl monocell_syscall_entry
  .globl monocell_syscall_entry_end
  .type monocell_syscall_entry, @function
monocell_syscall_entry:
  /* RCX = user RIP, R11 = user RFLAGS; the user's red zone below RSP must stay untouched. */
  movq %rsp, %gs:PERCPU_USER_RSP
  movq %gs:PERCPU_SYSCALL_RSP, %rsp
  pushq %r11
  pushq %rcx
  pushq %r9
  pushq %r8
  pushq %r10
  pushq %rdx
  pushq %rsi
  pushq %rdi
  pushq %rax
  subq $8, %rsp                 /* 16-byte alignment for the call */
  movq %rsp, %rdi
  addq $8, %rdi                 /* SyscallFrame* (nr, args, rip, rflags) */
  cld
  call monocell_syscall_dispatch
  addq $16, %rsp                /* alignment pad and the saved nr; RAX holds the result */
  movl %cs, %ecx
  andl $3, %ecx                 /* ZF set: ring 0. pops and movs below keep the flags */
  popq %rdi
  popq %rsi
  popq %rdx
  popq %r10
  popq %r8
  popq %r9
  popq %rcx
  popq %r11
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
