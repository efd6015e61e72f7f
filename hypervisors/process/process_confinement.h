// The process backend's stand-in for a guest's file system: the app gets a mount namespace of
// its own where every host file system is read-only and /tmp is a fresh tmpfs, so what it
// writes stays in its memory and goes with it, as in a VM (where the libOS serves /tmp); an
// image's files become its / (image_root.h).
#pragma once

#include <stdint.h>

#include "hypervisors/process/image_root.h"

namespace monocell::process_confinement {

// In the child between fork and exec: async-signal-safe calls only. Returns 0, or an errno
// with *step naming what failed. Root enters a mount namespace; anyone else a user namespace
// too, mapping only their own ids. With `root` (an image's files) the app's / becomes
// root->dir, read-only, holding the image's files and the host directories it binds.
int confine_files(uint64_t tmp_bytes, const RootPlan* root, const char** step);

}  // namespace monocell::process_confinement
