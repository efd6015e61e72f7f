// The image's file tree (images/format/file_tree_abi.h) served read-only at / in the guest:
// its directories and files become nodes of the root file system, whose bytes stay where the
// loader put the tree (nothing is copied).
#pragma once

#include <stdint.h>

#include "tmpfs.h"

namespace monocell::libos::vfs {

// Adds every entry of the tree in [blob, blob + size) under `root`. The tree comes from the
// host, but is checked as if it did not: a layout that breaks its rules gives -EINVAL (what
// was added before stays), memory running out -ENOMEM. Paths under the guest's own /tmp, /dev
// and /proc are refused (-EINVAL). A tree may be followed by padding (a loader's last page).
int64_t add_image_tree(Node* root, const void* blob, uint64_t size);

}  // namespace monocell::libos::vfs
