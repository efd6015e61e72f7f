/* The guest vDSO (vdso.cc) embedded in the image, page-aligned; its address goes to the
 * process as AT_SYSINFO_EHDR (boot_abi.h ImageNote::vdso). */
  .section .rodata.monocell_vdso, "a", @progbits
  .balign 4096
  .globl monocell_vdso
monocell_vdso:
  .incbin MONOCELL_VDSO_PATH
  .globl monocell_vdso_end
monocell_vdso_end:

  .section .note.GNU-stack, "", @progbits
