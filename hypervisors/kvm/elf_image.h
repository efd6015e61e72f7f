// A guest image: a static, non-PIE x86-64 ELF, parsed and checked (the file is untrusted), and
// loaded into guest memory by its PT_LOAD segments. Also finds its Monocell and Xen PVH notes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <monocell/boot_abi.h>

#include "unique_fd.h"

namespace monocell {
class SharedImageFile;
}

namespace monocell::kvm {

class GuestMemory;

struct LoadSegment {
  uint64_t file_offset;
  uint64_t address;  // guest physical == guest virtual
  uint64_t file_size;
  uint64_t memory_size;
  bool writable;
};

// Where guests of one image share its read-only pages (shared_image_file.h).
struct PageSharing {
  std::string directory;  // empty: every guest loads a private copy
  std::string content_sha256;  // hex, when the caller has checked the file's content; else empty
};

class ElfImage {
 public:
  // Maps (read-only) and parses `path`. Throws KvmError naming the file and what is wrong.
  // With `sharing`, load() maps the whole pages of read-only segments from the shared copy of
  // the file when another guest of it is running and a copy can be had.
  static ElfImage from_file(const std::string& path, const PageSharing& sharing = {});
  // Parses an image held in memory (fuzzing, tests). `name` is used in messages.
  static ElfImage parse(std::vector<uint8_t> bytes, const std::string& name);

  uint64_t entry() const { return entry_; }
  uint64_t phdr_address() const { return phdr_address_; }  // AT_PHDR
  uint32_t phdr_count() const { return phdr_count_; }
  uint32_t phdr_entry_size() const { return phdr_entry_size_; }
  uint64_t lowest_address() const { return lowest_; }
  uint64_t end_address() const { return highest_; }  // first byte above every segment
  const std::vector<LoadSegment>& segments() const { return segments_; }
  const std::optional<boot::ImageNote>& monocell_note() const { return monocell_note_; }
  std::optional<uint32_t> pvh_entry() const { return pvh_entry_; }

  // Copies every segment into memory, zero-filling beyond each segment's file size, and
  // populates the pages; the whole pages of read-only segments are mapped copy-on-write from
  // the shared copy instead, when this guest maps one. Throws KvmError if a segment does not fit in RAM.
  void load(GuestMemory& memory) const;
  // Whether load() maps pages from a shared copy of the image (tests, the bench).
  bool shares_pages() const;

 private:
  static ElfImage parse_bytes(std::shared_ptr<const uint8_t> holder, size_t size,
                              const std::string& name);
  void parse_notes(uint64_t offset, uint64_t size);
  std::pair<uint64_t, uint64_t> shareable_pages(const LoadSegment& s) const;
  // Copies the file bytes of `s` that belong at [from, to) into memory.
  void read_into(GuestMemory& memory, const LoadSegment& s, uint64_t from, uint64_t to) const;

  std::string name_;
  std::shared_ptr<const uint8_t> bytes_;  // the file: a private mapping or a heap copy
  size_t size_ = 0;
  // The open file, when there is one: segments are read from it straight into guest RAM, so
  // the image's pages never count twice in the VMM's resident memory.
  std::shared_ptr<const UniqueFd> file_;
  // This guest's place among the running guests of its image, and the shared read-only copy
  // it maps when it is not the only one (shared_image_file.h); held while this image lives.
  std::shared_ptr<const SharedImageFile> shared_;
  uint64_t entry_ = 0;
  uint64_t phdr_address_ = 0;
  uint32_t phdr_count_ = 0;
  uint32_t phdr_entry_size_ = 0;
  uint64_t lowest_ = 0;
  uint64_t highest_ = 0;
  std::vector<LoadSegment> segments_;
  std::optional<boot::ImageNote> monocell_note_;
  std::optional<uint32_t> pvh_entry_;
};

}  // namespace monocell::kvm
