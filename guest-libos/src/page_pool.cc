// The libOS's page allocator behind brk and anonymous mmap (see page_pool.h).
#include "page_pool.h"

#include "boot_info.h"
#include "freestanding.h"

namespace monocell::libos {
namespace {

constexpr uint64_t kPage = 4096;
uint64_t page_up(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }
uint64_t page_down(uint64_t v) { return v & ~(kPage - 1); }

constinit PagePool g_pool;

}  // namespace

PagePool& page_pool() {
  if (!g_pool.initialized()) g_pool.init(boot_info().heap_start, boot_info().heap_end);
  return g_pool;
}

void PagePool::init(uint64_t start, uint64_t end) {
  start_ = page_up(start);
  end_ = page_down(end);
  if (end_ < start_) end_ = start_;
  brk_start_ = brk_ = brk_high_water_ = start_;
  mmap_low_ = end_;
}

uint64_t PagePool::set_brk(uint64_t address) {
  if (address < brk_start_ || page_up(address) > mmap_low_) return brk_;
  // Memory between the old and new break must read as zero, as Linux gives fresh pages.
  if (address > brk_ && brk_ < brk_high_water_) {
    const uint64_t clear_end = address < brk_high_water_ ? address : brk_high_water_;
    zero_bytes(reinterpret_cast<void*>(brk_), clear_end - brk_);
  }
  brk_ = address;
  if (brk_ > brk_high_water_) brk_high_water_ = brk_;
  return brk_;
}

uint64_t PagePool::map(uint64_t length) {
  length = page_up(length);
  if (length == 0) return 0;
  for (uint32_t i = 0; i < free_count_; ++i) {  // first fit among freed ranges
    Range& r = free_[i];
    if (r.end - r.start < length) continue;
    const uint64_t address = r.start;
    r.start += length;
    if (r.start == r.end) remove_free(i);
    zero_bytes(reinterpret_cast<void*>(address), length);
    return address;
  }
  const uint64_t floor = page_up(brk_);
  if (mmap_low_ < floor || mmap_low_ - floor < length) return 0;
  mmap_low_ -= length;
  return mmap_low_;  // never handed out before: still zero
}

bool PagePool::unmap(uint64_t address, uint64_t length) {
  length = page_up(length);
  if (address % kPage != 0 || length == 0) return false;
  if (address < mmap_low_ || address > end_ || length > end_ - address) return false;
  insert_free(address, address + length);
  return true;
}

void PagePool::insert_free(uint64_t start, uint64_t end) {
  // Keep free_ sorted and merged; ranges already free are absorbed.
  uint32_t i = 0;
  while (i < free_count_ && free_[i].end < start) ++i;
  while (i < free_count_ && free_[i].start <= end) {
    if (free_[i].start < start) start = free_[i].start;
    if (free_[i].end > end) end = free_[i].end;
    remove_free(i);
  }
  if (free_count_ == kMaxFree) return;  // the list is full: the pages leak, nothing breaks
  for (uint32_t j = free_count_; j > i; --j) free_[j] = free_[j - 1];
  free_[i] = Range{start, end};
  ++free_count_;
}

void PagePool::remove_free(uint32_t index) {
  for (uint32_t j = index; j + 1 < free_count_; ++j) free_[j] = free_[j + 1];
  --free_count_;
}

}  // namespace monocell::libos
