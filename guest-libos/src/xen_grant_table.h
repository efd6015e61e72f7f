// The guest's Xen grant table (version 1): mapping its frames into guest memory and granting a
// page to another domain. Ring 0 only.
#pragma once

#include <stdint.h>

namespace monocell::libos::xen_grant_table {

// Maps grant-table frames 0 .. frames-1 at consecutive guest frames from `gfn`. The entries
// the tools wrote (the reserved references 0-7) stay as they are.
bool map(uint64_t gfn, uint32_t frames);

// Lets `domid` map guest frame `gfn` through reference `ref` (read-write unless `readonly`).
// False if `ref` lies outside the mapped frames or is reserved.
bool grant(uint32_t ref, uint16_t domid, uint64_t gfn, bool readonly);

}  // namespace monocell::libos::xen_grant_table
