// Host-only: a ring region in a memfd, shared with another process (the process backend, the
// demo, the tests) by inheriting or passing the fd and mapping it MAP_SHARED.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "protocol/ring/region.h"

namespace monocell::ring {

class MemfdRegion {
 public:
  // Creates, sizes, maps and formats a region for `config`.
  explicit MemfdRegion(const RegionConfig& config = {}, const char* name = "monocell-ring")
      : size_(region_size_for(config)) {
    fd_ = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd_ < 0) fail("memfd_create");
    if (ftruncate(fd_, static_cast<off_t>(size_)) != 0) fail("ftruncate");
    // Sealed at its size: whoever else holds the fd cannot shrink it under our mapping
    // (which would turn the host's next access into SIGBUS).
    if (fcntl(fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) fail("sealing the memfd");
    map();
    const auto layout = format_region(base_, size_, config);
    if (!layout.ok()) {
      throw std::runtime_error(std::string("format_region: ") + layout.status().message());
    }
    layout_ = layout.value();
  }

  ~MemfdRegion() {
    if (base_ != nullptr) munmap(base_, size_);
    if (fd_ >= 0) close(fd_);
  }
  MemfdRegion(const MemfdRegion&) = delete;
  MemfdRegion& operator=(const MemfdRegion&) = delete;

  int fd() const { return fd_; }
  void* base() const { return base_; }
  uint64_t size() const { return size_; }
  // The creator's private layout: never re-read from shared memory.
  const RegionLayout& layout() const { return layout_; }
  const RingLayout& ring(RingId id) const { return *layout_.find(id); }

 private:
  [[noreturn]] void fail(const char* what) {
    const std::string message = std::string(what) + " for ring region: " + std::strerror(errno);
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error(message);
  }

  void map() {
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) fail("mmap");
    base_ = p;
  }

  uint64_t size_;
  int fd_ = -1;
  void* base_ = nullptr;
  RegionLayout layout_;
};

}  // namespace monocell::ring
