// The guest's file tree and the operations on names in it (vfs.h). Errors follow Linux's
// namei and its order of checks: a read-only file system is refused before a missing name is
// reported for unlink and rmdir, and after an existing one for mkdir and open(O_CREAT).
#include "vfs.h"

#include <linux/errno.h>

#include "freestanding.h"
#include "image_tree.h"

namespace monocell::libos::vfs {
namespace {

// Linux's O_* values for x86-64 (the ones <linux/fcntl.h> leaves to the libc).
constexpr uint32_t kAccessMode = 03;
constexpr uint32_t kReadOnly = 00;
constexpr uint32_t kCreate = 0100;
constexpr uint32_t kExclusive = 0200;
constexpr uint32_t kTruncate = 01000;
constexpr uint32_t kDirectory = 0200000;
constexpr uint32_t kNoFollow = 0400000;
constexpr uint32_t kPath = 010000000;
constexpr uint32_t kTmpFile = 020000000;
constexpr uint32_t kRenameNoReplace = 1;

constexpr uint32_t kMaxSymlinks = 40;  // as Linux's MAXSYMLINKS

FileSystem g_root_fs = {.dev = 1, .read_only = true, .page_limit = 16, .pages_used = 0, .root = nullptr};
FileSystem g_tmp_fs = {.dev = 2, .read_only = false, .page_limit = 0, .pages_used = 0, .root = nullptr};
uint32_t g_umask = 022;

bool is_dot(const Walk& w) { return w.name_length == 1 && w.name[0] == '.'; }
bool is_dot_dot(const Walk& w) { return w.name_length == 2 && w.name[0] == '.' && w.name[1] == '.'; }
// The path named the root itself ("/", "//", or a symlink to it).
bool is_root_walk(const Walk& w) { return w.name_length == 0; }
bool is_fs_root(const Node* node) { return node != nullptr && node->fs->root == node; }

Node* make_child(Node* dir, NodeKind kind, uint32_t mode, const char* name) {
  Node* node = node_create(dir->fs, kind, mode);
  if (node != nullptr) dir_link(dir, node, name, string_length(name, kNameMax));
  return node;
}

// Creates `name` in the walk's directory; the walk then holds the new node.
int64_t create_in(Walk* w, NodeKind kind, uint32_t mode) {
  if (!w->parent->linked && w->parent != root()) return -ENOENT;  // the directory was removed
  Node* node = node_create(w->parent->fs, kind, mode & ~g_umask);
  if (node == nullptr) return -ENOSPC;
  dir_link(w->parent, node, w->name, w->name_length);
  node_hold(node);
  w->node = node;
  return 0;
}

// Creates the walk's last name where it must not exist yet (mkdir, symlink): an existing name
// comes before a read-only file system, as in Linux.
int64_t create_new(Walk* w, NodeKind kind, uint32_t mode) {
  if (w->node != nullptr) return -EEXIST;
  if (w->parent->fs->read_only) return -EROFS;
  return create_in(w, kind, mode);
}

bool writes(uint32_t flags) { return (flags & kAccessMode) != kReadOnly; }

}  // namespace

int64_t tree_init(const TreeConfig& config) {
  nodes_init(config.pages, config.now_ns);
  g_tmp_fs.page_limit = config.tmp_page_limit;
  Node* top = node_create(&g_root_fs, NodeKind::kDirectory, 0755);
  if (top == nullptr) return -ENOMEM;
  top->linked = true;  // the root is never removed
  g_root_fs.root = top;

  Node* tmp = node_create(&g_tmp_fs, NodeKind::kDirectory, 01777);
  if (tmp == nullptr) return -ENOMEM;
  dir_link(top, tmp, "tmp", 3);
  g_tmp_fs.root = tmp;

  Node* dev = make_child(top, NodeKind::kDirectory, 0755, "dev");
  if (dev == nullptr) return -ENOMEM;
  struct {
    const char* name;
    Device device;
  } const devices[] = {{"null", Device::kNull}, {"zero", Device::kZero}, {"random", Device::kRandom},
                       {"urandom", Device::kURandom}};
  for (const auto& d : devices) {
    Node* node = make_child(dev, NodeKind::kDevice, 0666, d.name);
    if (node == nullptr) return -ENOMEM;
    node->device = d.device;
  }

  Node* proc = make_child(top, NodeKind::kDirectory, 0555, "proc");
  Node* self = proc != nullptr ? make_child(proc, NodeKind::kDirectory, 0555, "self") : nullptr;
  Node* exe = self != nullptr ? make_child(self, NodeKind::kSymlink, 0777, "exe") : nullptr;
  if (exe == nullptr) return -ENOMEM;
  const uint64_t length = string_length(config.exe_path, kPathMax - 1);
  if (length > 0 && file_write(exe, 0, config.exe_path, length) != static_cast<int64_t>(length)) return -ENOMEM;
  return config.file_tree_size != 0 ? add_image_tree(top, config.file_tree, config.file_tree_size) : 0;
}

Node* root() { return g_root_fs.root; }
Node* tmp_root() { return g_tmp_fs.root; }

uint32_t set_umask(uint32_t mask) {
  const uint32_t old = g_umask;
  g_umask = mask & 0777;
  return old;
}

int64_t walk(Node* base, const char* path, uint32_t flags, Walk* w) {
  zero_bytes(w, sizeof *w);
  const uint64_t length = string_length(path, kPathMax);
  if (length == 0) return -ENOENT;
  if (length >= kPathMax) return -ENAMETOOLONG;
  // The path as it grows by the symlinks met on the way.
  char buffer[kPathMax];
  char target[kPathMax];
  copy_bytes(buffer, path, length + 1);

  Node* dir = buffer[0] == '/' ? root() : base;
  node_hold(dir);
  uint64_t pos = 0;
  uint32_t links = 0;
  for (;;) {
    while (buffer[pos] == '/') ++pos;
    if (buffer[pos] == '\0') {  // the path named the directory itself: "/" or "//"
      w->parent = dir;
      w->node = dir;
      node_hold(dir);
      return 0;
    }
    const uint64_t start = pos;
    while (buffer[pos] != '\0' && buffer[pos] != '/') ++pos;
    const uint64_t name_length = pos - start;
    uint64_t after = pos;
    while (buffer[after] == '/') ++after;
    const bool last = buffer[after] == '\0';
    const bool trailing = last && after > pos;
    if (dir->kind != NodeKind::kDirectory) {
      node_release(dir);
      return -ENOTDIR;
    }
    if (name_length > kNameMax) {
      node_release(dir);
      return -ENAMETOOLONG;
    }
    const char* name = buffer + start;
    Node* next;
    if (name_length == 1 && name[0] == '.') {
      next = dir;
    } else if (name_length == 2 && name[0] == '.' && name[1] == '.') {
      // A removed directory's parent may be gone too: there is no way up from it.
      if (!dir->linked) {
        node_release(dir);
        return -ENOENT;
      }
      next = dir->parent != nullptr ? dir->parent : dir;
    } else {
      next = dir_find(dir, name, name_length);
    }

    const bool follow = next != nullptr && next->kind == NodeKind::kSymlink &&
                        (!last || trailing || (flags & kFollowLast) != 0);
    if (follow) {
      if (++links > kMaxSymlinks) {
        node_release(dir);
        return -ELOOP;
      }
      const uint64_t target_length = next->size;
      const uint64_t rest_length = string_length(buffer + pos, kPathMax);
      if (target_length == 0) {
        node_release(dir);
        return -ENOENT;
      }
      if (target_length + rest_length >= kPathMax) {
        node_release(dir);
        return -ENAMETOOLONG;
      }
      file_read(next, 0, target, target_length);
      copy_bytes(target + target_length, buffer + pos, rest_length + 1);
      copy_bytes(buffer, target, target_length + rest_length + 1);
      pos = 0;
      if (buffer[0] == '/') {
        node_release(dir);
        dir = root();
        node_hold(dir);
      }
      continue;
    }
    if (last) {
      if (trailing && next != nullptr && next->kind != NodeKind::kDirectory) {
        node_release(dir);
        return -ENOTDIR;
      }
      w->parent = dir;
      w->node = next;
      if (next != nullptr) node_hold(next);
      copy_bytes(w->name, name, name_length);
      w->name[name_length] = '\0';
      w->name_length = name_length;
      w->trailing_slash = trailing;
      return 0;
    }
    if (next == nullptr) {
      node_release(dir);
      return -ENOENT;
    }
    if (next->kind != NodeKind::kDirectory) {
      node_release(dir);
      return -ENOTDIR;
    }
    node_hold(next);
    node_release(dir);
    dir = next;
  }
}

void walk_release(Walk* w) {
  if (w->node != nullptr) node_release(w->node);
  if (w->parent != nullptr) node_release(w->parent);
  w->node = w->parent = nullptr;
}

int64_t open(Node* base, const char* path, uint32_t flags, uint32_t mode, Node** out) {
  if ((flags & kTmpFile) == kTmpFile) return -EOPNOTSUPP;
  const bool exclusive_create = (flags & (kCreate | kExclusive)) == (kCreate | kExclusive);
  const bool follow = (flags & kNoFollow) == 0 && !exclusive_create;
  Walk w;
  int64_t rc = walk(base, path, follow ? uint32_t{kFollowLast} : 0u, &w);
  if (rc < 0) return rc;
  const bool path_only = (flags & kPath) != 0;
  if (w.node == nullptr) {
    if ((flags & kCreate) == 0 || path_only) {
      rc = -ENOENT;
    } else if (w.trailing_slash) {
      rc = -EISDIR;
    } else if (w.parent->fs->read_only) {
      rc = -EROFS;
    } else {
      rc = create_in(&w, NodeKind::kFile, mode);
    }
    if (rc < 0) {
      walk_release(&w);
      return rc;
    }
  } else if (exclusive_create && !path_only) {
    walk_release(&w);
    return -EEXIST;
  }
  Node* node = w.node;
  if (node->kind == NodeKind::kSymlink && !path_only) {
    rc = -ELOOP;  // O_NOFOLLOW (or O_EXCL) met a symlink
  } else if ((flags & kDirectory) != 0 && node->kind != NodeKind::kDirectory) {
    rc = -ENOTDIR;
  } else if (!path_only && node->kind == NodeKind::kDirectory && (writes(flags) || (flags & kCreate) != 0)) {
    rc = -EISDIR;
  } else if (!path_only && node->kind == NodeKind::kFile && node->fs->read_only &&
             (writes(flags) || (flags & kTruncate) != 0)) {
    rc = -EROFS;
  } else if (!path_only && node->kind == NodeKind::kFile && (flags & kTruncate) != 0 && writes(flags)) {
    rc = file_truncate(node, 0);
  }
  if (rc < 0) {
    walk_release(&w);
    return rc;
  }
  node_hold(node);
  walk_release(&w);
  *out = node;
  return 0;
}

int64_t mkdir(Node* base, const char* path, uint32_t mode) {
  Walk w;
  int64_t rc = walk(base, path, 0, &w);
  if (rc < 0) return rc;
  rc = create_new(&w, NodeKind::kDirectory, mode);
  walk_release(&w);
  return rc;
}

int64_t unlink(Node* base, const char* path) {
  Walk w;
  int64_t rc = walk(base, path, 0, &w);
  if (rc < 0) return rc;
  if (is_root_walk(w) || is_dot(w) || is_dot_dot(w)) {
    rc = -EISDIR;
  } else if (w.parent->fs->read_only) {
    rc = -EROFS;
  } else if (w.node == nullptr) {
    rc = -ENOENT;
  } else if (w.node->kind == NodeKind::kDirectory) {
    rc = -EISDIR;
  } else {
    dir_unlink(w.node);
  }
  walk_release(&w);
  return rc;
}

int64_t rmdir(Node* base, const char* path) {
  Walk w;
  int64_t rc = walk(base, path, 0, &w);
  if (rc < 0) return rc;
  if (is_dot_dot(w)) {
    rc = -ENOTEMPTY;
  } else if (is_dot(w)) {
    rc = -EINVAL;
  } else if (is_root_walk(w)) {
    rc = -EBUSY;
  } else if (w.parent->fs->read_only && !is_fs_root(w.node)) {
    rc = -EROFS;
  } else if (w.node == nullptr) {
    rc = -ENOENT;
  } else if (w.node->kind != NodeKind::kDirectory) {
    rc = -ENOTDIR;
  } else if (is_fs_root(w.node)) {
    rc = -EBUSY;  // a mount point
  } else if (w.node->first_child != nullptr) {
    rc = -ENOTEMPTY;
  } else {
    dir_unlink(w.node);
  }
  walk_release(&w);
  return rc;
}

int64_t rename(Node* old_base, const char* old_path, Node* new_base, const char* new_path, uint32_t flags) {
  if ((flags & ~kRenameNoReplace) != 0) return -EINVAL;
  Walk from;
  int64_t rc = walk(old_base, old_path, 0, &from);
  if (rc < 0) return rc;
  Walk to;
  rc = walk(new_base, new_path, 0, &to);
  if (rc < 0) {
    walk_release(&from);
    return rc;
  }
  Node* node = from.node;
  Node* victim = to.node;
  if (is_root_walk(from) || is_dot(from) || is_dot_dot(from) || is_root_walk(to) || is_dot(to) || is_dot_dot(to)) {
    rc = -EBUSY;
  } else if (node == nullptr) {
    rc = from.parent->fs->read_only ? -EROFS : -ENOENT;
  } else if (is_fs_root(node) || is_fs_root(victim)) {
    rc = -EBUSY;
  } else if (node->fs != to.parent->fs) {
    rc = -EXDEV;  // as Linux: two mounts are told apart before either is found read-only
  } else if (from.parent->fs->read_only || to.parent->fs->read_only) {
    rc = -EROFS;
  } else if (!to.parent->linked) {
    rc = -ENOENT;
  } else if (victim != nullptr && (flags & kRenameNoReplace) != 0) {
    rc = -EEXIST;
  } else if (victim == node) {
    rc = 0;  // the same file under both names: nothing to do
  } else if (node->kind == NodeKind::kDirectory) {
    if (victim != nullptr && victim->kind != NodeKind::kDirectory) {
      rc = -ENOTDIR;
    } else if (victim != nullptr && victim->first_child != nullptr) {
      rc = -ENOTEMPTY;
    } else {
      for (const Node* up = to.parent; up != nullptr; up = up->parent) {
        if (up == node) {
          rc = -EINVAL;  // a directory cannot move into itself
          break;
        }
      }
    }
  } else if (victim != nullptr && victim->kind == NodeKind::kDirectory) {
    rc = -EISDIR;
  } else if (to.trailing_slash) {
    rc = -ENOTDIR;
  }
  if (rc == 0 && victim != node) {
    if (victim != nullptr) dir_unlink(victim);
    dir_unlink(node);
    dir_link(to.parent, node, to.name, to.name_length);
  }
  walk_release(&to);
  walk_release(&from);
  return rc;
}

int64_t symlink(const char* target, Node* base, const char* path) {
  const uint64_t length = string_length(target, kPathMax);
  if (length == 0) return -ENOENT;
  if (length >= kPathMax) return -ENAMETOOLONG;
  Walk w;
  int64_t rc = walk(base, path, 0, &w);
  if (rc < 0) return rc;
  rc = create_new(&w, NodeKind::kSymlink, 0777);
  if (rc == 0) w.node->mode = 0777;  // a symlink's mode is not masked: Linux shows lrwxrwxrwx
  if (rc == 0 && file_write(w.node, 0, target, length) != static_cast<int64_t>(length)) {
    dir_unlink(w.node);
    rc = -ENOSPC;
  }
  walk_release(&w);
  return rc;
}

int64_t readlink(Node* base, const char* path, char* out, uint64_t size) {
  Walk w;
  int64_t rc = walk(base, path, 0, &w);
  if (rc < 0) return rc;
  if (w.node == nullptr) {
    rc = -ENOENT;
  } else if (w.node->kind != NodeKind::kSymlink) {
    rc = -EINVAL;
  } else {
    rc = file_read(w.node, 0, out, size < w.node->size ? size : w.node->size);
  }
  walk_release(&w);
  return rc;
}

int64_t lookup(Node* base, const char* path, bool follow_last, Node** out) {
  Walk w;
  const int64_t rc = walk(base, path, follow_last ? uint32_t{kFollowLast} : 0u, &w);
  if (rc < 0) return rc;
  if (w.node == nullptr) {
    walk_release(&w);
    return -ENOENT;
  }
  node_hold(w.node);
  *out = w.node;
  walk_release(&w);
  return 0;
}

int64_t path_of(const Node* node, char* out, uint64_t size) {
  // Names from the node up, then reversed in place: "/a/b" is built as "b/a/" first.
  char reversed[kPathMax];
  uint64_t length = 0;
  for (const Node* n = node; n != root(); n = n->parent) {
    if (n == nullptr || !n->linked) return -ENOENT;
    const uint64_t name_length = string_length(n->name, kNameMax);
    if (length + name_length + 1 >= kPathMax) return -ENAMETOOLONG;
    for (uint64_t i = 0; i < name_length; ++i) reversed[length++] = n->name[name_length - 1 - i];
    reversed[length++] = '/';
  }
  if (length == 0) reversed[length++] = '/';
  if (length + 1 > size) return -ERANGE;
  for (uint64_t i = 0; i < length; ++i) out[i] = reversed[length - 1 - i];
  out[length] = '\0';
  return static_cast<int64_t>(length + 1);
}

void stat(const Node* node, NodeStat* out) {
  zero_bytes(out, sizeof *out);
  out->dev = node->fs->dev;
  out->ino = node->ino;
  switch (node->kind) {
    case NodeKind::kDirectory:
      out->mode = 0040000;
      out->nlink = 2 + node->subdirectories;
      out->size = (node->size + 2) * 20;  // as Linux's tmpfs counts a directory's bytes
      break;
    case NodeKind::kFile:
      out->mode = 0100000;
      out->nlink = node->linked ? 1 : 0;
      out->size = node->size;
      break;
    case NodeKind::kSymlink:
      out->mode = 0120000;
      out->nlink = node->linked ? 1 : 0;
      out->size = node->size;
      break;
    case NodeKind::kDevice: {
      out->mode = 0020000;
      out->nlink = 1;
      // Linux's numbers: memory devices are major 1; null 3, zero 5, random 8, urandom 9.
      const uint64_t minor = node->device == Device::kNull   ? 3
                             : node->device == Device::kZero ? 5
                             : node->device == Device::kRandom ? 8
                                                               : 9;
      out->rdev = (1u << 8) | minor;
      break;
    }
  }
  out->mode |= node->mode;
  // An image file's bytes are the tree's, counted as whole pages like a file's own.
  out->blocks = node->backing != nullptr ? ((node->size + kPageSize - 1) / kPageSize) * (kPageSize / 512)
                                         : node->pages * (kPageSize / 512);
  out->atime_ns = node->atime_ns;
  out->mtime_ns = node->mtime_ns;
  out->ctime_ns = node->ctime_ns;
}

int64_t chmod(Node* node, uint32_t mode) {
  if (node->fs->read_only && node->kind != NodeKind::kDevice) return -EROFS;
  if (node->kind == NodeKind::kSymlink) return -EOPNOTSUPP;
  node->mode = mode & 07777;
  node->ctime_ns = now_ns();
  return 0;
}

}  // namespace monocell::libos::vfs
