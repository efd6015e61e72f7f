/* The ring-0 supervisor's IDT vector stubs: every exception and unexpected interrupt is
 * reported to the host with the registers (hostcall_abi.h FaultFrame), then the vCPU halts
 * (on Xen: src/xen_hostcall.cc writes the report and shuts the domain down). Ring 0 is
 * instruction-emulated on kvm_pvm: only plain integer moves and pushes here. */

#define HOSTCALL_GPA 0xFE000000
#define OP_FAULT 4
#define STUB_SIZE 16
#define SPURIOUS_VECTOR 255
#define HOST_VECTOR 0xF0            /* notify_abi.h kHostInterruptVector */
#define LAPIC_EOI 0xFEE000B0        /* notify_abi.h kLapicEoi */
#define PERCPU_HOST_INTERRUPTS 40   /* percpu.h */
#define XEN_UPCALL_VECTOR 0xF1      /* src/xen_boot.cc kUpcallVector */

  .section .text.monocell_supervisor, "ax", @progbits
  .balign STUB_SIZE
  .globl monocell_vector_stubs
monocell_vector_stubs:
  vector = 0
  .rept 256
  .balign STUB_SIZE
  .if vector == SPURIOUS_VECTOR
    iretq                         /* spurious LAPIC interrupt: no EOI, nothing to do */
  .elseif vector == HOST_VECTOR
    jmp monocell_host_interrupt
  .elseif vector == XEN_UPCALL_VECTOR
    jmp monocell_xen_upcall_entry
  .elseif vector == 6
    jmp monocell_invalid_opcode   /* #UD: rd/wr fs/gs base emulated without FSGSBASE */
  .else
    /* vectors with a CPU-pushed error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
    .if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
      pushq $0
    .endif
    pushq $vector
    jmp monocell_vector_common
  .endif
  vector = vector + 1
  .endr
  .globl monocell_vector_stubs_end
monocell_vector_stubs_end:

/* The host's interrupt: count it for the runtime and acknowledge it. GS base is the per-vCPU
 * area at every privilege (no swapgs anywhere). */
monocell_host_interrupt:
  pushq %rax
  incq %gs:PERCPU_HOST_INTERRUPTS
  movl $LAPIC_EOI, %eax
  movl $0, (%rax)
  popq %rax
  iretq

/* Xen's event-channel upcall (src/xen_events.cc does the work, EOI included); on KVM nothing
 * raises this vector, and it is reported like any unexpected interrupt. */
monocell_xen_upcall_entry:
  cmpb $0, monocell_on_xen(%rip)
  je 1f
  pushq %rax
  pushq %rcx
  pushq %rdx
  pushq %rsi
  pushq %rdi
  pushq %r8
  pushq %r9
  pushq %r10
  pushq %r11                    /* 9 words on the 5-word frame: RSP is 16-byte aligned */
  cld
  call monocell_xen_upcall
  popq %r11
  popq %r10
  popq %r9
  popq %r8
  popq %rdi
  popq %rsi
  popq %rdx
  popq %rcx
  popq %rax
  iretq
1:
  pushq $0
  pushq $XEN_UPCALL_VECTOR
  jmp monocell_vector_common

  .globl monocell_vector_common
monocell_vector_common:
  pushq %rax
  pushq %rbx
  pushq %rcx
  pushq %rdx
  pushq %rsi
  pushq %rdi
  pushq %rbp
  pushq %r8
  pushq %r9
  pushq %r10
  pushq %r11
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %cr2, %rax
  pushq %rax
  movq %rsp, %rbx               /* FaultFrame* */
  cmpb $0, monocell_on_xen(%rip)
  jne 3f
  subq $48, %rsp                /* hostcall::Request on this stack */
  movl $OP_FAULT, (%rsp)
  movl $0, 4(%rsp)
  movq %rbx, 8(%rsp)
  movq %rsp, %rax
  movl $HOSTCALL_GPA, %edx
  movq %rax, (%rdx)             /* one MMIO write: the host takes over and stops the guest */
2:
  hlt
  jmp 2b
3:
  movq %rbx, %rdi               /* Xen: report through xenstore and the console, then crash */
  andq $-16, %rsp
  cld
  call monocell_xen_fault       /* does not return */
  jmp 2b

  .section .note.GNU-stack, "", @progbits
