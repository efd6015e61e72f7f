// ChaCha20 with fast key erasure over the host's seed and RDRAND (random_pool.h).
#include "random_pool.h"

#include "boot_info.h"
#include "chacha20.h"
#include "freestanding.h"
#include "pvclock.h"
#include "x86_instructions.h"

namespace monocell::libos {
namespace {

uint32_t g_key[8];
uint32_t g_nonce[3];
bool g_keyed = false;
bool g_rdrand = false;

// RDRAND may fail transiently; ten tries is Intel's advice. False when it never answered.
bool rdrand64(uint64_t* value) {
  for (int i = 0; i < 10; ++i) {
    unsigned char ok;
    asm volatile("rdrand %0; setc %1" : "=r"(*value), "=qm"(ok));
    if (ok) return true;
  }
  return false;
}

void mix_rdrand() {
  if (!g_rdrand) return;
  for (int i = 0; i < 8; i += 2) {
    uint64_t r;
    if (!rdrand64(&r)) {
      g_rdrand = false;  // a CPU whose RDRAND stopped answering is not asked again
      return;
    }
    g_key[i] ^= static_cast<uint32_t>(r);
    g_key[i + 1] ^= static_cast<uint32_t>(r >> 32);
  }
}

void key_once() {
  if (g_keyed) return;
  const uint8_t* seed = boot_info().random_seed;
  for (int i = 0; i < 8; ++i) {
    g_key[i] = uint32_t{seed[4 * i]} | uint32_t{seed[4 * i + 1]} << 8 | uint32_t{seed[4 * i + 2]} << 16 |
               uint32_t{seed[4 * i + 3]} << 24;
  }
  // The clock only separates streams whose seeds were equal (never by design): no strength.
  const uint64_t now = kvmclock_ns();
  g_nonce[0] = static_cast<uint32_t>(now);
  g_nonce[1] = static_cast<uint32_t>(now >> 32);
  g_rdrand = (x86_instructions::cpuid(1).ecx >> 30) & 1;  // CPUID.1:ECX.RDRAND
  mix_rdrand();
  g_keyed = true;
}

// One request of at most kChunk bytes, under one key: block 0 becomes the next key, so nothing
// handed out can be recomputed from the state that follows.
constexpr uint64_t kChunk = 1 << 20;

void fill_chunk(uint8_t* out, uint64_t length) {
  mix_rdrand();
  uint8_t block[64];
  uint32_t counter = 0;
  chacha20_block(g_key, counter++, g_nonce, block);
  uint32_t next_key[8];
  copy_bytes(next_key, block, sizeof next_key);
  while (length > 0) {
    chacha20_block(g_key, counter++, g_nonce, block);
    const uint64_t n = length < sizeof block ? length : sizeof block;
    copy_bytes(out, block, n);
    out += n;
    length -= n;
  }
  copy_bytes(g_key, next_key, sizeof g_key);
  zero_bytes(next_key, sizeof next_key);
  zero_bytes(block, sizeof block);
}

}  // namespace

void random_fill(uint8_t* out, uint64_t length) {
  key_once();
  while (length > 0) {
    const uint64_t n = length < kChunk ? length : kChunk;
    fill_chunk(out, n);
    out += n;
    length -= n;
  }
}

}  // namespace monocell::libos
