/* The supervisor's #UD vector: on a CPU without FSGSBASE (CR4.FSGSBASE clear), it emulates
 * rdfsbase/rdgsbase/wrfsbase/wrgsbase through the FS/GS base MSRs (src/fsgsbase_emulation.cc)
 * and returns past the instruction; any other #UD goes on to the fault report. */

  .section .text.monocell_supervisor, "ax", @progbits
  .globl monocell_invalid_opcode
monocell_invalid_opcode:
  /* The general registers in x86 register-number order, rax lowest: rax rcx rdx rbx rsp rbp
   * rsi rdi r8..r15; rsp is the interrupted RSP from the iretq frame. */
  pushq %r15
  pushq %r14
  pushq %r13
  pushq %r12
  pushq %r11
  pushq %r10
  pushq %r9
  pushq %r8
  pushq %rdi
  pushq %rsi
  pushq %rbp
  pushq 112(%rsp)               /* the frame's RSP: 11 words pushed + RIP, CS, RFLAGS */
  pushq %rbx
  pushq %rdx
  pushq %rcx
  pushq %rax
  movq %rsp, %rdi               /* uint64_t regs[16] */
  leaq 128(%rsp), %rsi          /* the iretq frame: RIP, CS, RFLAGS, RSP, SS */
  subq $8, %rsp                 /* the CPU left RSP 8 below a 16-byte boundary */
  cld
  call monocell_emulate_fsgsbase
  addq $8, %rsp
  testb %al, %al
  jz 1f
  movq 32(%rsp), %rax           /* an emulated rd*base may have targeted RSP */
  movq %rax, 152(%rsp)
1:
  popq %rax
  popq %rcx
  popq %rdx
  popq %rbx
  leaq 8(%rsp), %rsp            /* the RSP slot (lea keeps the flags) */
  popq %rbp
  popq %rsi
  popq %rdi
  popq %r8
  popq %r9
  popq %r10
  popq %r11
  popq %r12
  popq %r13
  popq %r14
  popq %r15
  jz 2f
  iretq
2:
  pushq $0                      /* not ours: report it as any other #UD */
  pushq $6
  jmp monocell_vector_common

  .section .note.GNU-stack, "", @progbits
