// Parsing and loading guest image ELFs; every offset and size in the file is checked.
#include "elf_image.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "hypervisors/common/shared_image_file.h"

#include "guest_memory.h"
#include "kvm_error.h"

namespace monocell::kvm {
namespace {

constexpr uint64_t kMaxImageSize = 1ull << 30;
constexpr uint64_t kAddressLimit = boot::kMaxRamSize;
constexpr uint64_t kPageSize = 4096;

bool span_ok(uint64_t offset, uint64_t size, uint64_t total) {
  return offset <= total && size <= total - offset;
}

template <typename T>
T read_at(const uint8_t* bytes, uint64_t offset) {
  T value;
  std::memcpy(&value, bytes + offset, sizeof(T));
  return value;
}

uint64_t align4(uint64_t v) { return (v + 3) & ~uint64_t{3}; }

}  // namespace

ElfImage ElfImage::from_file(const std::string& path, const PageSharing& sharing) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ImageError("cannot open guest image " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw ImageError("guest image " + path + " is not a regular file");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size == 0 || size > kMaxImageSize) {
    ::close(fd);
    throw ImageError("guest image " + path + " is empty or larger than 1 GiB");
  }
  auto file = std::make_shared<const UniqueFd>(fd);
  // A private read-only mapping for parsing: only the pages with headers and notes are read.
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) throw_errno("mmap(guest image " + path + ")");
  std::shared_ptr<const uint8_t> holder(static_cast<const uint8_t*>(p),
                                        [size](const uint8_t* q) { ::munmap(const_cast<uint8_t*>(q), size); });
  ElfImage image = parse_bytes(std::move(holder), size, path);
  if (!sharing.directory.empty()) {
    const std::string key = SharedImageFile::key_for(fd, sharing.content_sha256);
    if (auto shared = SharedImageFile::join(sharing.directory, key, fd, size)) {
      image.shared_ = std::make_shared<const SharedImageFile>(std::move(*shared));
    }
  }
  image.file_ = std::move(file);
  return image;
}

ElfImage ElfImage::parse(std::vector<uint8_t> bytes, const std::string& name) {
  auto copy = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  const size_t size = copy->size();
  std::shared_ptr<const uint8_t> holder(copy, copy->data());
  return parse_bytes(std::move(holder), size, name);
}

ElfImage ElfImage::parse_bytes(std::shared_ptr<const uint8_t> holder, size_t size,
                               const std::string& name) {
  ElfImage image;
  image.name_ = name;
  image.bytes_ = std::move(holder);
  image.size_ = size;
  const uint8_t* b = image.bytes_.get();
  auto fail = [&](const std::string& why) -> ImageError {
    return ImageError("guest image " + name + ": " + why);
  };

  if (size < sizeof(Elf64_Ehdr)) throw fail("too small for an ELF header");
  const auto eh = read_at<Elf64_Ehdr>(b, 0);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) throw fail("not an ELF file");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
    throw fail("not a 64-bit little-endian ELF");
  }
  if (eh.e_machine != EM_X86_64) throw fail("not an x86-64 ELF");
  if (eh.e_type != ET_EXEC) throw fail("not a static non-PIE executable (ET_EXEC)");
  if (eh.e_phentsize != sizeof(Elf64_Phdr)) throw fail("unexpected program header size");
  if (eh.e_phnum == 0 || eh.e_phnum > 64) throw fail("program header count out of range");
  if (!span_ok(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr), size)) {
    throw fail("program headers lie outside the file");
  }
  image.entry_ = eh.e_entry;
  image.phdr_count_ = eh.e_phnum;
  image.phdr_entry_size_ = eh.e_phentsize;

  uint64_t lowest = ~0ull;
  uint64_t highest = 0;
  for (uint32_t i = 0; i < eh.e_phnum; ++i) {
    const auto ph = read_at<Elf64_Phdr>(b, eh.e_phoff + uint64_t{i} * sizeof(Elf64_Phdr));
    if (ph.p_type == PT_INTERP) throw fail("has an interpreter: images must be static");
    if (ph.p_type == PT_NOTE) {
      if (!span_ok(ph.p_offset, ph.p_filesz, size)) throw fail("PT_NOTE outside the file");
      image.parse_notes(ph.p_offset, ph.p_filesz);
      continue;
    }
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz) throw fail("PT_LOAD file size exceeds memory size");
    if (!span_ok(ph.p_offset, ph.p_filesz, size)) throw fail("PT_LOAD outside the file");
    if (ph.p_vaddr < boot::kImageMinAddress || !span_ok(ph.p_vaddr, ph.p_memsz, kAddressLimit)) {
      throw fail("PT_LOAD at an address outside [1 MiB, 3 GiB)");
    }
    image.segments_.push_back({ph.p_offset, ph.p_vaddr, ph.p_filesz, ph.p_memsz, (ph.p_flags & PF_W) != 0});
    lowest = std::min(lowest, ph.p_vaddr);
    highest = std::max(highest, ph.p_vaddr + ph.p_memsz);
    // AT_PHDR: where the program headers appear in memory.
    if (eh.e_phoff >= ph.p_offset && eh.e_phoff - ph.p_offset < ph.p_filesz) {
      image.phdr_address_ = ph.p_vaddr + (eh.e_phoff - ph.p_offset);
    }
  }
  if (image.segments_.empty()) throw fail("no PT_LOAD segments");
  image.lowest_ = lowest;
  image.highest_ = highest;
  bool entry_loaded = false;
  for (const auto& s : image.segments_) {
    if (image.entry_ >= s.address && image.entry_ - s.address < s.memory_size) entry_loaded = true;
  }
  if (!entry_loaded) throw fail("entry point is not inside a PT_LOAD segment");
  return image;
}

void ElfImage::parse_notes(uint64_t offset, uint64_t size) {
  const uint64_t end = offset + size;
  while (end - offset >= sizeof(Elf64_Nhdr)) {
    const auto nh = read_at<Elf64_Nhdr>(bytes_.get(), offset);
    const uint64_t name_at = offset + sizeof(Elf64_Nhdr);
    if (!span_ok(name_at, align4(nh.n_namesz), end)) return;  // truncated: ignore the rest
    const uint64_t desc_at = name_at + align4(nh.n_namesz);
    if (!span_ok(desc_at, align4(nh.n_descsz), end)) return;
    const auto name_is = [&](const char* want) {
      const size_t n = std::strlen(want) + 1;
      return nh.n_namesz == n && std::memcmp(bytes_.get() + name_at, want, n) == 0;
    };
    if (name_is(boot::kImageNoteName) && nh.n_type == boot::kImageNoteType &&
        nh.n_descsz >= sizeof(boot::ImageNote)) {
      monocell_note_ = read_at<boot::ImageNote>(bytes_.get(), desc_at);
    } else if (name_is(boot::kXenNoteName) && nh.n_type == boot::kXenElfNotePhys32Entry &&
               nh.n_descsz >= 4) {
      pvh_entry_ = read_at<uint32_t>(bytes_.get(), desc_at);
    }
    offset = desc_at + align4(nh.n_descsz);
  }
}

bool ElfImage::shares_pages() const { return shared_ && shared_->fd() >= 0; }

// The whole pages of `s` that can come from the shared copy: a read-only segment whose file
// offset and address agree modulo the page size, without the pages any other segment touches.
// Empty (begin == end) when there are none.
std::pair<uint64_t, uint64_t> ElfImage::shareable_pages(const LoadSegment& s) const {
  const std::pair<uint64_t, uint64_t> none{0, 0};
  if (!shares_pages() || s.writable || (s.file_offset - s.address) % kPageSize != 0) return none;
  const uint64_t begin = (s.address + kPageSize - 1) & ~(kPageSize - 1);
  const uint64_t end = (s.address + s.file_size) & ~(kPageSize - 1);
  if (begin >= end) return none;
  for (const auto& other : segments_) {
    if (&other == &s) continue;
    const uint64_t other_begin = other.address & ~(kPageSize - 1);
    const uint64_t other_end = (other.address + other.memory_size + kPageSize - 1) & ~(kPageSize - 1);
    if (other_begin < end && begin < other_end) return none;
  }
  return {begin, end};
}

void ElfImage::read_into(GuestMemory& memory, const LoadSegment& s, uint64_t from, uint64_t to) const {
  if (from >= to) return;
  memory.populate(from, to - from);
  uint8_t* target = memory.host_base() + from;
  const uint64_t offset = s.file_offset + (from - s.address);
  if (!file_) {
    std::memcpy(target, bytes_.get() + offset, to - from);
    return;
  }
  for (uint64_t done = 0; done < to - from;) {
    const ssize_t n = ::pread(file_->get(), target + done, to - from - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw KvmError("cannot read guest image " + name_ + ": " + (n < 0 ? std::strerror(errno) : "short file"));
    done += static_cast<uint64_t>(n);
  }
}

void ElfImage::load(GuestMemory& memory) const {
  for (const auto& s : segments_) {
    if (!memory.contains(s.address, s.memory_size)) {
      throw KvmError("guest image " + name_ + ": segment at " + std::to_string(s.address) +
                     " (+" + std::to_string(s.memory_size) + " bytes) does not fit in " +
                     std::to_string(memory.size() >> 20) + " MiB of guest RAM");
    }
    const uint64_t file_end = s.address + s.file_size;
    auto [shared_begin, shared_end] = shareable_pages(s);
    if (shared_begin >= shared_end) shared_begin = shared_end = file_end;  // all of it read privately
    if (shared_begin < shared_end) {
      // Copy-on-write over guest RAM: the guest reads the page cache's pages, shared with every
      // guest of this image, and a write (by the guest or by the VMM) gets a private page.
      void* at = memory.host_base() + shared_begin;
      const off_t offset = static_cast<off_t>(s.file_offset + (shared_begin - s.address));
      const size_t length = shared_end - shared_begin;
      if (::mmap(at, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, shared_->fd(), offset) !=
          MAP_FAILED) {
        // Host page tables now: a guest's first touch of a populated page costs a fraction.
        memory.populate_read(shared_begin, length);
      } else {
        // A failed MAP_FIXED may have unmapped the range: put fresh RAM back and copy privately.
        if (::mmap(at, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                   0) == MAP_FAILED) {
          throw_errno("mmap(guest RAM under guest image " + name_ + ")");
        }
        shared_begin = shared_end = file_end;
      }
    }
    read_into(memory, s, s.address, shared_begin);
    read_into(memory, s, shared_end, file_end);
    // Guest RAM starts zeroed, but segments may share a page: zero the rest explicitly.
    memory.populate(file_end, s.memory_size - s.file_size);
    std::memset(memory.host_base() + file_end, 0, s.memory_size - s.file_size);
  }
}

}  // namespace monocell::kvm
