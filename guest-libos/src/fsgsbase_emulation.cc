// Emulating rdfsbase/rdgsbase/wrfsbase/wrgsbase in the supervisor's #UD vector on CPUs without
// FSGSBASE (hardware KVM on older CPUs, the rig's qemu64), so an image that uses them runs on
// every x86-64 CPU; with CR4.FSGSBASE set they never reach here.
#include <stdint.h>
#include "x86_instructions.h"

namespace {

using namespace monocell::libos::x86_instructions;

constexpr uint64_t kCr4Fsgsbase = 1ull << 16;
constexpr uint32_t kMsrFsBase = 0xC0000100;
constexpr uint32_t kMsrGsBase = 0xC0000101;

}  // namespace

// `regs`: the 16 general registers in register-number order; `frame`: the iretq frame (RIP
// first). The CPU fetched the instruction before raising #UD, so its bytes are readable.
// Returns true when it emulated the instruction and advanced RIP past it.
extern "C" bool monocell_emulate_fsgsbase(uint64_t* regs, uint64_t* frame) {
  if (read_cr4() & kCr4Fsgsbase) return false;
  const auto* code = reinterpret_cast<const volatile uint8_t*>(frame[0]);
  // F3 [REX] 0F AE /0../3 with a register operand (mod = 3).
  if (code[0] != 0xF3) return false;
  uint32_t length = 1;
  uint8_t rex = 0;
  if ((code[1] & 0xF0) == 0x40) {
    rex = code[1];
    length = 2;
  }
  if (code[length] != 0x0F || code[length + 1] != 0xAE) return false;
  const uint8_t modrm = code[length + 2];
  const uint32_t operation = (modrm >> 3) & 7;  // 0 rdfsbase, 1 rdgsbase, 2 wrfsbase, 3 wrgsbase
  if ((modrm >> 6) != 3 || operation > 3) return false;
  const uint32_t reg = (modrm & 7) | ((rex & 1u) << 3);
  const bool wide = (rex & 8u) != 0;
  const uint32_t msr = (operation & 1) ? kMsrGsBase : kMsrFsBase;
  if (operation < 2) {
    const uint64_t base = read_msr(msr);
    regs[reg] = wide ? base : static_cast<uint32_t>(base);
  } else {
    const uint64_t base = wide ? regs[reg] : static_cast<uint32_t>(regs[reg]);
    if (!is_canonical(base)) return false;  // the hardware raises #GP; reported as the #UD
    write_msr(msr, base);
  }
  frame[0] += length + 3;
  return true;
}
