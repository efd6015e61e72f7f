// Guest RAM mapping and its checked accessors.
#include "guest_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <string>
#include <utility>

#include "kvm_error.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace monocell::kvm {

GuestMemory::GuestMemory(uint64_t size) : size_(size) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw_errno("mmap(guest RAM, " + std::to_string(size >> 20) + " MiB)");
  base_ = static_cast<uint8_t*>(p);
}

void GuestMemory::use_huge_pages() {
  // Best effort: without THP the guest still runs, with 4 KiB host pages.
  (void)::madvise(base_, size_, MADV_HUGEPAGE);
}

GuestMemory::~GuestMemory() {
  if (base_ != nullptr) ::munmap(base_, size_);
}

bool GuestMemory::write_bytes(uint64_t gpa, const void* data, uint64_t length) {
  if (!contains(gpa, length)) return false;
  std::memcpy(base_ + gpa, data, length);
  return true;
}

namespace {

// [gpa, gpa+length) widened to whole pages and clipped to RAM; empty when nothing is left.
std::pair<uint64_t, uint64_t> page_span(uint64_t gpa, uint64_t length, uint64_t size) {
  const uint64_t page = 4096;
  const uint64_t begin = gpa & ~(page - 1);
  uint64_t end = (gpa + length + page - 1) & ~(page - 1);
  if (end > size) end = size;
  return {begin, std::max(begin, end)};
}

}  // namespace

void GuestMemory::populate(uint64_t gpa, uint64_t length) {
  const auto [begin, end] = page_span(gpa, length, size_);
  // Older kernels lack MADV_POPULATE_WRITE; the guest then faults the pages in itself.
  if (begin < end) (void)::madvise(base_ + begin, end - begin, MADV_POPULATE_WRITE);
}

void GuestMemory::populate_read(uint64_t gpa, uint64_t length) {
  const auto [begin, end] = page_span(gpa, length, size_);
  if (begin < end) (void)::madvise(base_ + begin, end - begin, MADV_POPULATE_READ);
}

}  // namespace monocell::kvm
