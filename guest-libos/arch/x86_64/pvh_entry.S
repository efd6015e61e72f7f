/* The 32-bit PVH entry named by the Xen note (xen_pvh_abi.h): from protected mode with paging
 * off, it maps the low 4 GiB with bootstrap page tables, enters long mode, and calls the PVH
 * boot (src/pvh_boot.cc) with EBX, the hvm_start_info address. Runs in ring 0, which kvm_pvm
 * emulates instruction by instruction: plain moves and loops only. */

#define BOOT_STACK_SIZE 16384

  .section .text.monocell_pvh, "ax", @progbits
  .code32
  .globl monocell_pvh_entry
monocell_pvh_entry:
  cli
  cld
  movl %ebx, %esi                     /* hvm_start_info, kept for the C++ boot */

  /* PML4[0] -> PDPT; PDPT[0..3] -> the 4 PDs; each PD entry a 2 MiB identity page. */
  movl $pvh_boot_pdpt + 3, pvh_boot_pml4
  xorl %ecx, %ecx
1:
  movl %ecx, %eax
  shll $12, %eax
  addl $pvh_boot_pd + 3, %eax
  movl %eax, pvh_boot_pdpt(,%ecx,8)
  incl %ecx
  cmpl $4, %ecx
  jb 1b
  xorl %ecx, %ecx
2:
  movl %ecx, %eax
  shll $21, %eax
  orl $0x83, %eax                     /* present, writable, 2 MiB */
  movl %eax, pvh_boot_pd(,%ecx,8)
  incl %ecx
  cmpl $2048, %ecx
  jb 2b

  movl $pvh_boot_pml4, %eax
  movl %eax, %cr3
  /* PAE and EFER.LME, each written only if not already set: a VMM whose KVM cannot give the
   * guest a CPUID presets them, and there the write itself would raise #GP. */
  movl %cr4, %eax
  testl $0x20, %eax
  jnz 4f
  orl $0x20, %eax                     /* PAE */
  movl %eax, %cr4
4:
  movl $0xC0000080, %ecx              /* EFER.LME */
  rdmsr
  testl $0x100, %eax
  jnz 5f
  orl $0x100, %eax
  wrmsr
5:
  movl %cr0, %eax
  orl $0x80000001, %eax               /* PG, PE */
  movl %eax, %cr0
  lgdt pvh_boot_gdt_pointer
  ljmp $0x10, $pvh_long_mode

  .code64
pvh_long_mode:
  movl $0x18, %eax
  movl %eax, %ds
  movl %eax, %es
  movl %eax, %ss
  movl %eax, %fs
  movl %eax, %gs
  movq $pvh_boot_stack + BOOT_STACK_SIZE, %rsp
  movl %esi, %edi
  call monocell_pvh_boot              /* never returns: it irets to ring 3 */
3:
  hlt
  jmp 3b

/* monocell_pvh_enter_ring3(entry, user_rsp): the same iretq as the ring-0 start. */
  .globl monocell_pvh_enter_ring3
monocell_pvh_enter_ring3:
  pushq $0x2b                         /* SS: user data */
  pushq %rsi                          /* RSP */
  pushq $0x202                        /* RFLAGS: IF */
  pushq $0x33                         /* CS: user code */
  pushq %rdi                          /* RIP */
  xorl %eax, %eax                     /* the process starts with clean registers */
  xorl %ecx, %ecx
  xorl %edx, %edx
  xorl %esi, %esi
  xorl %edi, %edi
  xorl %r8d, %r8d
  xorl %r9d, %r9d
  xorl %r10d, %r10d
  xorl %r11d, %r11d
  iretq

  .section .rodata.monocell_pvh, "a", @progbits
  .balign 8
pvh_boot_gdt:
  .quad 0
  .quad 0x00cf9b000000ffff            /* 0x08: 32-bit code */
  .quad 0x00af9b000000ffff            /* 0x10: 64-bit code */
  .quad 0x00cf93000000ffff            /* 0x18: data */
pvh_boot_gdt_end:
pvh_boot_gdt_pointer:
  .word pvh_boot_gdt_end - pvh_boot_gdt - 1
  .long pvh_boot_gdt

  .section .bss.monocell_pvh, "aw", @nobits
  .balign 4096
pvh_boot_pml4: .skip 4096
pvh_boot_pdpt: .skip 4096
pvh_boot_pd: .skip 4 * 4096
pvh_boot_stack: .skip BOOT_STACK_SIZE

  .section .note.GNU-stack, "", @progbits
