// The file tree: the files and directories an app reads at run time, as one blob of an image
// (its decompressed content). Freestanding (it needs only <stdint.h>) so that whatever serves
// these files, on the host or inside a guest, reads the same layout. Little-endian:
//
//   Header                      32 bytes
//   Entry[entry_count]          32 bytes each, sorted by path (bytewise), no duplicates
//   names[names_size]           every entry's path, in entry order, back to back
//   data[data_size]             every regular file's bytes, in entry order, back to back
//
// The blob is exactly 32 + 32 * entry_count + names_size + data_size bytes (a loader may pad
// it to whole pages). A path is relative to the guest's root: components separated by one '/',
// none empty, "." or "..", no NUL, no leading or trailing '/', and not tmp, dev or proc or
// inside them (the guest's own). Each entry's parent directory is an earlier entry (the root is
// implicit). Modes are a type (directory or regular file) and permission bits (0777 at most).
// Changing this layout bumps kFileTreeVersion.
#pragma once

#include <stdint.h>

namespace monocell::image::file_tree {

inline constexpr char kMagic[8] = {'M', 'O', 'N', 'O', 'T', 'R', 'E', 'E'};
inline constexpr uint32_t kVersion = 1;

struct Header {
  char magic[8];  // kMagic
  uint32_t version;  // kVersion
  uint32_t entry_count;
  uint64_t names_size;  // bytes of the names area
  uint64_t data_size;  // bytes of the data area
};
static_assert(sizeof(Header) == 32);

struct Entry {
  uint32_t name_offset;  // into the names area: the sum of the earlier entries' name_size
  uint32_t name_size;  // bytes of the path (no terminator)
  uint32_t mode;  // kTypeDirectory or kTypeRegular | permission bits
  uint32_t reserved;  // zero
  uint64_t data_offset;  // into the data area: the sum of the earlier files' sizes (0 for directories)
  uint64_t size;  // bytes of a regular file's content (0 for directories)
};
static_assert(sizeof(Entry) == 32);

inline constexpr uint32_t kTypeMask = 0170000;
inline constexpr uint32_t kTypeDirectory = 0040000;
inline constexpr uint32_t kTypeRegular = 0100000;
inline constexpr uint32_t kPermissionMask = 0777;

}  // namespace monocell::image::file_tree
