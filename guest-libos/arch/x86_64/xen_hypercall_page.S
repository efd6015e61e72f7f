/* The Xen hypercall page: one 4 KiB-aligned page of the image's text, which Xen fills with a
 * 32-byte stub per hypercall (mov $nr, %eax; vmcall/vmmcall; ret) when the supervisor writes
 * its address to the MSR CPUID(base + 2).ebx names (src/xen_hypercall.cc). Unused on KVM. */

  .section .text.monocell_xen_hypercall_page, "ax", @progbits
  .balign 4096
  .globl monocell_xen_hypercall_page
monocell_xen_hypercall_page:
  .skip 4096
  .size monocell_xen_hypercall_page, 4096

  .section .note.GNU-stack, "", @progbits
