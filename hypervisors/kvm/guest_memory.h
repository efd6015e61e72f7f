// Guest RAM: one anonymous host mapping from gpa 0, reserved lazily (MAP_NORESERVE) and
// populated only where asked, with bounds-checked accessors for everything the guest names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <utility>

namespace monocell::kvm {

class GuestMemory {
 public:
  // Maps `size` bytes (a multiple of the page size). Throws KvmError.
  explicit GuestMemory(uint64_t size);
  ~GuestMemory();
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;

  uint64_t size() const { return size_; }
  uint8_t* host_base() const { return base_; }

  bool contains(uint64_t gpa, uint64_t length) const {
    return gpa <= size_ && length <= size_ - gpa;
  }
  // The host view of [gpa, gpa+length), or an empty span if any of it is outside RAM.
  std::span<uint8_t> range(uint64_t gpa, uint64_t length) const {
    if (!contains(gpa, length)) return {};
    return {base_ + gpa, static_cast<size_t>(length)};
  }

  // Copies a T out of guest memory (so the guest cannot change it while it is checked).
  template <typename T>
  std::optional<T> read(uint64_t gpa) const {
    if (!contains(gpa, sizeof(T))) return std::nullopt;
    T value;
    std::memcpy(&value, base_ + gpa, sizeof(T));
    return value;
  }
  template <typename T>
  bool write(uint64_t gpa, const T& value) {
    return write_bytes(gpa, &value, sizeof(T));
  }
  bool write_bytes(uint64_t gpa, const void* data, uint64_t length);

  // Asks for transparent huge pages behind guest RAM (MADV_HUGEPAGE): on kvm_pvm a guest's
  // first touch of fresh memory then costs about half, but each touched 2 MiB is resident.
  void use_huge_pages();

  // Faults the host pages of [gpa, gpa+length) in now (MADV_POPULATE_WRITE), for memory the
  // guest will surely touch. Best effort: memory is correct either way.
  void populate(uint64_t gpa, uint64_t length);
  // The same for reading (MADV_POPULATE_READ): for pages mapped from a file, which stay shared.
  void populate_read(uint64_t gpa, uint64_t length);

  // Gives up the mapping (the caller unmaps host_base() .. + size()); nothing may be accessed after.
  void* release() {
    size_ = 0;
    return std::exchange(base_, nullptr);
  }

 private:
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace monocell::kvm
