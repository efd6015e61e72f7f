// Building argv, envp and auxv on the guest's initial stack.
#include "process_stack.h"

#include <elf.h>

#include <cstring>

#include "elf_image.h"
#include "guest_memory.h"
#include "kvm_error.h"

namespace monocell::kvm {
namespace {

constexpr uint64_t kHwcap2FsgsBase = 1ull << 1;  // HWCAP2_FSGSBASE: wrfsbase works in ring 3

}  // namespace

uint64_t write_process_stack(GuestMemory& memory, uint64_t stack_top, uint64_t max_size,
                             const ElfImage& image, const ProcessStackSpec& spec) {
  const uint64_t floor = stack_top - max_size;
  uint64_t sp = stack_top;
  auto push_bytes = [&](const void* data, uint64_t length) {
    if (sp - floor < length) throw KvmError("arguments and environment exceed the stack");
    sp -= length;
    if (!memory.write_bytes(sp, data, length)) throw KvmError("process stack outside guest RAM");
    return sp;
  };
  auto push_string = [&](const std::string& s) { return push_bytes(s.c_str(), s.size() + 1); };

  const uint64_t random_at = push_bytes(spec.random, sizeof spec.random);
  const uint64_t platform_at = push_string("x86_64");
  const uint64_t execfn_at = push_string(spec.exec_path);
  std::vector<uint64_t> env_at, arg_at;
  for (const auto& e : spec.envp) env_at.push_back(push_string(e));
  for (const auto& a : spec.argv) arg_at.push_back(push_string(a));

  std::vector<std::pair<uint64_t, uint64_t>> auxv = {
      {AT_PHDR, image.phdr_address()},
      {AT_PHENT, image.phdr_entry_size()},
      {AT_PHNUM, image.phdr_count()},
      {AT_PAGESZ, 4096},
      {AT_BASE, 0},
      {AT_FLAGS, 0},
      {AT_ENTRY, image.entry()},
      {AT_UID, 0},
      {AT_EUID, 0},
      {AT_GID, 0},
      {AT_EGID, 0},
      {AT_SECURE, 0},
      {AT_RANDOM, random_at},
      {AT_HWCAP, spec.hwcap},
      {AT_HWCAP2, spec.fsgsbase ? kHwcap2FsgsBase : 0},
      {AT_CLKTCK, 100},
      {AT_PLATFORM, platform_at},
      {AT_EXECFN, execfn_at},
  };
  if (spec.vdso != 0) auxv.insert(auxv.begin(), {AT_SYSINFO_EHDR, spec.vdso});
  auxv.push_back({AT_NULL, 0});

  std::vector<uint64_t> words;
  words.push_back(arg_at.size());
  words.insert(words.end(), arg_at.begin(), arg_at.end());
  words.push_back(0);
  words.insert(words.end(), env_at.begin(), env_at.end());
  words.push_back(0);
  for (const auto& [type, value] : auxv) {
    words.push_back(type);
    words.push_back(value);
  }
  sp &= ~uint64_t{15};
  if ((words.size() % 2) != 0) words.push_back(0);  // padding above auxv keeps RSP 16-aligned
  push_bytes(words.data(), words.size() * sizeof(uint64_t));
  return sp;
}

}  // namespace monocell::kvm
