// The guest's one file tree and the operations on names in it, with Linux's errors: a
// read-only root holding the image's files, /dev and /proc/self/exe, a writable in-memory /tmp, path walks with
// symlinks, open, mkdir, unlink, rmdir, rename, readlink, stat and the working directory's path.
// Paths here are already in libOS memory (sys_file.cc copies them in); results are -errno.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tmpfs.h"

namespace monocell::libos::vfs {

constexpr uint64_t kPathMax = 4096;  // with its NUL, as Linux's PATH_MAX

// What the tree is made of at boot.
struct TreeConfig {
  PageSource pages;
  uint64_t (*now_ns)();
  const char* exe_path;  // /proc/self/exe's target
  uint64_t tmp_page_limit;  // /tmp's size, in pages
  const void* file_tree;  // the image's file tree (image_tree.h), served at /; null: none
  uint64_t file_tree_size;
};

// Builds the tree. Returns 0, -ENOMEM, or -EINVAL for an image file tree that breaks its rules.
int64_t tree_init(const TreeConfig& config);
Node* root();
Node* tmp_root();

// Where a walk ended: the directory holding the last name, the node found there (null if
// there is none), and that last name. The caller releases both nodes (walk_release).
struct Walk {
  Node* parent;
  Node* node;
  char name[kNameMax + 1];
  size_t name_length;
  bool trailing_slash;  // the path ended in '/', so the last name must be a directory
};

enum WalkFlags : uint32_t {
  kFollowLast = 1,  // the last name may be a symlink to follow
};

// Walks `path` from `base` (relative paths) or the root. On success `walk` holds references.
int64_t walk(Node* base, const char* path, uint32_t flags, Walk* walk);
void walk_release(Walk* walk);

// Opens: the file access mode and O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW and O_PATH
// of `flags`. On success *out holds a reference for the caller.
int64_t open(Node* base, const char* path, uint32_t flags, uint32_t mode, Node** out);
int64_t mkdir(Node* base, const char* path, uint32_t mode);
int64_t unlink(Node* base, const char* path);
int64_t rmdir(Node* base, const char* path);
// `flags`: RENAME_NOREPLACE; anything else is -EINVAL.
int64_t rename(Node* old_base, const char* old_path, Node* new_base, const char* new_path, uint32_t flags);
int64_t symlink(const char* target, Node* base, const char* path);
// Copies at most `size` bytes of the link's target to `out`; returns how many.
int64_t readlink(Node* base, const char* path, char* out, uint64_t size);
// Finds the node a path names (for stat, access, chdir); *out holds a reference.
int64_t lookup(Node* base, const char* path, bool follow_last, Node** out);

// A node's path from the root into `out` (NUL-terminated); -ENOENT once it was removed,
// -ERANGE when `size` is too small. Returns the length with the NUL.
int64_t path_of(const Node* node, char* out, uint64_t size);

// The metadata stat, fstat and statx report.
struct NodeStat {
  uint64_t dev;
  uint64_t ino;
  uint32_t mode;  // with the S_IF* type bits
  uint32_t nlink;
  uint64_t rdev;
  uint64_t size;
  uint64_t blocks;  // 512-byte blocks held
  uint64_t atime_ns, mtime_ns, ctime_ns;
};
void stat(const Node* node, NodeStat* out);

// Sets the permission bits (chmod); -EROFS on the read-only root.
int64_t chmod(Node* node, uint32_t mode);

// The mask applied to the mode of new nodes (umask); returns the old one.
uint32_t set_umask(uint32_t mask);

}  // namespace monocell::libos::vfs
