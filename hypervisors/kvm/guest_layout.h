// Where things go in guest RAM above the fixed low-memory area (boot_abi.h plan_layout):
// image, heap, stack, and the ring region at the top of RAM.
#pragma once

#include <cstdint>

#include <monocell/boot_abi.h>

namespace monocell::kvm {

class ElfImage;

using GuestLayout = boot::Layout;

// Throws KvmError when the image, stack and rings do not fit in `ram_size`.
GuestLayout plan_guest_layout(uint64_t ram_size, const ElfImage& image, uint64_t ring_region_size);

}  // namespace monocell::kvm
