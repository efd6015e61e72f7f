// Reading the image's file tree into the root file system (image_tree.h).
#include "image_tree.h"

#include <linux/errno.h>

#include "freestanding.h"
#include "images/format/file_tree_abi.h"
#include "vfs.h"

namespace monocell::libos::vfs {
namespace {

namespace ft = monocell::image::file_tree;

// Component `name` (`length` bytes) is one a tree may hold: 1..kNameMax bytes, no '/', no NUL,
// not "." or "..".
bool valid_name(const char* name, uint64_t length) {
  if (length == 0 || length > kNameMax) return false;
  if (length == 1 && name[0] == '.') return false;
  if (length == 2 && name[0] == '.' && name[1] == '.') return false;
  for (uint64_t i = 0; i < length; ++i) {
    if (name[i] == '/' || name[i] == '\0') return false;
  }
  return true;
}

bool same_name(const char* name, uint64_t length, const char* text) {
  return string_length(text, kNameMax + 1) == length && string_equal(name, text, length);
}

// The guest's own directories, which an image cannot fill.
bool reserved_top(const char* name, uint64_t length) {
  return same_name(name, length, "tmp") || same_name(name, length, "dev") || same_name(name, length, "proc");
}

// Finds the directory holding `path`'s last component (`path_length` bytes) by walking from
// `root`; sets *last to that component's offset. Null if a parent is missing or not a directory.
Node* parent_directory(Node* root, const char* path, uint64_t path_length, uint64_t* last) {
  Node* dir = root;
  uint64_t start = 0;
  for (uint64_t i = 0; i < path_length; ++i) {
    if (path[i] != '/') continue;
    if (!valid_name(path + start, i - start)) return nullptr;
    if (dir == root && reserved_top(path + start, i - start)) return nullptr;
    dir = dir_find(dir, path + start, i - start);
    if (dir == nullptr || dir->kind != NodeKind::kDirectory || dir->fs != root->fs) return nullptr;
    start = i + 1;
  }
  *last = start;
  return dir;
}

}  // namespace

int64_t add_image_tree(Node* root, const void* blob, uint64_t size) {
  const auto* bytes = static_cast<const unsigned char*>(blob);
  if (size < sizeof(ft::Header)) return -EINVAL;
  ft::Header header;
  copy_bytes(&header, bytes, sizeof header);
  for (uint32_t i = 0; i < sizeof ft::kMagic; ++i) {
    if (header.magic[i] != ft::kMagic[i]) return -EINVAL;
  }
  if (header.version != ft::kVersion) return -EINVAL;
  // Every area inside the blob, without overflow: the counts are at most the blob's size.
  const uint64_t table_size = uint64_t{header.entry_count} * sizeof(ft::Entry);
  if (table_size > size - sizeof header) return -EINVAL;
  const uint64_t names_at = sizeof header + table_size;
  if (header.names_size > size - names_at) return -EINVAL;
  const uint64_t data_at = names_at + header.names_size;
  if (header.data_size > size - data_at) return -EINVAL;
  const char* names = reinterpret_cast<const char*>(bytes + names_at);

  for (uint32_t index = 0; index < header.entry_count; ++index) {
    ft::Entry entry;
    copy_bytes(&entry, bytes + sizeof header + uint64_t{index} * sizeof entry, sizeof entry);
    if (entry.name_size == 0 || entry.name_offset > header.names_size ||
        entry.name_size > header.names_size - entry.name_offset || entry.name_size >= kPathMax) {
      return -EINVAL;
    }
    const uint32_t type = entry.mode & ft::kTypeMask;
    const bool directory = type == ft::kTypeDirectory;
    if ((!directory && type != ft::kTypeRegular) || (entry.mode & ~(ft::kTypeMask | ft::kPermissionMask)) != 0) {
      return -EINVAL;
    }
    if (directory ? entry.size != 0
                  : entry.data_offset > header.data_size || entry.size > header.data_size - entry.data_offset) {
      return -EINVAL;
    }
    const char* path = names + entry.name_offset;
    uint64_t last = 0;
    Node* dir = parent_directory(root, path, entry.name_size, &last);
    const char* name = path + last;
    const uint64_t name_length = entry.name_size - last;
    if (dir == nullptr || !valid_name(name, name_length) || (dir == root && reserved_top(name, name_length))) {
      return -EINVAL;
    }
    if (dir_find(dir, name, name_length) != nullptr) return -EINVAL;  // a duplicate
    Node* node = node_create(root->fs, directory ? NodeKind::kDirectory : NodeKind::kFile,
                             entry.mode & ft::kPermissionMask);
    if (node == nullptr) return -ENOMEM;
    if (!directory) {
      node->backing = bytes + data_at + entry.data_offset;
      node->size = entry.size;
    }
    dir_link(dir, node, name, name_length);
  }
  return 0;
}

}  // namespace monocell::libos::vfs
