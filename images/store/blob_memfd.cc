// Decompressing stored blobs into sealed memfds.
#include "images/store/blob_memfd.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "images/format/image_error.h"
#include "images/format/image_reader.h"

namespace monocell::image {
namespace {

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  // Linux 6.3: the memfd may be executed even where memfds default to no-exec
#endif

FileDescriptor create_memfd(const std::string& name) {
  const unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  int fd = ::memfd_create(name.c_str(), flags | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = ::memfd_create(name.c_str(), flags);  // a kernel before MFD_EXEC
  if (fd < 0) throw_errno("memfd_create", name);
  return FileDescriptor(fd);
}

}  // namespace

FileDescriptor decompress_to_memfd(const ImageStore& store, const StoredImage& image, const BlobLocation& blob,
                                   const std::string& name) {
  FileDescriptor memfd = create_memfd(name);
  const FileSource frame = store.open_blob(blob);
  const std::string what = "stored " + describe_blob(image_id_text(image.id), blob) + " (" + frame.name() + ")";
  FileSink out(memfd.get(), "memfd " + name);
  BlobContentChecker content(blob.kind, out, what);
  decode_blob(frame, 0, blob.digest, content, what);
  content.finish();
  if (::fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    throw_errno("seal", "memfd " + name);
  }
  return memfd;
}

std::string memfd_path(const FileDescriptor& fd) {
  return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd.get());
}

}  // namespace monocell::image
