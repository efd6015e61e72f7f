/* The ring-0 supervisor's IDT vector stubs: an exception in the app that it has a signal handler
 * for is sent on to the signal delivery in ring 3 (user_return.S); every other exception and
 * unexpected interrupt is reported to the host with the registers (hostcall_abi.h FaultFrame),
 * then the vCPU halts (on Xen: src/xen_hostcall.cc writes the report and shuts the domain
 * down). Ring 0 is instruction-emulated on kvm_pvm: only plain integer instructions here. */

#define HOSTCALL_GPA 0xFE000000
#define OP_FAULT 4
#define STUB_SIZE 16
#define SPURIOUS_VECTOR 255
#define HOST_VECTOR 0xF0            /* notify_abi.h kHostInterruptVector */
#define LAPIC_EOI 0xFEE000B0        /* notify_abi.h kLapicEoi */
#define PERCPU_HOST_INTERRUPTS 40   /* percpu.h */
#define PERCPU_SYSCALL_RSP 8
#define PERCPU_IN_LIBOS 64
#define PERCPU_USER_FAULT_VECTORS 72
#define PERCPU_USER_FAULT 80
#define FRAME_WORDS 23              /* hostcall_abi.h FaultFrame */
#define FRAME_VECTOR 128
#define FRAME_RIP 144
#define FRAME_CS 152
#define FRAME_RFLAGS 160
#define FRAME_RSP 168
#define TRAMPOLINE_RFLAGS 0x202     /* IF and the reserved bit 1 */
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
  /* The app's own exception (ring 3, no libOS code running) with a handler waiting for it: copy
   * the frame to PerCpu::user_fault and return to the trampoline instead. */
  movq FRAME_CS(%rbx), %rax
  andq $3, %rax
  jz 4f
  movq monocell_percpu+PERCPU_IN_LIBOS(%rip), %rax  /* not %gs: the app may have moved GS base */
  testq %rax, %rax
  jnz 4f
  movq FRAME_VECTOR(%rbx), %rcx
  cmpq $32, %rcx
  jae 4f
  movq monocell_percpu+PERCPU_USER_FAULT_VECTORS(%rip), %rax
  shrq %cl, %rax
  andq $1, %rax
  jz 4f
  leaq monocell_percpu+PERCPU_USER_FAULT(%rip), %rdi
  xorq %rcx, %rcx
5:
  movq (%rbx,%rcx,8), %rax
  movq %rax, (%rdi,%rcx,8)
  addq $1, %rcx
  cmpq $FRAME_WORDS, %rcx
  jne 5b
  leaq monocell_user_fault_trampoline(%rip), %rax
  movq %rax, FRAME_RIP(%rbx)
  movq $TRAMPOLINE_RFLAGS, FRAME_RFLAGS(%rbx)
  movq monocell_percpu+PERCPU_SYSCALL_RSP(%rip), %rax
  subq $8, %rax
  movq %rax, FRAME_RSP(%rbx)
  popq %rax                     /* cr2 */
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %r11
  popq %r10
  popq %r9
  popq %r8
  popq %rbp
  popq %rdi
  popq %rsi
  popq %rdx
  popq %rcx
  popq %rbx
  popq %rax
  addq $16, %rsp                /* vector and error code */
  iretq
4:
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
