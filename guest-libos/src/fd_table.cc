// The process's file descriptors (fd_table.h): a fixed table, and open files from a fixed pool
// as large, so no descriptor operation ever allocates.
#include "fd_table.h"

#include <linux/errno.h>

#include "freestanding.h"

namespace monocell::libos {
namespace {

struct Slot {
  OpenFile* file;
  bool close_on_exec;
};

Slot g_fds[kMaxFds];
OpenFile g_files[kMaxFds + 3];
bool g_initialized = false;

// 0, 1 and 2 are the console's until the app closes or replaces them.
void ensure_initialized() {
  if (g_initialized) return;
  g_initialized = true;
  for (uint8_t i = 0; i < 3; ++i) {
    OpenFile& f = g_files[i];
    f.refs = 1;
    f.kind = FileKind::kConsole;
    f.console = i;
    f.flags = i == 0 ? 0 /* O_RDONLY */ : 1 /* O_WRONLY */;
    g_fds[i].file = &f;
  }
}

}  // namespace

OpenFile* file_new() {
  ensure_initialized();
  for (OpenFile& f : g_files) {
    if (f.kind != FileKind::kFree) continue;
    zero_bytes(&f, sizeof f);
    f.refs = 1;
    f.kind = FileKind::kNode;
    return &f;
  }
  return nullptr;
}

void file_put(OpenFile* file) {
  if (file == nullptr || file->refs == 0) return;
  if (--file->refs != 0) return;
  if (file->kind == FileKind::kNode && file->node != nullptr) vfs::node_release(file->node);
  file->kind = FileKind::kFree;
  file->node = nullptr;
}

int64_t fd_install(OpenFile* file, bool close_on_exec, uint64_t lowest) {
  ensure_initialized();
  for (uint64_t fd = lowest; fd < kMaxFds; ++fd) {
    if (g_fds[fd].file != nullptr) continue;
    g_fds[fd] = Slot{file, close_on_exec};
    return static_cast<int64_t>(fd);
  }
  file_put(file);
  return -EMFILE;
}

OpenFile* fd_get(uint64_t fd) {
  ensure_initialized();
  return fd < kMaxFds ? g_fds[fd].file : nullptr;
}

int64_t fd_close(uint64_t fd) {
  OpenFile* file = fd_get(fd);
  if (file == nullptr) return -EBADF;
  g_fds[fd] = Slot{nullptr, false};
  file_put(file);
  return 0;
}

int64_t fd_dup(uint64_t fd, uint64_t lowest, bool close_on_exec) {
  OpenFile* file = fd_get(fd);
  if (file == nullptr) return -EBADF;
  if (lowest >= kMaxFds) return -EINVAL;
  ++file->refs;
  return fd_install(file, close_on_exec, lowest);
}

int64_t fd_dup_to(uint64_t fd, uint64_t new_fd, bool close_on_exec) {
  OpenFile* file = fd_get(fd);
  if (file == nullptr || new_fd >= kMaxFds) return -EBADF;
  ++file->refs;
  OpenFile* old = g_fds[new_fd].file;
  g_fds[new_fd] = Slot{file, close_on_exec};
  file_put(old);
  return static_cast<int64_t>(new_fd);
}

bool fd_close_on_exec(uint64_t fd) { return fd_get(fd) != nullptr && g_fds[fd].close_on_exec; }

void fd_set_close_on_exec(uint64_t fd, bool close_on_exec) {
  if (fd_get(fd) != nullptr) g_fds[fd].close_on_exec = close_on_exec;
}

}  // namespace monocell::libos
