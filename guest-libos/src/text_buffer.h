// A fixed-size text builder for the libOS's own messages and xenstore values: strings, decimal
// and lower-case hex numbers, never more than the buffer holds (the rest is cut).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace monocell::libos {

template <uint32_t kCapacity>
class TextBuffer {
 public:
  TextBuffer& text(const char* s) {
    while (*s != '\0') put(*s++);
    return *this;
  }
  TextBuffer& character(char c) {
    put(c);
    return *this;
  }
  TextBuffer& decimal(uint64_t value) {
    char digits[20];
    uint32_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (n != 0) put(digits[--n]);
    return *this;
  }
  // Without "0x" and leading zeros.
  TextBuffer& hex(uint64_t value) {
    char digits[16];
    uint32_t n = 0;
    do {
      digits[n++] = "0123456789abcdef"[value & 0xF];
      value >>= 4;
    } while (value != 0);
    while (n != 0) put(digits[--n]);
    return *this;
  }

  const char* data() const { return bytes_; }
  uint32_t size() const { return size_; }
  // NUL-terminated (the NUL is not counted in size()).
  const char* c_str() {
    bytes_[size_] = '\0';
    return bytes_;
  }

 private:
  void put(char c) {
    if (size_ < kCapacity) bytes_[size_++] = c;
  }

  char bytes_[kCapacity + 1];
  uint32_t size_ = 0;
};

}  // namespace monocell::libos
