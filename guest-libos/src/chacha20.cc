// ChaCha20's block function, as RFC 8439 section 2.3 gives it.
#include "chacha20.h"

namespace monocell::libos {
namespace {

inline uint32_t rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

inline void quarter_round(uint32_t* s, int a, int b, int c, int d) {
  s[a] += s[b]; s[d] ^= s[a]; s[d] = rotl(s[d], 16);
  s[c] += s[d]; s[b] ^= s[c]; s[b] = rotl(s[b], 12);
  s[a] += s[b]; s[d] ^= s[a]; s[d] = rotl(s[d], 8);
  s[c] += s[d]; s[b] ^= s[c]; s[b] = rotl(s[b], 7);
}

}  // namespace

void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64]) {
  uint32_t state[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};  // "expand 32-byte k"
  for (int i = 0; i < 8; ++i) state[4 + i] = key[i];
  state[12] = counter;
  for (int i = 0; i < 3; ++i) state[13 + i] = nonce[i];
  uint32_t working[16];
  for (int i = 0; i < 16; ++i) working[i] = state[i];
  for (int round = 0; round < 10; ++round) {  // 20 rounds: a column and a diagonal round each
    quarter_round(working, 0, 4, 8, 12);
    quarter_round(working, 1, 5, 9, 13);
    quarter_round(working, 2, 6, 10, 14);
    quarter_round(working, 3, 7, 11, 15);
    quarter_round(working, 0, 5, 10, 15);
    quarter_round(working, 1, 6, 11, 12);
    quarter_round(working, 2, 7, 8, 13);
    quarter_round(working, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) {
    const uint32_t word = working[i] + state[i];
    out[4 * i] = static_cast<uint8_t>(word);
    out[4 * i + 1] = static_cast<uint8_t>(word >> 8);
    out[4 * i + 2] = static_cast<uint8_t>(word >> 16);
    out[4 * i + 3] = static_cast<uint8_t>(word >> 24);
  }
  // The key must not outlive the call on the stack (random_pool.h erases its keys).
  volatile uint32_t* wipe_state = state;
  volatile uint32_t* wipe_working = working;
  for (int i = 0; i < 16; ++i) {
    wipe_state[i] = 0;
    wipe_working[i] = 0;
  }
}

}  // namespace monocell::libos
