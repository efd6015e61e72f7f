/* The image's ELF notes: the Monocell boot note (boot_abi.h ImageNote) that tells the VMM
 * where the supervisor's vector stubs, the syscall entry and the per-vCPU area are, and the
 * Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY). */

  .section .note.monocell, "a", @note
  .balign 8
  .long 2f - 1f                  /* namesz */
  .long 4f - 3f                  /* descsz */
  .long 1                        /* kImageNoteType */
1:.asciz "Monocell"
2:.balign 8
3:.long 1                        /* abi_version = kBootAbiVersion */
  .long 16                       /* vector_stub_size */
  .long 256                      /* vector_count */
  .long 0
  .quad monocell_vector_stubs
  .quad monocell_syscall_entry
  .quad monocell_syscall_entry_end
  .quad monocell_percpu
  .quad monocell_ring0_start
  .quad monocell_vdso
4:.balign 8

  .section .note.Xen, "a", @note
  .balign 4
  .long 2f - 1f
  .long 4f - 3f
  .long 18                       /* XEN_ELFNOTE_PHYS32_ENTRY */
1:.asciz "Xen"
2:.balign 4
3:.long monocell_pvh_entry
4:.balign 4

  .section .note.GNU-stack, "", @progbits
