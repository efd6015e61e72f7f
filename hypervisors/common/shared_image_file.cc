// Making, finding and removing the shared read-only copies of guest images (shared_image_file.h).
#include "shared_image_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

namespace monocell {
namespace {

using image::FileDescriptor;

// The users file of the image whose copy is named KEY is KEY.users: keys have no dots.
constexpr const char* kUsersSuffix = ".users";

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

bool unchanged(const struct stat& a, const struct stat& b) {
  return same_file(a, b) && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_ctim.tv_sec == b.st_ctim.tv_sec &&
         a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

bool plain_name(const std::string& key) {
  if (key.empty() || key.size() > 200) return false;
  for (const char c : key) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Only a file this user made, that no one can write, is trusted to be one of ours.
bool trusted(const struct stat& st) {
  return S_ISREG(st.st_mode) && st.st_uid == ::geteuid() && (st.st_mode & 0222) == 0;
}

// Whether the file open as `fd` still has the name `path` (its last holder may have removed it).
bool still_named(int fd, const std::string& path) {
  struct stat held {};
  struct stat named {};
  return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && same_file(held, named);
}

// The copy at `path`, share-locked, if it is there and still named so once the lock is held.
// Sets `absent` when no file has the name.
FileDescriptor open_existing(const std::string& path, bool* absent) {
  *absent = false;
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    *absent = errno == ENOENT;
    return {};
  }
  if (::flock(fd.get(), LOCK_SH) != 0) return {};
  struct stat held {};
  if (::fstat(fd.get(), &held) != 0 || !trusted(held)) return {};
  if (!still_named(fd.get(), path)) {
    *absent = true;  // removed while we waited for the lock: make it again
    return {};
  }
  return fd;
}

// The image's users file at `path`, made if needed and share-locked. Sets `alone` when no other
// running guest held it, and `raced` when it (or its directory) was removed meanwhile.
FileDescriptor join_users(const std::string& path, bool* alone, bool* raced) {
  *alone = false;
  *raced = false;
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0400));
  if (!fd.valid()) {
    *raced = errno == ENOENT;
    return {};
  }
  *alone = ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0;
  if (!*alone && errno != EWOULDBLOCK) return {};
  // Converts our exclusive lock, or waits out another guest's brief one (joining or leaving).
  if (::flock(fd.get(), LOCK_SH) != 0) return {};
  struct stat held {};
  if (::fstat(fd.get(), &held) != 0 || !trusted(held)) return {};
  if (!still_named(fd.get(), path)) {
    *raced = true;
    return {};
  }
  return fd;
}

// Lets go of a users file or a copy; the last holder removes it, if it still has its name.
void leave(FileDescriptor& fd, const std::string& path) {
  if (!fd.valid()) return;
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0 && still_named(fd.get(), path)) ::unlink(path.c_str());
  // Let go now: the guest's RAM mapping keeps a copy (and so its lock) open until that RAM is
  // released, which a VMM may do later in the background, and a guest starting meanwhile would
  // wait on the lock.
  ::flock(fd.get(), LOCK_UN);
}

// Creates `directory` (mode 0700) if needed; true when it is a directory of this user's that
// no one else can write, so that no other user can plant a copy in it.
bool private_directory(const std::string& directory) {
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) return false;
  struct stat st {};
  return ::lstat(directory.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
         (st.st_mode & 0022) == 0;
}

bool copy_all(int from, int to, uint64_t size) {
  std::vector<char> buffer(256 << 10);
  for (uint64_t done = 0; done < size;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), size - done));
    const ssize_t got = ::pread(from, buffer.data(), want, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    for (ssize_t put = 0; put < got;) {
      const ssize_t n = ::write(to, buffer.data() + put, static_cast<size_t>(got - put));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      put += n;
    }
    done += static_cast<uint64_t>(got);
  }
  return true;
}

// Removes the copies no monitor holds any more (their last holder was killed).
void sweep_unheld(const std::string& directory, const std::string& keep) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string path = entry.path().string();
    if (path == keep) continue;
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.valid() && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) ::unlink(path.c_str());
  }
}

// Writes the copy unnamed (O_TMPFILE), share-locks it, then names it: a copy is never seen half
// written, nor torn by a source that changed (from `before`) while it was copied. Returns an
// invalid fd with `raced` set when another monitor named its copy first, or removed the directory.
FileDescriptor make_copy(const std::string& directory, const std::string& path, int source_fd, uint64_t size,
                         const struct stat& before, bool* raced) {
  *raced = false;
  FileDescriptor fd(::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0400));
  if (!fd.valid()) {
    *raced = errno == ENOENT;  // the last holder of another copy removed the directory: again
    return {};
  }
  if (!copy_all(source_fd, fd.get(), size)) return {};
  struct stat after {};
  if (::fstat(source_fd, &after) != 0 || !unchanged(before, after)) return {};
  if (::flock(fd.get(), LOCK_SH) != 0) return {};
  const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    *raced = errno == EEXIST || errno == ENOENT;
    return {};
  }
  sweep_unheld(directory, path);
  return fd;
}

}  // namespace

std::string SharedImageFile::key_for(int fd, const std::string& content_sha256) {
  if (!content_sha256.empty()) return "sha256-" + content_sha256;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return {};
  char key[160];
  std::snprintf(key, sizeof key, "file-%lx-%lx-%lx-%lx-%lx-%lx-%lx", static_cast<unsigned long>(st.st_dev),
                static_cast<unsigned long>(st.st_ino), static_cast<unsigned long>(st.st_size),
                static_cast<unsigned long>(st.st_mtim.tv_sec), static_cast<unsigned long>(st.st_mtim.tv_nsec),
                static_cast<unsigned long>(st.st_ctim.tv_sec), static_cast<unsigned long>(st.st_ctim.tv_nsec));
  return key;
}

std::optional<SharedImageFile> SharedImageFile::join(const std::string& directory, const std::string& key,
                                                     int source_fd, uint64_t size) {
  if (directory.empty() || !plain_name(key)) return std::nullopt;
  struct stat before {};
  if (::fstat(source_fd, &before) != 0) return std::nullopt;
  SharedImageFile shared(directory, key);
  const std::string copy_path = directory + "/" + key;
  // A few rounds at most: each lost race means another monitor has just made or removed a file.
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (!private_directory(directory)) break;
    bool raced = false;
    if (!shared.users_.valid()) {
      bool alone = false;
      shared.users_ = join_users(copy_path + kUsersSuffix, &alone, &raced);
      if (!shared.users_.valid() && raced) continue;
      if (!shared.users_.valid()) break;
      if (alone) return shared;
    }
    bool absent = false;
    FileDescriptor fd = open_existing(copy_path, &absent);
    if (!fd.valid() && absent) {
      fd = make_copy(directory, copy_path, source_fd, size, before, &raced);
      if (!fd.valid() && raced) continue;
    }
    struct stat copy {};
    if (!fd.valid() || ::fstat(fd.get(), &copy) != 0 || static_cast<uint64_t>(copy.st_size) != size) break;
    shared.copy_ = std::move(fd);
    return shared;
  }
  ::rmdir(directory.c_str());  // when this call made it and nothing else is in it
  return std::nullopt;         // `shared` lets go of the users file, if it holds it
}

void SharedImageFile::remove_unheld(const std::string& directory) {
  sweep_unheld(directory, "");
  ::rmdir(directory.c_str());  // fails, harmlessly, while a copy is held
}

SharedImageFile::~SharedImageFile() {
  if (!users_.valid() && !copy_.valid()) return;  // moved from
  const std::string copy_path = directory_ + "/" + key_;
  leave(copy_, copy_path);
  leave(users_, copy_path + kUsersSuffix);
  ::rmdir(directory_.c_str());  // fails, harmlessly, while another image's files are in it
}

}  // namespace monocell
