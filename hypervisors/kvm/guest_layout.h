// Where things go in guest RAM above the fixed low-memory area (boot_abi.h plan_layout):
// image, its file tree (if any), heap, stack, and the ring region at the top of RAM.
#pragma once

#include <cstdint>

#include <monocell/boot_abi.h>

namespace monocell::kvm {

class ElfImage;

using GuestLayout = boot::Layout;

// Throws KvmError when the image, its file tree (`file_tree_size` bytes at `file_tree_gpa`),
// stack and rings do not fit in `ram_size`.
GuestLayout plan_guest_layout(uint64_t ram_size, const ElfImage& image, uint64_t ring_region_size,
                              uint64_t file_tree_gpa = 0, uint64_t file_tree_size = 0);

// Where a loader puts what follows the image (the file tree, PVH module 0): its first page above it.
uint64_t first_page_above(const ElfImage& image);

}  // namespace monocell::kvm
