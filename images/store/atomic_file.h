// A file that appears at its final path complete or not at all: written under a temporary
// name in the same file system, flushed to disk, then renamed over the target (and the
// directory flushed). Dropped without commit(), the temporary file is removed.
#pragma once

#include <string>

#include "images/format/byte_stream.h"
#include "images/format/file_descriptor.h"

namespace monocell::image {

class AtomicFile {
 public:
  // Creates a new temporary file in `temp_dir` (which must be on the target's file system).
  explicit AtomicFile(const std::string& temp_dir);
  ~AtomicFile();
  AtomicFile(AtomicFile&&) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;

  ByteSink& sink() { return sink_; }
  int fd() const { return fd_.get(); }
  const std::string& temp_path() const { return temp_path_; }
  uint64_t written() const { return sink_.written(); }

  // fsync, chmod to `mode`, rename over `target`, fsync the target's directory.
  void commit(const std::string& target, unsigned mode = 0644);

 private:
  std::string temp_path_;
  FileDescriptor fd_;
  FileSink sink_;
  bool committed_ = false;
};

// Creates `path` and its missing parents as directories (0755); throws ImageError(kIo).
void make_directories(const std::string& path);

// fsync of a directory, so that a rename inside it survives a crash.
void sync_directory(const std::string& path);

}  // namespace monocell::image
