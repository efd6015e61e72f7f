// The store's flock.
#include "images/store/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "images/format/image_error.h"
#include "images/store/atomic_file.h"

namespace monocell::image {

namespace {

// Opens the lock file, making the store's root first if there is none yet.
int open_lock_file(const std::string& lock_path) {
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0 || errno != ENOENT) return fd;
  make_directories(lock_path.substr(0, lock_path.rfind('/')));
  return ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

}  // namespace

StoreLock::StoreLock(const std::string& lock_path, Mode mode) : fd_(open_lock_file(lock_path)) {
  // A store another user owns can still be read: a shared flock needs only a readable file.
  if (!fd_.valid() && errno == EACCES && mode == Mode::kShared) fd_.reset(::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_.valid()) throw_errno("open the image store's lock", lock_path);
  const int operation = mode == Mode::kShared ? LOCK_SH : LOCK_EX;
  while (::flock(fd_.get(), operation) != 0) {
    if (errno != EINTR) throw_errno("lock", lock_path);
  }
}

}  // namespace monocell::image
