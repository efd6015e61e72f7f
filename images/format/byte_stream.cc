// Files and memory as image byte sources and sinks.
#include "images/format/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "images/format/image_error.h"

namespace monocell::image {

FileSource FileSource::open(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));  // a FIFO must not block the open
  if (!fd.valid()) throw_errno("open", path);
  return FileSource(std::move(fd), path);
}

FileSource::FileSource(FileDescriptor fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) throw_errno("fstat", name_);
  if (!S_ISREG(st.st_mode)) throw_invalid(name_ + " is not a regular file");
  size_ = static_cast<uint64_t>(st.st_size);
}

void FileSource::read_at(uint64_t offset, std::span<uint8_t> out) const {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read", name_);
    if (n == 0) {
      throw_corrupt("read " + name_ + ": the file ended at byte " + std::to_string(offset + done) + ", expected " +
                    std::to_string(offset + out.size()) + " bytes (did it shrink while being read?)");
    }
    done += static_cast<size_t>(n);
  }
}

void MemorySource::read_at(uint64_t offset, std::span<uint8_t> out) const {
  if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
    throw_corrupt("read " + name_ + ": bytes " + std::to_string(offset) + "+" + std::to_string(out.size()) +
                  " lie beyond its end (" + std::to_string(bytes_.size()) + " bytes)");
  }
  if (!out.empty()) std::memcpy(out.data(), bytes_.data() + offset, out.size());
}

void FileSink::write(std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write", name_);
    done += static_cast<size_t>(n);
  }
  written_ += bytes.size();
}

void copy_range(const ByteSource& source, uint64_t offset, uint64_t size, ByteSink& sink) {
  std::vector<uint8_t> chunk(std::min<uint64_t>(size, 1 << 20));
  while (size > 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size, chunk.size()));
    source.read_at(offset, {chunk.data(), n});
    sink.write({chunk.data(), n});
    offset += n;
    size -= n;
  }
}

}  // namespace monocell::image
