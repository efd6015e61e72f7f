// File syscalls: the descriptors (fd_table.h) over the console (console.h), the file tree
// (vfs.h) and the devices (dev_files.h). Every pointer and length the app passes is checked
// here before the libOS touches it; paths are copied into libOS memory first, so the app cannot
// change one while it is walked.
#include <asm/stat.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/stat.h>

#include "boot_info.h"
#include "console.h"
#include "dev_files.h"
#include "fd_table.h"
#include "freestanding.h"
#include "page_pool.h"
#include "pvclock.h"
#include "syscalls.h"
#include "vfs.h"

namespace monocell::libos {
namespace {

constexpr int32_t kAtFdCwd = -100;
constexpr uint64_t kMaxRw = 0x7ffff000;  // Linux's MAX_RW_COUNT: longer reads and writes are short
constexpr uint64_t kMaxIov = 1024;  // IOV_MAX
// Status flags F_SETFL may change; the others stay as open set them.
constexpr uint32_t kSettableFlags = O_APPEND | O_NONBLOCK | O_NOATIME | O_DIRECT | 020000 /* O_ASYNC */;
// Flags that act at open time only and F_GETFL does not report.
constexpr uint32_t kOpenOnlyFlags = O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC;

// One vCPU, one thread: the paths a syscall copies in live here, not on the syscall stack.
char g_path[vfs::kPathMax];
char g_second_path[vfs::kPathMax];

bool g_tree_ready = false;
vfs::Node* g_cwd = nullptr;

void* take_pool_page() { return reinterpret_cast<void*>(page_pool().map(vfs::kPageSize)); }

uint64_t realtime_ns() { return kvmclock_ns() + static_cast<uint64_t>(boot_info().realtime_offset_ns); }

// The tree is built at the first file syscall; /tmp may take half the guest's heap, as Linux's
// tmpfs takes half the RAM.
int64_t ensure_tree() {
  if (g_tree_ready) return 0;
  const uint64_t heap = boot_info().heap_end > boot_info().heap_start ? boot_info().heap_end - boot_info().heap_start : 0;
  vfs::TreeConfig config{
      .pages = {take_pool_page},
      .now_ns = realtime_ns,
      .exe_path = boot_info().exe_path,
      .tmp_page_limit = heap / 2 / vfs::kPageSize,
      .file_tree = nullptr,
      .file_tree_size = 0,
  };
  const boot::BootInfo& info = boot_info();
  for (uint32_t i = 0; i < info.memory_range_count && i < boot::kMaxMemoryRanges; ++i) {
    const boot::MemoryRange& range = info.memory_map[i];
    if (range.type != static_cast<uint32_t>(boot::MemoryType::kFileTree)) continue;
    config.file_tree = reinterpret_cast<const void*>(range.gpa);
    config.file_tree_size = range.size;
  }
  const int64_t rc = vfs::tree_init(config);
  if (rc < 0) return rc;
  g_cwd = vfs::root();
  vfs::node_hold(g_cwd);
  g_tree_ready = true;
  return 0;
}

// Copies the NUL-terminated path at `address` into `out` (kPathMax bytes).
int64_t copy_path(uint64_t address, char* out) {
  if (!user_range_ok(address, 1)) return -EFAULT;
  const uint64_t room = boot_info().ram_size - address;
  const uint64_t max = room < vfs::kPathMax ? room : vfs::kPathMax;
  const char* p = reinterpret_cast<const char*>(address);
  for (uint64_t i = 0; i < max; ++i) {
    out[i] = p[i];
    if (out[i] == '\0') return 0;
  }
  return max == vfs::kPathMax ? -ENAMETOOLONG : -EFAULT;
}

// The directory a relative path starts from: the working directory, or `dirfd`'s. Absolute
// paths ignore `dirfd`, as on Linux.
int64_t base_of(uint64_t dirfd, const char* path, vfs::Node** base) {
  *base = g_cwd;
  if (path[0] == '/' || static_cast<int32_t>(dirfd) == kAtFdCwd) return 0;
  const OpenFile* file = fd_get(dirfd);
  if (file == nullptr) return -EBADF;
  if (file->kind != FileKind::kNode || file->node->kind != vfs::NodeKind::kDirectory) return -ENOTDIR;
  *base = file->node;
  return 0;
}

// Copies the path in and finds where it starts: what every *at syscall does first.
int64_t path_and_base(uint64_t dirfd, uint64_t path, char* buffer, vfs::Node** base) {
  int64_t rc = ensure_tree();
  if (rc == 0) rc = copy_path(path, buffer);
  if (rc == 0) rc = base_of(dirfd, buffer, base);
  return rc;
}

bool readable(const OpenFile* f) { return (f->flags & O_PATH) == 0 && (f->flags & O_ACCMODE) != O_WRONLY; }
bool writable(const OpenFile* f) { return (f->flags & O_PATH) == 0 && (f->flags & O_ACCMODE) != O_RDONLY; }

// One read or write of `length` bytes at `buffer`; `at` < 0 uses and moves the file's offset.
int64_t transfer(OpenFile* f, bool write, uint64_t buffer, uint64_t length, int64_t at) {
  if (write ? !writable(f) : !readable(f)) return -EBADF;
  if (length > kMaxRw) length = kMaxRw;
  if (f->kind == FileKind::kConsole) {
    if (at >= 0) return -ESPIPE;
    if (!write) return 0;  // stdin is empty: input arrives on the rings, not here
    return console_write(f->console, buffer, length);
  }
  vfs::Node* node = f->node;
  if (node->kind == vfs::NodeKind::kDirectory) return -EISDIR;
  if (length == 0) return 0;
  if (!user_range_ok(buffer, length)) return -EFAULT;
  void* data = reinterpret_cast<void*>(buffer);
  if (node->kind == vfs::NodeKind::kDevice) {
    return write ? vfs::device_write(node->device, length) : vfs::device_read(node->device, data, length);
  }
  if (node->kind != vfs::NodeKind::kFile) return -EINVAL;
  uint64_t offset = at >= 0 ? static_cast<uint64_t>(at) : f->offset;
  // O_APPEND writes at the end, pwrite's too (as Linux does, against POSIX).
  if (write && (f->flags & O_APPEND) != 0) offset = node->size;
  const int64_t n = write ? vfs::file_write(node, offset, data, length) : vfs::file_read(node, offset, data, length);
  if (n > 0 && at < 0) f->offset = offset + static_cast<uint64_t>(n);
  return n;
}

struct UserIoVec {
  uint64_t base;
  uint64_t len;
};

// readv, writev, preadv, pwritev on a file: one iovec at a time, each copied in and checked;
// a bad one after the first ends the call short, as Linux's partial transfers do.
int64_t transfer_vector(OpenFile* f, bool write, uint64_t iov_address, uint64_t iovcnt, int64_t at) {
  if (iovcnt > kMaxIov) return -EINVAL;
  if (iovcnt == 0) return 0;
  if (!user_range_ok(iov_address, iovcnt * sizeof(UserIoVec))) return -EFAULT;
  if (f->kind == FileKind::kConsole && write && at < 0 && writable(f)) {
    return console_writev(f->console, iov_address, iovcnt);
  }
  const auto* user_iov = reinterpret_cast<const UserIoVec*>(iov_address);
  uint64_t total = 0;
  for (uint64_t i = 0; i < iovcnt; ++i) {
    UserIoVec v;
    copy_bytes(&v, &user_iov[i], sizeof v);
    if (v.len == 0) continue;
    const int64_t n = transfer(f, write, v.base, v.len, at >= 0 ? at + static_cast<int64_t>(total) : at);
    if (n < 0) return total > 0 ? static_cast<int64_t>(total) : n;
    total += static_cast<uint64_t>(n);
    if (static_cast<uint64_t>(n) < v.len || total >= kMaxRw) break;
  }
  return static_cast<int64_t>(total);
}

int64_t stat_of(const OpenFile* f, vfs::NodeStat* st) {
  if (f->kind == FileKind::kConsole) {
    console_stat(f->console, st);
  } else {
    vfs::stat(f->node, st);
  }
  return 0;
}

void to_linux_stat(const vfs::NodeStat& s, struct stat* out) {
  zero_bytes(out, sizeof *out);
  out->st_dev = s.dev;
  out->st_ino = s.ino;
  out->st_mode = s.mode;
  out->st_nlink = s.nlink;
  out->st_rdev = s.rdev;
  out->st_size = static_cast<long>(s.size);
  out->st_blksize = 4096;  // stdio buffers this much between syscalls
  out->st_blocks = static_cast<long>(s.blocks);
  out->st_atime = static_cast<long>(s.atime_ns / 1000000000);
  out->st_atime_nsec = s.atime_ns % 1000000000;
  out->st_mtime = static_cast<long>(s.mtime_ns / 1000000000);
  out->st_mtime_nsec = s.mtime_ns % 1000000000;
  out->st_ctime = static_cast<long>(s.ctime_ns / 1000000000);
  out->st_ctime_nsec = s.ctime_ns % 1000000000;
}

void to_statx_time(uint64_t ns, struct statx_timestamp* out) {
  out->tv_sec = static_cast<int64_t>(ns / 1000000000);
  out->tv_nsec = static_cast<uint32_t>(ns % 1000000000);
}

void to_statx(const vfs::NodeStat& s, struct statx* out) {
  zero_bytes(out, sizeof *out);
  out->stx_mask = STATX_BASIC_STATS;
  out->stx_blksize = 4096;
  out->stx_nlink = s.nlink;
  out->stx_mode = static_cast<uint16_t>(s.mode);
  out->stx_ino = s.ino;
  out->stx_size = s.size;
  out->stx_blocks = s.blocks;
  to_statx_time(s.atime_ns, &out->stx_atime);
  to_statx_time(s.mtime_ns, &out->stx_mtime);
  to_statx_time(s.ctime_ns, &out->stx_ctime);
  out->stx_rdev_major = static_cast<uint32_t>(s.rdev >> 8);
  out->stx_rdev_minor = static_cast<uint32_t>(s.rdev & 0xff);
  out->stx_dev_major = 0;
  out->stx_dev_minor = static_cast<uint32_t>(s.dev);
}

// The node a stat-like call names: `path` from `dirfd`, or with AT_EMPTY_PATH and an empty
// path the descriptor itself. Fills `st`.
int64_t stat_path(uint64_t dirfd, uint64_t path, uint64_t flags, vfs::NodeStat* st) {
  int64_t rc = ensure_tree();
  if (rc == 0) rc = copy_path(path, g_path);
  if (rc < 0) return rc;
  if (g_path[0] == '\0' && (flags & AT_EMPTY_PATH) != 0) {
    if (static_cast<int32_t>(dirfd) == kAtFdCwd) {
      vfs::stat(g_cwd, st);
      return 0;
    }
    const OpenFile* f = fd_get(dirfd);
    return f == nullptr ? -EBADF : stat_of(f, st);
  }
  vfs::Node* base = nullptr;
  rc = base_of(dirfd, g_path, &base);
  vfs::Node* node = nullptr;
  if (rc == 0) rc = vfs::lookup(base, g_path, (flags & AT_SYMLINK_NOFOLLOW) == 0, &node);
  if (rc < 0) return rc;
  vfs::stat(node, st);
  vfs::node_release(node);
  return 0;
}

uint8_t dirent_type(vfs::NodeKind kind) {
  switch (kind) {
    case vfs::NodeKind::kDirectory: return 4;  // DT_DIR
    case vfs::NodeKind::kFile: return 8;  // DT_REG
    case vfs::NodeKind::kSymlink: return 10;  // DT_LNK
    case vfs::NodeKind::kDevice: return 2;  // DT_CHR
  }
  return 0;
}

// Appends one linux_dirent64 at `out + used`; false when it does not fit.
bool put_dirent(uint8_t* out, uint64_t room, uint64_t* used, uint64_t ino, uint64_t next_offset, uint8_t type,
                const char* name) {
  const uint64_t name_length = string_length(name, vfs::kNameMax);
  const uint64_t length = (19 + name_length + 1 + 7) & ~uint64_t{7};
  if (room - *used < length) return false;
  uint8_t* d = out + *used;
  zero_bytes(d, length);
  copy_bytes(d, &ino, 8);
  copy_bytes(d + 8, &next_offset, 8);
  const uint16_t reclen = static_cast<uint16_t>(length);
  copy_bytes(d + 16, &reclen, 2);
  d[18] = type;
  copy_bytes(d + 19, name, name_length);
  *used += length;
  return true;
}

}  // namespace

SysResult sys_read(uint64_t fd, uint64_t buffer, uint64_t count) {
  OpenFile* f = fd_get(fd);
  return f == nullptr ? -EBADF : transfer(f, false, buffer, count, -1);
}

SysResult sys_write(uint64_t fd, uint64_t buffer, uint64_t count) {
  OpenFile* f = fd_get(fd);
  return f == nullptr ? -EBADF : transfer(f, true, buffer, count, -1);
}

SysResult sys_pread64(uint64_t fd, uint64_t buffer, uint64_t count, uint64_t offset) {
  OpenFile* f = fd_get(fd);
  if (f == nullptr) return -EBADF;
  if (static_cast<int64_t>(offset) < 0) return -EINVAL;
  return transfer(f, false, buffer, count, static_cast<int64_t>(offset));
}

SysResult sys_pwrite64(uint64_t fd, uint64_t buffer, uint64_t count, uint64_t offset) {
  OpenFile* f = fd_get(fd);
  if (f == nullptr) return -EBADF;
  if (static_cast<int64_t>(offset) < 0) return -EINVAL;
  return transfer(f, true, buffer, count, static_cast<int64_t>(offset));
}

SysResult sys_readv(uint64_t fd, uint64_t iov, uint64_t iovcnt) {
  OpenFile* f = fd_get(fd);
  return f == nullptr ? -EBADF : transfer_vector(f, false, iov, iovcnt, -1);
}

SysResult sys_writev(uint64_t fd, uint64_t iov, uint64_t iovcnt) {
  OpenFile* f = fd_get(fd);
  return f == nullptr ? -EBADF : transfer_vector(f, true, iov, iovcnt, -1);
}

SysResult sys_preadv(uint64_t fd, uint64_t iov, uint64_t iovcnt, uint64_t offset) {
  OpenFile* f = fd_get(fd);
  if (f == nullptr) return -EBADF;
  if (static_cast<int64_t>(offset) < 0) return -EINVAL;
  return transfer_vector(f, false, iov, iovcnt, static_cast<int64_t>(offset));
}

SysResult sys_pwritev(uint64_t fd, uint64_t iov, uint64_t iovcnt, uint64_t offset) {
  OpenFile* f = fd_get(fd);
  if (f == nullptr) return -EBADF;
  if (static_cast<int64_t>(offset) < 0) return -EINVAL;
  return transfer_vector(f, true, iov, iovcnt, static_cast<int64_t>(offset));
}

SysResult sys_lseek(uint64_t fd, uint64_t offset, uint64_t whence) {
  OpenFile* f = fd_get(fd);
  if (f == nullptr) return -EBADF;
  if (f->kind == FileKind::kConsole) return -ESPIPE;
  if ((f->flags & O_PATH) != 0) return -EBADF;
  const vfs::Node* node = f->node;
  const auto signed_offset = static_cast<int64_t>(offset);
  if (node->kind == vfs::NodeKind::kDevice) return 0;  // as /dev/null and /dev/zero answer on Linux
  if (node->kind == vfs::NodeKind::kDirectory) {
    // A directory's offset is a getdents64 cookie (telldir/seekdir): only set or rewound.
    if (whence != SEEK_SET || signed_offset < 0) return -EINVAL;
    f->offset = offset;
    return signed_offset;
  }
  int64_t base;
  switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = static_cast<int64_t>(f->offset); break;
    case SEEK_END: base = static_cast<int64_t>(node->size); break;
    case SEEK_DATA:
    case SEEK_HOLE:
      // Holes are not reported: all of a file is data, and its end the one hole.
      if (signed_offset < 0) return -EINVAL;
      if (offset >= node->size) return -ENXIO;
      f->offset = whence == SEEK_DATA ? offset : node->size;
      return static_cast<int64_t>(f->offset);
    default: return -EINVAL;
  }
  int64_t result;
  if (__builtin_add_overflow(base, signed_offset, &result)) return -EOVERFLOW;
  if (result < 0) return -EINVAL;
  f->offset = static_cast<uint64_t>(result);
  return result;
}

SysResult sys_openat(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mode) {
  vfs::Node* base = nullptr;
  int64_t rc = path_and_base(dirfd, path, g_path, &base);
  if (rc < 0) return rc;
  auto open_flags = static_cast<uint32_t>(flags);
  if ((open_flags & O_PATH) != 0) open_flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  OpenFile* f = file_new();
  if (f == nullptr) return -ENFILE;
  vfs::Node* node = nullptr;
  rc = vfs::open(base, g_path, open_flags, static_cast<uint32_t>(mode), &node);
  if (rc < 0) {
    file_put(f);
    return rc;
  }
  f->node = node;
  f->flags = (open_flags & ~kOpenOnlyFlags) | O_LARGEFILE;
  return fd_install(f, (open_flags & O_CLOEXEC) != 0);
}

SysResult sys_close(uint64_t fd) { return fd_close(fd); }

SysResult sys_dup(uint64_t fd) { return fd_dup(fd, 0, false); }

SysResult sys_dup2(uint64_t fd, uint64_t new_fd) {
  if (fd == new_fd) return fd_get(fd) != nullptr ? static_cast<SysResult>(fd) : -EBADF;
  return fd_dup_to(fd, new_fd, false);
}

SysResult sys_dup3(uint64_t fd, uint64_t new_fd, uint64_t flags) {
  if ((flags & ~uint64_t{O_CLOEXEC}) != 0 || fd == new_fd) return -EINVAL;
  return fd_dup_to(fd, new_fd, (flags & O_CLOEXEC) != 0);
}

SysResult sys_fcntl(uint64_t fd, uint64_t command, uint64_t argument) {
  OpenFile* f = fd_get(fd);
  if (f == nullptr) return -EBADF;
  switch (command) {
    case F_DUPFD: return fd_dup(fd, argument, false);
    case F_DUPFD_CLOEXEC: return fd_dup(fd, argument, true);
    case F_GETFD: return fd_close_on_exec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD: fd_set_close_on_exec(fd, (argument & FD_CLOEXEC) != 0); return 0;
    case F_GETFL: return f->flags;
    case F_SETFL:
      if ((f->flags & O_PATH) != 0) return -EBADF;
      f->flags = (f->flags & ~kSettableFlags) | (static_cast<uint32_t>(argument) & kSettableFlags);
      return 0;
    default: return -EINVAL;
  }
}

SysResult sys_fstat(uint64_t fd, uint64_t stat_buffer) {
  const OpenFile* f = fd_get(fd);
  if (f == nullptr) return -EBADF;
  auto* out = reinterpret_cast<struct stat*>(stat_buffer);
  if (!user_object_ok(out)) return -EFAULT;
  vfs::NodeStat st;
  stat_of(f, &st);
  to_linux_stat(st, out);
  return 0;
}

SysResult sys_newfstatat(uint64_t dirfd, uint64_t path, uint64_t stat_buffer, uint64_t flags) {
  if ((flags & ~uint64_t{AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT}) != 0) return -EINVAL;
  auto* out = reinterpret_cast<struct stat*>(stat_buffer);
  if (!user_object_ok(out)) return -EFAULT;
  vfs::NodeStat st;
  const int64_t rc = stat_path(dirfd, path, flags, &st);
  if (rc < 0) return rc;
  to_linux_stat(st, out);
  return 0;
}

SysResult sys_statx(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mask, uint64_t buffer) {
  (void)mask;  // the basic stats are all there is; more is allowed in the reply
  if ((flags & ~uint64_t{AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE}) != 0) {
    return -EINVAL;
  }
  auto* out = reinterpret_cast<struct statx*>(buffer);
  if (!user_object_ok(out)) return -EFAULT;
  vfs::NodeStat st;
  const int64_t rc = stat_path(dirfd, path, flags, &st);
  if (rc < 0) return rc;
  to_statx(st, out);
  return 0;
}

SysResult sys_getdents64(uint64_t fd, uint64_t buffer, uint64_t count) {
  OpenFile* f = fd_get(fd);
  if (f == nullptr || (f->flags & O_PATH) != 0) return -EBADF;
  if (f->kind != FileKind::kNode || f->node->kind != vfs::NodeKind::kDirectory) return -ENOTDIR;
  if (count > kMaxRw) count = kMaxRw;
  if (!user_range_ok(buffer, count)) return -EFAULT;
  vfs::Node* dir = f->node;
  auto* out = reinterpret_cast<uint8_t*>(buffer);
  uint64_t used = 0;
  // Offsets: 1 after ".", 2 after "..", then 2 + the cookie of the last entry given.
  if (!dir->linked) return 0;  // a removed directory lists nothing, not even "." and ".."
  if (f->offset < 1) {
    if (!put_dirent(out, count, &used, dir->ino, 1, 4, ".")) return -EINVAL;
    f->offset = 1;
  }
  if (f->offset < 2) {
    const vfs::Node* up = dir->parent != nullptr ? dir->parent : dir;
    if (!put_dirent(out, count, &used, up->ino, 2, 4, "..")) return used == 0 ? -EINVAL : static_cast<SysResult>(used);
    f->offset = 2;
  }
  for (const vfs::Node* child = vfs::dir_next(dir, f->offset - 2); child != nullptr;
       child = vfs::dir_next(dir, child->cookie)) {
    if (!put_dirent(out, count, &used, child->ino, child->cookie + 2, dirent_type(child->kind), child->name)) {
      if (used == 0) return -EINVAL;  // not even one entry fits
      break;
    }
    f->offset = child->cookie + 2;
  }
  return static_cast<SysResult>(used);
}

SysResult sys_faccessat(uint64_t dirfd, uint64_t path, uint64_t mode, uint64_t flags) {
  if ((mode & ~uint64_t{7}) != 0) return -EINVAL;
  if ((flags & ~uint64_t{AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH}) != 0) return -EINVAL;
  vfs::NodeStat st;
  const int64_t rc = stat_path(dirfd, path, flags, &st);
  if (rc < 0) return rc;
  // The app is root: it may read and write anything, and run what has an execute bit.
  const uint32_t type = st.mode & 0170000;
  if ((mode & 2) != 0 && type != 0020000 && st.dev == vfs::root()->fs->dev) return -EROFS;
  if ((mode & 1) != 0 && type != 0040000 && (st.mode & 0111) == 0) return -EACCES;
  return 0;
}

SysResult sys_readlinkat(uint64_t dirfd, uint64_t path, uint64_t buffer, uint64_t size) {
  if (static_cast<int32_t>(size) <= 0) return -EINVAL;
  vfs::Node* base = nullptr;
  int64_t rc = path_and_base(dirfd, path, g_path, &base);
  if (rc < 0) return rc;
  rc = vfs::readlink(base, g_path, g_second_path, size < vfs::kPathMax ? size : vfs::kPathMax);
  if (rc < 0) return rc;
  if (!user_range_ok(buffer, static_cast<uint64_t>(rc))) return -EFAULT;
  copy_bytes(reinterpret_cast<void*>(buffer), g_second_path, static_cast<uint64_t>(rc));
  return rc;  // readlink does not NUL-terminate
}

SysResult sys_getcwd(uint64_t buffer, uint64_t size) {
  int64_t rc = ensure_tree();
  if (rc < 0) return rc;
  rc = vfs::path_of(g_cwd, g_path, size < vfs::kPathMax ? size : vfs::kPathMax);
  if (rc < 0) return rc;
  if (!user_range_ok(buffer, static_cast<uint64_t>(rc))) return -EFAULT;
  copy_bytes(reinterpret_cast<void*>(buffer), g_path, static_cast<uint64_t>(rc));
  return rc;
}

namespace {
SysResult change_directory(vfs::Node* node) {
  if (node->kind != vfs::NodeKind::kDirectory) return -ENOTDIR;
  vfs::node_hold(node);
  vfs::node_release(g_cwd);
  g_cwd = node;
  return 0;
}
}  // namespace

SysResult sys_chdir(uint64_t path) {
  vfs::Node* base = nullptr;
  int64_t rc = path_and_base(static_cast<uint64_t>(kAtFdCwd), path, g_path, &base);
  vfs::Node* node = nullptr;
  if (rc == 0) rc = vfs::lookup(base, g_path, true, &node);
  if (rc < 0) return rc;
  rc = change_directory(node);
  vfs::node_release(node);
  return rc;
}

SysResult sys_fchdir(uint64_t fd) {
  const OpenFile* f = fd_get(fd);
  if (f == nullptr) return -EBADF;
  if (f->kind != FileKind::kNode) return -ENOTDIR;
  return change_directory(f->node);
}

SysResult sys_ftruncate(uint64_t fd, uint64_t length) {
  const OpenFile* f = fd_get(fd);
  if (f == nullptr || (f->flags & O_PATH) != 0) return -EBADF;
  if (static_cast<int64_t>(length) < 0) return -EINVAL;
  if (f->kind != FileKind::kNode || f->node->kind != vfs::NodeKind::kFile || !writable(f)) return -EINVAL;
  return vfs::file_truncate(f->node, length);
}

SysResult sys_truncate(uint64_t path, uint64_t length) {
  if (static_cast<int64_t>(length) < 0) return -EINVAL;
  vfs::Node* base = nullptr;
  int64_t rc = path_and_base(static_cast<uint64_t>(kAtFdCwd), path, g_path, &base);
  vfs::Node* node = nullptr;
  if (rc == 0) rc = vfs::lookup(base, g_path, true, &node);
  if (rc < 0) return rc;
  if (node->kind == vfs::NodeKind::kDirectory) {
    rc = -EISDIR;
  } else if (node->kind != vfs::NodeKind::kFile) {
    rc = -EINVAL;
  } else if (node->fs->read_only) {
    rc = -EROFS;
  } else {
    rc = vfs::file_truncate(node, length);
  }
  vfs::node_release(node);
  return rc;
}

SysResult sys_renameat2(uint64_t old_dirfd, uint64_t old_path, uint64_t new_dirfd, uint64_t new_path,
                        uint64_t flags) {
  vfs::Node* old_base = nullptr;
  vfs::Node* new_base = nullptr;
  int64_t rc = path_and_base(old_dirfd, old_path, g_path, &old_base);
  if (rc == 0) rc = path_and_base(new_dirfd, new_path, g_second_path, &new_base);
  if (rc < 0) return rc;
  return vfs::rename(old_base, g_path, new_base, g_second_path, static_cast<uint32_t>(flags));
}

SysResult sys_unlinkat(uint64_t dirfd, uint64_t path, uint64_t flags) {
  if ((flags & ~uint64_t{AT_REMOVEDIR}) != 0) return -EINVAL;
  vfs::Node* base = nullptr;
  const int64_t rc = path_and_base(dirfd, path, g_path, &base);
  if (rc < 0) return rc;
  return (flags & AT_REMOVEDIR) != 0 ? vfs::rmdir(base, g_path) : vfs::unlink(base, g_path);
}

SysResult sys_mkdirat(uint64_t dirfd, uint64_t path, uint64_t mode) {
  vfs::Node* base = nullptr;
  const int64_t rc = path_and_base(dirfd, path, g_path, &base);
  if (rc < 0) return rc;
  return vfs::mkdir(base, g_path, static_cast<uint32_t>(mode));
}

SysResult sys_symlinkat(uint64_t target, uint64_t dirfd, uint64_t path) {
  vfs::Node* base = nullptr;
  int64_t rc = path_and_base(dirfd, path, g_path, &base);
  if (rc == 0) rc = copy_path(target, g_second_path);
  if (rc < 0) return rc;
  return vfs::symlink(g_second_path, base, g_path);
}

SysResult sys_fchmod(uint64_t fd, uint64_t mode) {
  const OpenFile* f = fd_get(fd);
  if (f == nullptr || (f->flags & O_PATH) != 0) return -EBADF;
  if (f->kind != FileKind::kNode) return 0;  // the console's mode is not kept
  return vfs::chmod(f->node, static_cast<uint32_t>(mode));
}

SysResult sys_fchmodat(uint64_t dirfd, uint64_t path, uint64_t mode) {
  vfs::Node* base = nullptr;
  int64_t rc = path_and_base(dirfd, path, g_path, &base);
  vfs::Node* node = nullptr;
  if (rc == 0) rc = vfs::lookup(base, g_path, true, &node);
  if (rc < 0) return rc;
  rc = vfs::chmod(node, static_cast<uint32_t>(mode));
  vfs::node_release(node);
  return rc;
}

SysResult sys_umask(uint64_t mask) { return vfs::set_umask(static_cast<uint32_t>(mask)); }

SysResult sys_fsync(uint64_t fd) { return fd_get(fd) != nullptr ? 0 : -EBADF; }

SysResult sys_ioctl(uint64_t fd, uint64_t request, uint64_t argument) {
  (void)request;  // TCGETS and all others: not a terminal, so stdio buffers fully
  (void)argument;
  return fd_get(fd) != nullptr ? -ENOTTY : -EBADF;
}

SysResult sys_fadvise64(uint64_t fd, uint64_t offset, uint64_t length, uint64_t advice) {
  (void)offset;
  (void)length;
  const OpenFile* f = fd_get(fd);
  if (f == nullptr) return -EBADF;
  if (f->kind == FileKind::kConsole) return -ESPIPE;
  return advice <= 5 ? 0 : -EINVAL;  // advice is only advice: memory is all there is
}

// A file's pages are a copy of its bytes taken at mmap: right for MAP_PRIVATE, and for a
// read-only MAP_SHARED as long as nobody writes the file meanwhile. A writable shared mapping
// would have to reach the file, which a copy cannot: refused. /dev/zero maps zeros.
SysResult file_map_check(uint64_t fd, uint64_t offset, uint64_t flags, uint64_t prot) {
  const OpenFile* f = fd_get(fd);
  if (f == nullptr || (f->flags & O_PATH) != 0) return -EBADF;
  if (offset % vfs::kPageSize != 0) return -EINVAL;
  if (f->kind != FileKind::kNode) return -ENODEV;
  const vfs::Node* node = f->node;
  const bool zero_device = node->kind == vfs::NodeKind::kDevice && node->device == vfs::Device::kZero;
  if (node->kind != vfs::NodeKind::kFile && !zero_device) return -ENODEV;
  if (!readable(f)) return -EACCES;
  const uint64_t type = flags & MAP_TYPE;
  if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE) return -EINVAL;
  if (type != MAP_PRIVATE && (prot & PROT_WRITE) != 0 && !zero_device) return -ENODEV;
  return 0;
}

void file_map_fill(uint64_t fd, uint64_t offset, uint64_t address, uint64_t length) {
  const OpenFile* f = fd_get(fd);
  if (f == nullptr || f->kind != FileKind::kNode || f->node->kind != vfs::NodeKind::kFile) return;
  // Past the end of the file the fresh pages stay zero.
  vfs::file_read(f->node, offset, reinterpret_cast<void*>(address), length);
}

}  // namespace monocell::libos
