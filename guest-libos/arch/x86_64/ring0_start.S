/* The supervisor's ring-0 start: writes the MSRs the host could not set (boot_abi.h,
 * kBootMsrTableGpa), then irets to the image's entry in ring 3 through the frame the host put
 * at RSP. Emulated instruction by instruction on kvm_pvm: kept to plain moves and wrmsr. */

  .section .text.monocell_supervisor, "ax", @progbits
  .globl monocell_ring0_start
monocell_ring0_start:
1:
  movl (%rsi), %ecx             /* BootMsr.index; 0 ends the table */
  testl %ecx, %ecx
  jz 2f
  movl 8(%rsi), %eax
  movl 12(%rsi), %edx
  wrmsr
  addq $16, %rsi
  jmp 1b
2:
  xorl %eax, %eax               /* the process starts with clean registers (rdx: no rtld_fini) */
  xorl %ecx, %ecx
  xorl %edx, %edx
  xorl %esi, %esi
  iretq

  .section .note.GNU-stack, "", @progbits
