// libFuzzer target: the VMM's guest image loader on whatever a file can hold. Each input is
// parsed as an image (hypervisors/kvm/elf_image); one that parses is planned into guest RAM
// (guest_layout), loaded into it, and given its initial process stack (process_stack), as the
// direct boot does. Refusing an input with a KvmError is fine; any crash, sanitizer report,
// write outside guest RAM (inaccessible guard pages border it) or hang is a bug.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "elf_image.h"
#include "guest_layout.h"
#include "guest_memory.h"
#include "kvm_error.h"
#include "process_stack.h"
#include "protocol/ring/region.h"

using namespace monocell;
using namespace monocell::kvm;

namespace {

// Guest RAM with a PROT_NONE page on each side (ASan does not watch anonymous mappings), made
// once: its contents do not matter from one input to the next.
GuestMemory& guarded_guest_ram() {
  static GuestMemory* memory = [] {
    auto* m = new GuestMemory(boot::kMinRamSize);
    for (uint8_t* guard : {m->host_base() - 4096, m->host_base() + m->size()}) {
      if (::mmap(guard, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != guard) {
        std::fprintf(stderr, "elf_loader_fuzz: no guard page at %p (something is mapped there)\n",
                     static_cast<void*>(guard));
        std::abort();
      }
    }
    return m;
  }();
  return *memory;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  GuestMemory* memory = &guarded_guest_ram();
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
