// A stored blob decompressed into a sealed memfd: an image's ELF in memory, checked against
// its sha256 before anyone may use it, and unchangeable afterwards, for a backend to boot or
// execute by the path /proc/<pid>/fd/<n>.
#pragma once

#include <string>

#include "images/format/file_descriptor.h"
#include "images/store/image_store.h"

namespace monocell::image {

// Decompresses `blob` of `image` from `store` into a new memfd named `name`, checks it (frame,
// size, sha256, content), then seals it against writes and resizing. Throws kCorrupt for a
// damaged blob, kIo when no memfd can be made.
FileDescriptor decompress_to_memfd(const ImageStore& store, const StoredImage& image, const BlobLocation& blob,
                                   const std::string& name);

// "/proc/<this process's pid>/fd/<fd>": a path that names the memfd for this process and its
// children (which may have closed their copy of the descriptor before they exec it).
std::string memfd_path(const FileDescriptor& fd);

}  // namespace monocell::image
