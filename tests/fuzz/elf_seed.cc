// Writes a small valid guest image into a directory, the seed of elf_loader_fuzz: an ELF header,
// a PT_LOAD holding the headers and the code at 1 MiB, and a PT_NOTE with the Monocell and Xen
// PVH notes. From it the fuzzer reaches the loader's deeper checks at once, rather than spending
// its time discovering the ELF magic.
// usage: elf_seed DIR
#include <elf.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <monocell/boot_abi.h>

namespace {

constexpr uint64_t kBase = 0x100000;  // boot::kImageMinAddress

template <typename T>
void put(std::vector<uint8_t>& out, size_t at, const T& value) {
  if (out.size() < at + sizeof value) out.resize(at + sizeof value);
  std::memcpy(out.data() + at, &value, sizeof value);
}

// One note: header, name padded to 4, descriptor padded to 4.
void add_note(std::vector<uint8_t>& out, const char* name, uint32_t type, const void* desc, uint32_t desc_size) {
  const uint32_t name_size = static_cast<uint32_t>(std::strlen(name) + 1);
  const Elf64_Nhdr header{name_size, desc_size, type};
  size_t at = out.size();
  put(out, at, header);
  at += sizeof header;
  out.resize(at + ((name_size + 3) & ~3u));
  std::memcpy(out.data() + at, name, name_size);
  at = out.size();
  out.resize(at + ((desc_size + 3) & ~3u));
  std::memcpy(out.data() + at, desc, desc_size);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: elf_seed DIR\n");
    return 2;
  }
  constexpr size_t kPhoff = sizeof(Elf64_Ehdr);
  constexpr size_t kNotesAt = kPhoff + 2 * sizeof(Elf64_Phdr);
  std::vector<uint8_t> notes;
  monocell::boot::ImageNote image_note{};
  image_note.abi_version = monocell::boot::kBootAbiVersion;
  image_note.vector_stub_size = 16;
  image_note.vector_count = 32;
  image_note.vector_stubs = kBase + 0x200;
  image_note.syscall_entry = kBase + 0x400;
  image_note.syscall_entry_end = kBase + 0x440;
  image_note.percpu = kBase + 0x800;
  image_note.ring0_start = kBase + 0x480;
  add_note(notes, monocell::boot::kImageNoteName, monocell::boot::kImageNoteType, &image_note, sizeof image_note);
  const uint32_t pvh_entry = kBase + 0x100;
  add_note(notes, monocell::boot::kXenNoteName, monocell::boot::kXenElfNotePhys32Entry, &pvh_entry, sizeof pvh_entry);
  const size_t code_at = (kNotesAt + notes.size() + 15) & ~size_t{15};
  const uint8_t code[] = {0x0f, 0x05, 0xeb, 0xfc};  // syscall; jmp back
  const size_t file_size = code_at + sizeof code;

  std::vector<uint8_t> elf;
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_entry = kBase + code_at;
  eh.e_phoff = kPhoff;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 2;
  put(elf, 0, eh);
  Elf64_Phdr load{};
  load.p_type = PT_LOAD;
  load.p_flags = PF_R | PF_X;
  load.p_offset = 0;
  load.p_vaddr = load.p_paddr = kBase;
  load.p_filesz = file_size;
  load.p_memsz = file_size + 0x2000;  // and some bss
  load.p_align = 0x1000;
  put(elf, kPhoff, load);
  Elf64_Phdr note{};
  note.p_type = PT_NOTE;
  note.p_flags = PF_R;
  note.p_offset = kNotesAt;
  note.p_vaddr = note.p_paddr = kBase + kNotesAt;
  note.p_filesz = note.p_memsz = notes.size();
  note.p_align = 4;
  put(elf, kPhoff + sizeof(Elf64_Phdr), note);
  elf.resize(file_size);
  std::memcpy(elf.data() + kNotesAt, notes.data(), notes.size());
  std::memcpy(elf.data() + code_at, code, sizeof code);

  const std::string path = std::string(argv[1]) + "/minimal-image.elf";
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(elf.data()), static_cast<std::streamsize>(elf.size()));
  if (!out) {
    std::fprintf(stderr, "elf_seed: cannot write %s\n", path.c_str());
    return 1;
  }
  return 0;
}
