// The bounds an image must stay within. A reader refuses anything beyond them before it
// allocates or decompresses, so a hostile file costs at most these amounts.
#pragma once

#include <cstdint>

namespace monocell::image::limits {

inline constexpr uint64_t kMaxImageFileSize = uint64_t{4} << 30;  // the whole file
inline constexpr uint64_t kMaxManifestSize = uint64_t{1} << 20;
inline constexpr uint64_t kMaxBlobSize = uint64_t{2} << 30;  // one blob, decompressed
inline constexpr uint32_t kMaxBlobs = 8;
inline constexpr uint32_t kMaxArgs = 4096;  // default argv entries, and env entries
inline constexpr uint32_t kMaxStringSize = 32 << 10;  // one argv or env entry, the cwd
inline constexpr uint32_t kMaxNameSize = 128;  // an image name, a tag
inline constexpr uint64_t kMinMemoryMib = 16;  // as `monocell run --memory` accepts
inline constexpr uint64_t kMaxMemoryMib = 65536;

// The file tree (file_tree_abi.h).
inline constexpr uint32_t kMaxFiles = 65536;  // entries: files and directories
inline constexpr uint32_t kMaxPathSize = 4096;  // bytes of one path, as Linux's PATH_MAX
inline constexpr uint32_t kMaxPathComponentSize = 255;  // as Linux's NAME_MAX
inline constexpr uint64_t kMaxFileTreeNamesSize = uint64_t{16} << 20;  // all paths together

}  // namespace monocell::image::limits
