// Building argv, envp and auxv on the guest's initial stack.
#include "process_stack.h"

#include <monocell/initial_stack.h>

#include <cstring>

#include "elf_image.h"
#include "guest_memory.h"
#include "kvm_error.h"

namespace monocell::kvm {
namespace {

// Pushes into guest RAM below `sp`, never under `floor`.
class GuestStack {
 public:
  GuestStack(GuestMemory& memory, uint64_t top, uint64_t floor) : memory_(memory), floor_(floor), sp_(top) {}
  uint64_t push(const void* data, uint64_t length) {
    if (sp_ - floor_ < length) throw KvmError("arguments and environment exceed the stack");
    sp_ -= length;
    if (!memory_.write_bytes(sp_, data, length)) throw KvmError("process stack outside guest RAM");
    return sp_;
  }

 private:
  GuestMemory& memory_;
  uint64_t floor_;
  uint64_t sp_;
};

std::vector<const char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<const char*> pointers;
  for (const std::string& s : strings) pointers.push_back(s.c_str());
  return pointers;
}

}  // namespace

uint64_t write_process_stack(GuestMemory& memory, uint64_t stack_top, uint64_t max_size,
                             const ElfImage& image, const ProcessStackSpec& spec) {
  const std::vector<const char*> argv = c_strings(spec.argv);
  const std::vector<const char*> envp = c_strings(spec.envp);
  boot::InitialStack s;
  s.argv = argv.data();
  s.argc = static_cast<uint32_t>(argv.size());
  s.envp = envp.data();
  s.envc = static_cast<uint32_t>(envp.size());
  s.exec_path = spec.exec_path.c_str();
  std::memcpy(s.random, spec.random, sizeof s.random);
  s.vdso = spec.vdso;
  s.phdr = image.phdr_address();
  s.phent = image.phdr_entry_size();
  s.phnum = image.phdr_count();
  s.entry = image.entry();
  s.hwcap = spec.hwcap;
  s.fsgsbase = spec.fsgsbase;
  GuestStack stack(memory, stack_top, stack_top - max_size);
  return boot::write_initial_stack(stack, stack_top, s);
}

}  // namespace monocell::kvm
