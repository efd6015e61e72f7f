// The ChaCha20 block function (RFC 8439, section 2.3): 64 bytes of keystream for a 256-bit key,
// a block counter and a 96-bit nonce. Freestanding, integer registers only.
#pragma once

#include <stdint.h>

namespace monocell::libos {

// `key`: eight little-endian words; `nonce`: three. Writes 64 bytes to `out`.
void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64]);

}  // namespace monocell::libos
