// The guest's view of the boot-info page the VMM (or the PVH stub) wrote (boot_abi.h).
#pragma once

#include <monocell/boot_abi.h>
#include <stddef.h>

namespace monocell::libos {

inline const boot::BootInfo& boot_info() {
  return *reinterpret_cast<const boot::BootInfo*>(boot::kBootInfoGpa);
}

// True when [address, address + length) lies in guest RAM the process may use: pointers the
// app passes in are checked with this before the libOS touches them.
inline bool user_range_ok(uint64_t address, uint64_t length) {
  const uint64_t ram = boot_info().ram_size;
  if (address < boot::kLowReservedEnd || address > ram) return false;
  return length <= ram - address;
}

template <typename T>
inline bool user_object_ok(const T* p) {
  return user_range_ok(reinterpret_cast<uint64_t>(p), sizeof(T));
}

}  // namespace monocell::libos
