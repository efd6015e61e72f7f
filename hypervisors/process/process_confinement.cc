// The process backend's file confinement (process_confinement.h).
#include "hypervisors/process/process_confinement.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace monocell::process_confinement {
namespace {

// Appends `value` in decimal: no snprintf between fork and exec.
size_t append_number(char* out, size_t at, uint64_t value) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) out[at++] = digits[--n];
  return at;
}

size_t append_text(char* out, size_t at, const char* text) {
  while (*text != '\0') out[at++] = *text++;
  return at;
}

int write_file(const char* path, const char* text, size_t length) {
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const ssize_t n = write(fd, text, length);
  const int error = n == static_cast<ssize_t>(length) ? 0 : (n < 0 ? errno : EIO);
  close(fd);
  return error;
}

// "ID ID 1": the user's own id is the only one in the namespace.
int map_id(const char* path, uint64_t id) {
  char line[64];
  size_t n = append_number(line, 0, id);
  line[n++] = ' ';
  n = append_number(line, n, id);
  n = append_text(line, n, " 1\n");
  return write_file(path, line, n);
}

int mount_tmp(const char* where, uint64_t tmp_bytes) {
  char options[64];
  size_t n = append_text(options, 0, "mode=1777,size=");
  n = append_number(options, n, tmp_bytes);
  options[n] = '\0';
  return mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, options) == 0 ? 0 : errno;
}

int make_read_only(const char* where) {
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  return syscall(SYS_mount_setattr, -1, where, AT_RECURSIVE, &attr, sizeof attr) == 0 ? 0 : errno;
}

// The image's directory becomes /: the host's directories bound into it, all read-only, a
// fresh /tmp, then pivot_root(".", ".") stacks the old root over the new and detaches it.
int enter_image_root(const RootPlan& root, uint64_t tmp_bytes, const char** step) {
  *step = "binding the image's directory";
  if (mount(root.dir.c_str(), root.dir.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) return errno;
  for (const RootPlan::Bind& bind : root.binds) {
    *step = "binding a host directory into the image's root";
    if (mount(bind.source.c_str(), bind.target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) return errno;
  }
  *step = "making the image's root read-only (mount_setattr)";
  if (const int e = make_read_only(root.dir.c_str()); e != 0) return e;
  *step = "mounting a tmpfs on /tmp";
  if (const int e = mount_tmp(root.tmp.c_str(), tmp_bytes); e != 0) return e;
  *step = "entering the image's root (pivot_root)";
  if (chdir(root.dir.c_str()) != 0) return errno;
  if (syscall(SYS_pivot_root, ".", ".") != 0) return errno;
  if (umount2(".", MNT_DETACH) != 0) return errno;
  if (chdir("/") != 0) return errno;
  *step = "";
  return 0;
}

}  // namespace

int confine_files(uint64_t tmp_bytes, const RootPlan* root, const char** step) {
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  if (uid == 0) {
    *step = "unshare(CLONE_NEWNS)";
    if (unshare(CLONE_NEWNS) != 0) return errno;
  } else {
    *step = "unshare(CLONE_NEWUSER | CLONE_NEWNS)";
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return errno;
    *step = "writing /proc/self/setgroups";
    if (const int e = write_file("/proc/self/setgroups", "deny", 4); e != 0) return e;
    *step = "writing /proc/self/uid_map";
    if (const int e = map_id("/proc/self/uid_map", uid); e != 0) return e;
    *step = "writing /proc/self/gid_map";
    if (const int e = map_id("/proc/self/gid_map", gid); e != 0) return e;
  }
  // Nothing mounted here reaches the host's namespace, and nothing of the host's is writable.
  *step = "making / private";
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return errno;
  if (root != nullptr) return enter_image_root(*root, tmp_bytes, step);
  *step = "making every mount read-only (mount_setattr)";
  if (const int e = make_read_only("/"); e != 0) return e;
  *step = "mounting a tmpfs on /tmp";
  if (const int e = mount_tmp("/tmp", tmp_bytes); e != 0) return e;
  *step = "";
  return 0;
}

}  // namespace monocell::process_confinement
