// Guest RAM mapping and its checked accessors.
#include "guest_memory.h"

#include <sys/mman.h>

#include <string>

#include "kvm_error.h"

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

void GuestMemory::populate(uint64_t gpa, uint64_t length) {
  const uint64_t page = 4096;
  const uint64_t begin = gpa & ~(page - 1);
  uint64_t end = (gpa + length + page - 1) & ~(page - 1);
  if (end > size_) end = size_;
  if (begin >= end) return;
  // Older kernels lack MADV_POPULATE_WRITE; the guest then faults the pages in itself.
  (void)::madvise(base_ + begin, end - begin, MADV_POPULATE_WRITE);
}

}  // namespace monocell::kvm
