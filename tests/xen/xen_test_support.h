// Helpers for the Xen backend's tests in dom0 (the Xen rig): the dom0 policy (skip elsewhere,
// unless MONOCELL_REQUIRE_XEN=1 makes that a failure, as MONOCELL_REQUIRE_KVM does for KVM),
// where the images and CLIs are, the domains that exist, and a tiny PVH image that never
// publishes anything.
#pragma once

#include <catch2/catch.hpp>

#include <elf.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hypervisors/xen/xen_domain.h"
#include "hypervisors/xen/xen_host_probe.h"

namespace monocell::xen::test {

inline std::string image_path(const std::string& name) { return std::string(MONOCELL_IMAGE_DIR) + "/" + name; }

// True when the test can use Xen. When it cannot, the test fails if the environment requires
// Xen, and otherwise says loudly that it skips.
inline bool xen_or_skip() {
  std::string why;
  if (is_dom0(&why)) return true;
  const char* require = std::getenv("MONOCELL_REQUIRE_XEN");
  if (require != nullptr && std::string(require) == "1") FAIL("this is not a Xen dom0 and MONOCELL_REQUIRE_XEN=1: " << why);
  WARN("SKIPPED: " << why);
  std::cerr << "SKIPPED: " << Catch::getResultCapture().getCurrentTestName() << ": " << why << "\n";
  return false;
}

// The names of the domains that exist now (dom0's included).
inline std::vector<std::string> domain_names() {
  XenContext context;
  int count = 0;
  libxl_dominfo* list = libxl_list_domain(context.get(), &count);
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    char* name = libxl_domid_to_name(context.get(), list[i].domid);
    names.push_back(name != nullptr ? name : "?");
    std::free(name);
  }
  libxl_dominfo_list_free(list, count);
  return names;
}

inline bool domain_exists(const std::string& name) {
  XenContext context;
  return find_domain_by_name(context, name).has_value();
}

// Waits until `name` exists (or not), up to `timeout`.
inline bool wait_for_domain(const std::string& name, bool exists, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (domain_exists(name) != exists) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// No monocell domain is left: only dom0 (and whatever is not ours) remains.
inline void require_no_monocell_domain() {
  for (const std::string& name : domain_names()) {
    INFO("domains: " << name);
    CHECK(name.rfind("monocell-", 0) != 0);
  }
}

// A PVH image whose whole code is `pause; jmp .-2` at its 32-bit entry: it boots and never
// publishes a rendezvous. One PT_LOAD at 1 MiB and a PT_NOTE with Xen's PHYS32_ENTRY note.
inline std::string write_spinning_pvh_image(const std::string& dir) {
  constexpr uint64_t kBase = 0x100000;
  struct XenNote {
    Elf64_Nhdr header;
    char name[4];
    uint32_t entry;
  };
  constexpr uint8_t kCode[] = {0xf3, 0x90, 0xeb, 0xfc};  // pause; jmp back to the pause
  constexpr size_t kNoteOffset = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
  constexpr size_t kCodeOffset = kNoteOffset + sizeof(XenNote);
  constexpr size_t kSize = kCodeOffset + sizeof kCode;
  std::vector<uint8_t> file(kSize, 0);

  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_entry = kBase + kCodeOffset;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 2;
  std::memcpy(file.data(), &eh, sizeof eh);

  Elf64_Phdr load{};
  load.p_type = PT_LOAD;
  load.p_flags = PF_R | PF_X;
  load.p_offset = 0;
  load.p_vaddr = load.p_paddr = kBase;
  load.p_filesz = load.p_memsz = kSize;
  load.p_align = 0x1000;
  Elf64_Phdr note{};
  note.p_type = PT_NOTE;
  note.p_flags = PF_R;
  note.p_offset = kNoteOffset;
  note.p_vaddr = note.p_paddr = kBase + kNoteOffset;
  note.p_filesz = note.p_memsz = sizeof(XenNote);
  note.p_align = 4;
  std::memcpy(file.data() + sizeof eh, &load, sizeof load);
  std::memcpy(file.data() + sizeof eh + sizeof load, &note, sizeof note);

  XenNote xen_note{};
  xen_note.header.n_namesz = 4;
  xen_note.header.n_descsz = 4;
  xen_note.header.n_type = 18;  // XEN_ELFNOTE_PHYS32_ENTRY
  std::memcpy(xen_note.name, "Xen", 4);
  xen_note.entry = static_cast<uint32_t>(kBase + kCodeOffset);
  std::memcpy(file.data() + kNoteOffset, &xen_note, sizeof xen_note);
  std::memcpy(file.data() + kCodeOffset, kCode, sizeof kCode);

  const std::string path = dir + "/spinning-pvh";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(file.data()), static_cast<long>(file.size()));
  return path;
}

}  // namespace monocell::xen::test
