// The libOS's own tiny allocator of guest pages: brk grows up from the bottom of the heap range
// the VMM gave (boot info), anonymous mmap is carved from the top down, and munmap'd ranges are
// kept in a small sorted free list. Memory never handed out is still zero (lazily populated by
// the host), so only reused memory is cleared.
#pragma once

#include <stdint.h>

namespace monocell::libos {

class PagePool {
 public:
  void init(uint64_t start, uint64_t end);
  bool initialized() const { return end_ != 0; }

  uint64_t brk() const { return brk_; }
  // Moves the break; returns the new break, or the old one if `address` is out of range.
  uint64_t set_brk(uint64_t address);

  // Returns a zeroed, page-aligned range of `length` bytes, or 0.
  uint64_t map(uint64_t length);
  // Returns pages to the pool. False if the range is not inside the mmap area.
  bool unmap(uint64_t address, uint64_t length);

 private:
  struct Range {
    uint64_t start;
    uint64_t end;
  };
  static constexpr uint32_t kMaxFree = 256;

  void insert_free(uint64_t start, uint64_t end);
  void remove_free(uint32_t index);

  uint64_t start_ = 0;
  uint64_t end_ = 0;
  uint64_t brk_start_ = 0;
  uint64_t brk_ = 0;
  uint64_t brk_high_water_ = 0;  // above this the brk area was never used: still zero
  uint64_t mmap_low_ = 0;  // the mmap area is [mmap_low_, end_)
  Range free_[kMaxFree] = {};
  uint32_t free_count_ = 0;
};

PagePool& page_pool();

}  // namespace monocell::libos
