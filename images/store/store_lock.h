// The image store's lock: whoever adds to or reads from the store holds it shared; whoever
// deletes (image rm, image prune) holds it exclusive, so nothing is collected while another
// command is between writing a blob and pointing a reference at it.
#pragma once

#include <string>

#include "images/format/file_descriptor.h"

namespace monocell::image {

class StoreLock {
 public:
  enum class Mode { kShared, kExclusive };
  // Blocks until the lock on `lock_path` (created, with its directory, if missing) is held.
  StoreLock(const std::string& lock_path, Mode mode);

 private:
  FileDescriptor fd_;
};

}  // namespace monocell::image
