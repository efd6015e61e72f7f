// The initial stack of a static x86-64 Linux program, as execve leaves it: argc, argv, envp and
// the auxiliary vector, above them the strings and random bytes they point to. Built by the
// host VMM for the direct boot (hypervisors/kvm/process_stack.cc) and by the guest's own PVH
// stub in emulated ring 0 (guest-libos/src/pvh_boot.cc): one builder, so that what glibc finds
// cannot differ between the two boot paths. Freestanding: no library calls, no allocation.
#pragma once

#include <elf.h>
#include <stdint.h>

namespace monocell::boot {

struct InitialStack {
  const char* const* argv = nullptr;
  uint32_t argc = 0;
  const char* const* envp = nullptr;
  uint32_t envc = 0;
  const char* exec_path = "";  // AT_EXECFN
  uint64_t random[2] = {};  // AT_RANDOM's 16 bytes
  uint64_t vdso = 0;  // AT_SYSINFO_EHDR; 0: no vDSO
  uint64_t phdr = 0;  // AT_PHDR, AT_PHENT, AT_PHNUM: the image's program headers
  uint64_t phent = 0;
  uint64_t phnum = 0;
  uint64_t entry = 0;  // AT_ENTRY
  uint64_t hwcap = 0;  // AT_HWCAP: CPUID.1:EDX, as Linux reports it
  bool fsgsbase = false;  // AT_HWCAP2 says HWCAP2_FSGSBASE: wrfsbase works in ring 3
};

inline constexpr uint64_t kHwcap2FsgsBase = 1ull << 1;

namespace initial_stack_detail {

inline uint64_t string_size(const char* s) {
  uint64_t n = 0;
  while (s[n] != '\0') ++n;
  return n + 1;
}

// Pushes strings[count-1] first, so that they lie in order upwards from the returned address.
template <typename Stack>
uint64_t push_strings(Stack& stack, const char* const* strings, uint32_t count, uint64_t sp) {
  for (uint32_t i = count; i-- > 0;) sp = stack.push(strings[i], string_size(strings[i]));
  return sp;
}

// Pushes the addresses of the strings that end at `strings_top` (as push_strings left them),
// the last first, so that they read in order upwards.
template <typename Stack>
uint64_t push_pointers(Stack& stack, const char* const* strings, uint32_t count, uint64_t strings_top, uint64_t sp) {
  uint64_t at = strings_top;
  for (uint32_t i = count; i-- > 0;) {
    at -= string_size(strings[i]);
    sp = stack.push(&at, sizeof at);
  }
  return sp;
}

}  // namespace initial_stack_detail

// Writes the stack through `stack`, an object with
//   uint64_t push(const void* data, uint64_t length)
// that copies `length` bytes (0 allowed) just below its stack pointer and returns the new one;
// it reports running out of room its own way. `top` is the stack pointer before the first push.
// Returns the entry RSP: 16-byte aligned, pointing at argc.
template <typename Stack>
uint64_t write_initial_stack(Stack& stack, uint64_t top, const InitialStack& s) {
  using namespace initial_stack_detail;
  uint64_t sp = top;
  const uint64_t random_at = sp = stack.push(s.random, sizeof s.random);
  const uint64_t platform_at = sp = stack.push("x86_64", sizeof "x86_64");
  const uint64_t execfn_at = sp = stack.push(s.exec_path, string_size(s.exec_path));
  const uint64_t env_top = sp;
  sp = push_strings(stack, s.envp, s.envc, sp);
  const uint64_t arg_top = sp;
  sp = push_strings(stack, s.argv, s.argc, sp);

  uint64_t auxv[][2] = {
      {AT_SYSINFO_EHDR, s.vdso},
      {AT_PHDR, s.phdr},
      {AT_PHENT, s.phent},
      {AT_PHNUM, s.phnum},
      {AT_PAGESZ, 4096},
      {AT_BASE, 0},
      {AT_FLAGS, 0},
      {AT_ENTRY, s.entry},
      {AT_UID, 0},
      {AT_EUID, 0},
      {AT_GID, 0},
      {AT_EGID, 0},
      {AT_SECURE, 0},
      {AT_RANDOM, random_at},
      {AT_HWCAP, s.hwcap},
      {AT_HWCAP2, s.fsgsbase ? kHwcap2FsgsBase : 0},
      {AT_CLKTCK, 100},
      {AT_PLATFORM, platform_at},
      {AT_EXECFN, execfn_at},
      {AT_NULL, 0},
  };
  // Without a vDSO the vector starts one entry later: glibc must not see AT_SYSINFO_EHDR at all.
  const uint32_t first_aux = s.vdso != 0 ? 0 : 1;
  const uint64_t aux_words = 2 * (sizeof auxv / sizeof auxv[0] - first_aux);

  // argc, argv[], NULL, envp[], NULL, auxv: an even number of words, so that RSP ends 16-byte
  // aligned at argc; the padding sits above the auxiliary vector.
  const uint64_t words = 1 + s.argc + 1 + s.envc + 1 + aux_words;
  const uint64_t zero[4] = {};
  sp = stack.push(zero, (sp & 15) + (words % 2) * 8);
  sp = stack.push(auxv[first_aux], aux_words * sizeof(uint64_t));
  sp = stack.push(zero, 8);  // end of envp
  sp = push_pointers(stack, s.envp, s.envc, env_top, sp);
  sp = stack.push(zero, 8);  // end of argv
  sp = push_pointers(stack, s.argv, s.argc, arg_top, sp);
  const uint64_t argc = s.argc;
  return stack.push(&argc, sizeof argc);
}

}  // namespace monocell::boot
