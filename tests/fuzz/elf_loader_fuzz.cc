// libFuzzer target: the VMM's guest image loader on whatever a file can hold. Each input is
// parsed as an image (hypervisors/kvm/elf_image); one that parses is planned into guest RAM
// (guest_layout), loaded into it, and given its initial process stack (process_stack), as the
// direct boot does. Refusing an input with a KvmError is fine; any crash, sanitizer report,
// write outside guest RAM (ASan sees the mapping's edges) or hang is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "elf_image.h"
#include "guest_layout.h"
#include "guest_memory.h"
#include "kvm_error.h"
#include "process_stack.h"
#include "protocol/ring/region.h"

using namespace monocell;
using namespace monocell::kvm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static GuestMemory* memory = new GuestMemory(boot::kMinRamSize);  // reused: contents do not matter
  try {
    const ElfImage image = ElfImage::parse(std::vector<uint8_t>(data, data + size), "fuzz input");
    const GuestLayout layout = plan_guest_layout(memory->size(), image, ring::region_size_for(ring::RegionConfig{}));
    image.load(*memory);
    ProcessStackSpec stack{};
    stack.argv = {"fuzz", "an argument"};
    stack.envp = {"HOME=/"};
    stack.exec_path = "/fuzz";
    stack.vdso = image.monocell_note() ? image.monocell_note()->vdso : 0;
    write_process_stack(*memory, layout.stack_top, layout.stack_size, image, stack);
  } catch (const KvmError&) {
  }
  return 0;
}
