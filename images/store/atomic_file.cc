// Writing files atomically.
#include "images/store/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "images/format/image_error.h"

namespace monocell::image {
namespace {

std::string parent_directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

FileDescriptor create_temp(const std::string& dir, std::string* path) {
  std::string pattern = dir + "/.tmp-XXXXXX";
  const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) throw_errno("create a temporary file in", dir);
  *path = pattern;
  return FileDescriptor(fd);
}

}  // namespace

AtomicFile::AtomicFile(const std::string& temp_dir) : fd_(create_temp(temp_dir, &temp_path_)), sink_(fd_.get(), temp_path_) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : temp_path_(std::move(other.temp_path_)),
      fd_(std::move(other.fd_)),
      sink_(fd_.get(), temp_path_),
      committed_(std::exchange(other.committed_, true)) {}

AtomicFile::~AtomicFile() {
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicFile::commit(const std::string& target, unsigned mode) {
  if (::fchmod(fd_.get(), mode) != 0) throw_errno("chmod", temp_path_);
  if (::fsync(fd_.get()) != 0) throw_errno("fsync", temp_path_);
  if (::rename(temp_path_.c_str(), target.c_str()) != 0) throw_errno("rename " + temp_path_ + " to", target);
  committed_ = true;
  sync_directory(parent_directory(target));
}

void make_directories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw ImageError(ImageError::Kind::kIo, "create directory " + path + " failed: " + ec.message());
}

void sync_directory(const std::string& path) {
  FileDescriptor dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) throw_errno("open directory", path);
  if (::fsync(dir.get()) != 0 && errno != EINVAL) throw_errno("fsync directory", path);
}

}  // namespace monocell::image
