// Mapping the image's file tree and copying it into guest RAM (file_tree_file.h).
#include "file_tree_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "guest_memory.h"
#include "kvm_error.h"

namespace monocell::kvm {

FileTreeFile::FileTreeFile(const std::string& path) {
  if (path.empty()) return;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ImageError("cannot open the image's file tree " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    const int error = errno;
    ::close(fd);
    throw ImageError("the image's file tree " + path + " is empty or unreadable: " + std::strerror(error));
  }
  void* data = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  const int error = errno;
  ::close(fd);
  if (data == MAP_FAILED) throw ImageError("cannot map the image's file tree " + path + ": " + std::strerror(error));
  data_ = data;
  size_ = static_cast<uint64_t>(st.st_size);
}

FileTreeFile::~FileTreeFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

void FileTreeFile::load(GuestMemory& memory, uint64_t gpa) const {
  if (size_ == 0) return;
  if (!memory.write_bytes(gpa, data_, size_)) {
    throw KvmError("guest RAM of " + std::to_string(memory.size() >> 20) + " MiB cannot hold the image's file tree (" +
                   std::to_string((size_ + (1 << 20) - 1) >> 20) + " MiB); give the guest more --memory");
  }
}

}  // namespace monocell::kvm
