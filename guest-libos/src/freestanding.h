// Memory and string helpers for the libOS: it must not call glibc (whose mem* use vector
// registers the syscall layer must not clobber, and which may hold locks the app holds).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace monocell::libos {

inline void copy_bytes(void* dst, const void* src, size_t n) {
  auto* d = static_cast<volatile unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) d[i] = s[i];
}

// Zeroes whole 8-byte words where it can: used on memory handed back out by mmap/brk.
inline void zero_bytes(void* dst, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  while (n != 0 && (reinterpret_cast<uintptr_t>(d) & 7) != 0) {
    *reinterpret_cast<volatile unsigned char*>(d++) = 0;
    --n;
  }
  auto* w = reinterpret_cast<volatile uint64_t*>(d);
  for (; n >= 8; n -= 8) *w++ = 0;
  d = reinterpret_cast<unsigned char*>(const_cast<uint64_t*>(w));
  while (n-- != 0) *reinterpret_cast<volatile unsigned char*>(d++) = 0;
}

inline size_t string_length(const char* s, size_t max) {
  size_t n = 0;
  while (n < max && s[n] != '\0') ++n;
  return n;
}

inline bool string_equal(const char* a, const char* b, size_t max) {
  for (size_t i = 0; i < max; ++i) {
    if (a[i] != b[i]) return false;
    if (a[i] == '\0') return true;
  }
  return true;
}

}  // namespace monocell::libos
