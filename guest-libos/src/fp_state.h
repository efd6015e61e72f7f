// The app's floating-point and vector registers (x87, SSE, AVX... as XCR0 enables them) saved
// into a signal frame and restored from one. The libOS itself never touches them (it is built
// with general registers only), so at any libOS entry they still hold the app's values.
#pragma once

#include <stdint.h>

namespace monocell::libos::fp_state {

// Bytes save() writes: the XSAVE area plus Linux's 4-byte end marker, or the 512-byte FXSAVE
// area where the OS has not enabled XSAVE.
uint64_t frame_size();
inline constexpr uint64_t kAlignment = 64;

// Saves the current state at `area` (kAlignment-aligned, frame_size() bytes) in the layout
// Linux puts in a signal frame (with its fpx_sw_bytes), and reports whether it is an XSAVE area.
bool save(void* area);

// Loads the state saved at `area`, after clearing what the app may have corrupted there that
// would fault the CPU's restore (reserved header bytes, features XCR0 does not enable, MXCSR's
// reserved bits). False if `area` is misaligned: nothing is loaded.
bool restore(void* area);

// The state a signal handler starts with, as on Linux: x87 and SSE at their initial values.
void reset();

}  // namespace monocell::libos::fp_state
