// The image's file tree as the KVM VMM hands it to a guest: the checked tree file the image
// store filled (GuestConfig::file_tree_path), mapped read-only, copied once into guest RAM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace monocell::kvm {

class GuestMemory;

class FileTreeFile {
 public:
  // An empty path gives an empty tree. Throws ImageError when the file cannot be read.
  explicit FileTreeFile(const std::string& path);
  ~FileTreeFile();
  FileTreeFile(const FileTreeFile&) = delete;
  FileTreeFile& operator=(const FileTreeFile&) = delete;

  bool empty() const { return size_ == 0; }
  uint64_t size() const { return size_; }
  // Copies the tree to `gpa`; throws KvmError when guest RAM does not hold it there.
  void load(GuestMemory& memory, uint64_t gpa) const;

 private:
  void* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace monocell::kvm
