#!/usr/bin/env bash
# `make rig-xen-smoke`: proves the Xen rig. Builds a tiny PVH guest (a PHYS32_ENTRY note, the
# hypercall page, a line on port 0xe9, SCHEDOP_shutdown with reason reboot), boots the rig, and
# inside dom0 (smoke-dom0.sh) runs `xl info`, creates the guest with xl, checks that
# xenconsoled gave it a pty and that its shutdown reason arrived. Exits non-zero on any failure.
# usage: smoke.sh      (RIG_TIMEOUT, default 600; RIG_WORK, RIG_LOG as in run.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${RIG_WORK:-$root/build/rig-xen}
for tool in as ld; do
  command -v "$tool" >/dev/null || { echo "smoke.sh: $tool missing (package binutils)" >&2; exit 2; }
done
mkdir -p "$work"
tmp=$(mktemp -d "$work/smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/guest.s" <<'ASM'
# Entered by Xen in 32-bit flat protected mode, paging off, %ebx = hvm_start_info, no stack.
        .code32
        .section .text
        .globl _start
_start:
        mov     $stack_top, %esp
        mov     $0x40000000, %esi          # find Xen's CPUID leaves: "XenVMMXenVMM"
1:      mov     %esi, %eax
        cpuid
        cmp     $0x566e6558, %ebx
        jne     2f
        cmp     $0x65584d4d, %ecx
        jne     2f
        cmp     $0x4d4d566e, %edx
        je      3f
2:      add     $0x100, %esi
        cmp     $0x40010000, %esi
        jb      1b
        jmp     halt
3:      lea     2(%esi), %eax              # leaf base+2: %ebx = the hypercall-page MSR
        cpuid
        mov     %ebx, %ecx
        mov     $hypercall_page, %eax
        xor     %edx, %edx
        wrmsr
        mov     $message, %esi             # one line on the debug port (guest_loglvl=all)
        mov     $0xe9, %dx
4:      lodsb
        test    %al, %al
        jz      5f
        outb    %al, %dx
        jmp     4b
5:      mov     $2, %ebx                   # SCHEDOP_shutdown
        mov     $shutdown_reason, %ecx
        call    hypercall_page + 29 * 32   # __HYPERVISOR_sched_op
halt:   cli                                # Xen treats this as poweroff
        hlt
        jmp     halt

        .section .data
message:         .asciz "monocell-rig-smoke: hello from a PVH guest\n"
        .balign 4
shutdown_reason: .long 1                   # SHUTDOWN_reboot: a reason only this guest gives

        .section .bss
        .balign 4096
hypercall_page:  .skip 4096
                 .skip 4096
stack_top:

        .section .note.Xen, "a", @note
        .balign 4
        .long   4, 4, 18                   # namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY
        .asciz  "Xen"
        .long   _start
ASM
cat > "$tmp/guest.ld" <<'LD'
ENTRY(_start)
PHDRS { image PT_LOAD FLAGS(7); notes PT_NOTE; }
SECTIONS {
  . = 0x100000;
  .text : { *(.text) } :image
  .data : { *(.data) } :image
  .note : { *(.note.Xen) } :image :notes
  .bss : { *(.bss) } :image
}
LD
as --64 -o "$tmp/guest.o" "$tmp/guest.s" || { echo "smoke.sh: assembling the PVH guest failed" >&2; exit 1; }
ld -m elf_x86_64 -T "$tmp/guest.ld" -z noexecstack --no-warn-rwx-segments -o "$tmp/pvh-guest.elf" "$tmp/guest.o" ||
  { echo "smoke.sh: linking the PVH guest failed" >&2; exit 1; }

out=$tmp/out
status=0
RIG_OUT=$out "$here/run.sh" --timeout "${RIG_TIMEOUT:-600}" --file "$tmp/pvh-guest.elf" \
  -- "$here/smoke-dom0.sh" "$tmp/pvh-guest.elf" || status=$?
if [ "$status" -eq 0 ] && ! grep -q '^monocell-rig-smoke: PASS' "$out/smoke.txt" 2>/dev/null; then
  echo "smoke.sh: the payload exited 0 but left no PASS in \$MONOCELL_RIG_OUT/smoke.txt" >&2
  status=1
fi
if [ "$status" -eq 0 ]; then
  echo "smoke.sh: PASS ($(tr '\n' ' ' < "$out/smoke.txt"))"
else
  echo "smoke.sh: FAIL with exit code $status" >&2
fi
exit "$status"
