// Planning the guest's RAM layout, with a message when it does not fit.
#include "guest_layout.h"

#include <string>

#include "elf_image.h"
#include "kvm_error.h"

namespace monocell::kvm {

GuestLayout plan_guest_layout(uint64_t ram_size, const ElfImage& image, uint64_t ring_region_size,
                              uint64_t file_tree_gpa, uint64_t file_tree_size) {
  GuestLayout layout{};
  if (!boot::plan_layout(ram_size, image.end_address(), ring_region_size, &layout, file_tree_gpa, file_tree_size)) {
    const uint64_t above_image = file_tree_size != 0 ? file_tree_gpa + file_tree_size : image.end_address();
    const uint64_t need = boot::page_up(above_image) + boot::kMinHeapSize + boot::kStackSize +
                          boot::page_up(ring_region_size);
    throw KvmError("guest RAM of " + std::to_string(ram_size >> 20) + " MiB is too small: image, " +
                   (file_tree_size != 0 ? "file tree, " : "") + "heap, stack and rings need " +
                   std::to_string((need + (1 << 20) - 1) >> 20) + " MiB; give the guest more --memory");
  }
  return layout;
}

uint64_t first_page_above(const ElfImage& image) { return boot::page_up(image.end_address()); }

}  // namespace monocell::kvm
