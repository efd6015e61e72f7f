// Saving and restoring the app's FPU and vector state for signal frames.
#include "fp_state.h"

#include <asm/sigcontext.h>

#include "freestanding.h"
#include "x86_instructions.h"

namespace monocell::libos::fp_state {
namespace {

constexpr uint64_t kFxsaveSize = 512;
constexpr uint64_t kXsaveHeaderOffset = 512;
constexpr uint64_t kXsaveHeaderSize = 64;
constexpr uint64_t kMxcsrOffset = 24;
constexpr uint64_t kMxcsrMaskOffset = 28;
constexpr uint64_t kSwBytesOffset = 464;  // bytes the CPU leaves to software in the legacy area
constexpr uint32_t kCpuidOsxsave = 1u << 27;
constexpr uint32_t kDefaultMxcsrMask = 0xFFBF;
constexpr uint32_t kInitialMxcsr = 0x1F80;
constexpr uint16_t kInitialFcw = 0x37F;

struct Layout {
  bool ready = false;
  bool xsave = false;
  uint64_t features = 0;  // XCR0
  uint64_t xsave_size = kFxsaveSize;
  uint32_t mxcsr_mask = kDefaultMxcsrMask;
};
Layout g_layout;
// The initial state reset() loads: FCW and MXCSR at their power-on values, an empty header.
alignas(64) unsigned char g_initial[kFxsaveSize + kXsaveHeaderSize];
// The largest XSAVE area this libOS supports: AVX-512 needs 2,696 bytes.
constexpr uint64_t kMaxXsaveSize = 4096;

uint64_t xgetbv0() {
  uint32_t lo, hi;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

void fxsave(void* area) { asm volatile("fxsave64 (%0)" ::"r"(area) : "memory"); }
void fxrstor(const void* area) { asm volatile("fxrstor64 (%0)" ::"r"(area) : "memory"); }
void xsave(void* area, uint64_t mask) {
  asm volatile("xsave64 (%0)" ::"r"(area), "a"(static_cast<uint32_t>(mask)), "d"(static_cast<uint32_t>(mask >> 32))
               : "memory");
}
void xrstor(const void* area, uint64_t mask) {
  asm volatile("xrstor64 (%0)" ::"r"(area), "a"(static_cast<uint32_t>(mask)), "d"(static_cast<uint32_t>(mask >> 32))
               : "memory");
}

uint32_t* u32_at(void* area, uint64_t offset) { return reinterpret_cast<uint32_t*>(static_cast<unsigned char*>(area) + offset); }
uint64_t* u64_at(void* area, uint64_t offset) { return reinterpret_cast<uint64_t*>(static_cast<unsigned char*>(area) + offset); }

const Layout& layout() {
  if (g_layout.ready) return g_layout;
  Layout l;
  if ((x86_instructions::cpuid(1).ecx & kCpuidOsxsave) != 0) {
    const uint64_t size = x86_instructions::cpuid(0xD, 0).ebx;  // for the features XCR0 enables
    if (size >= kFxsaveSize + kXsaveHeaderSize && size <= kMaxXsaveSize) {
      l.xsave = true;
      l.features = xgetbv0();
      l.xsave_size = size;
    }
  }
  // FXSAVE reports which MXCSR bits the CPU accepts; 0 there means the default mask.
  alignas(16) unsigned char probe[kFxsaveSize];
  zero_bytes(probe, sizeof probe);
  fxsave(probe);
  const uint32_t mask = *u32_at(probe, kMxcsrMaskOffset);
  l.mxcsr_mask = mask != 0 ? mask : kDefaultMxcsrMask;
  zero_bytes(g_initial, sizeof g_initial);
  *reinterpret_cast<uint16_t*>(g_initial) = kInitialFcw;
  *u32_at(g_initial, kMxcsrOffset) = kInitialMxcsr;
  l.ready = true;
  g_layout = l;
  return g_layout;
}

}  // namespace

uint64_t frame_size() {
  const Layout& l = layout();
  return l.xsave ? l.xsave_size + FP_XSTATE_MAGIC2_SIZE : kFxsaveSize;
}

bool save(void* area) {
  const Layout& l = layout();
  if (!l.xsave) {
    fxsave(area);
    return false;
  }
  // XSAVE writes XSTATE_BV only; the rest of the header must be zero for XRSTOR to accept it.
  zero_bytes(static_cast<unsigned char*>(area) + kXsaveHeaderOffset, kXsaveHeaderSize);
  xsave(area, l.features);
  auto* sw = reinterpret_cast<_fpx_sw_bytes*>(static_cast<unsigned char*>(area) + kSwBytesOffset);
  sw->magic1 = FP_XSTATE_MAGIC1;
  sw->extended_size = static_cast<uint32_t>(l.xsave_size + FP_XSTATE_MAGIC2_SIZE);
  sw->xfeatures = l.features;
  sw->xstate_size = static_cast<uint32_t>(l.xsave_size);
  *u32_at(area, l.xsave_size) = FP_XSTATE_MAGIC2;
  return true;
}

bool restore(void* area) {
  const Layout& l = layout();
  if ((reinterpret_cast<uint64_t>(area) & (l.xsave ? kAlignment - 1 : 15)) != 0) return false;
  *u32_at(area, kMxcsrOffset) &= l.mxcsr_mask;
  if (!l.xsave) {
    fxrstor(area);
    return true;
  }
  *u64_at(area, kXsaveHeaderOffset) &= l.features;  // XSTATE_BV
  zero_bytes(static_cast<unsigned char*>(area) + kXsaveHeaderOffset + 8, kXsaveHeaderSize - 8);
  xrstor(area, l.features);
  return true;
}

void reset() {
  const Layout& l = layout();
  if (l.xsave) {
    xrstor(g_initial, l.features);  // XSTATE_BV 0: every component to its initial state
  } else {
    fxrstor(g_initial);
  }
}

}  // namespace monocell::libos::fp_state
