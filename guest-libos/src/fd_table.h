// The process's file descriptors and the open files they share (dup gives one open file two
// numbers, with one offset). Descriptors 0, 1 and 2 start as the console: stdin at end of
// file, stdout and stderr to the host (sys_io.cc). 1024 of them, as RLIMIT_NOFILE says.
#pragma once

#include <stdint.h>

#include "tmpfs.h"

namespace monocell::libos {

constexpr uint32_t kMaxFds = 1024;

enum class FileKind : uint8_t { kFree, kConsole, kNode };

struct OpenFile {
  uint32_t refs;
  FileKind kind;
  uint8_t console;  // kConsole: 0 stdin, 1 stdout, 2 stderr
  uint32_t flags;  // the access mode and status flags open gave (F_GETFL)
  vfs::Node* node;  // kNode: held while the file is open
  uint64_t offset;  // a file's byte offset; for a directory, the cookie of the last entry read
};

// A fresh open file with one reference, or null when all are in use.
OpenFile* file_new();
// Drops a reference; the last one releases the node.
void file_put(OpenFile* file);

// Gives `file` (and the caller's reference) the lowest free descriptor >= `lowest`;
// -EMFILE when there is none (the reference is dropped then).
int64_t fd_install(OpenFile* file, bool close_on_exec, uint64_t lowest = 0);
// The open file behind `fd`, or null.
OpenFile* fd_get(uint64_t fd);
int64_t fd_close(uint64_t fd);
// dup and F_DUPFD: the lowest free descriptor >= `lowest`.
int64_t fd_dup(uint64_t fd, uint64_t lowest, bool close_on_exec);
// dup2 and dup3: `new_fd` becomes `fd` (closing what it was); the caller checks fd != new_fd.
int64_t fd_dup_to(uint64_t fd, uint64_t new_fd, bool close_on_exec);
bool fd_close_on_exec(uint64_t fd);
void fd_set_close_on_exec(uint64_t fd, bool close_on_exec);

}  // namespace monocell::libos
