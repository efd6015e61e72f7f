// The grant table: mapped with XENMEM_add_to_physmap, entries written domid and frame first,
// flags last.
#include "xen_grant_table.h"

#include <monocell/xen_hypercall_abi.h>

#include "xen_hypercall.h"

namespace monocell::libos::xen_grant_table {
namespace {

xen::GrantEntryV1* g_entries = nullptr;
uint32_t g_entry_count = 0;

}  // namespace

bool map(uint64_t gfn, uint32_t frames) {
  for (uint32_t frame = 0; frame < frames; ++frame) {
    if (!xen_hypercall::add_to_physmap(xen::kMapSpaceGrantTable, frame, gfn + frame)) return false;
  }
  g_entries = reinterpret_cast<xen::GrantEntryV1*>(gfn << 12);
  g_entry_count = frames * xen::kGrantEntriesPerFrame;
  return true;
}

bool grant(uint32_t ref, uint16_t domid, uint64_t gfn, bool readonly) {
  if (ref < xen::kGrantReservedEntries || ref >= g_entry_count || gfn > 0xFFFFFFFFull) return false;
  xen::GrantEntryV1& entry = g_entries[ref];
  __atomic_store_n(&entry.domid, domid, __ATOMIC_RELAXED);
  __atomic_store_n(&entry.frame, static_cast<uint32_t>(gfn), __ATOMIC_RELAXED);
  // Xen reads the flags first: they must not be seen before the rest of the entry.
  const uint16_t flags = xen::kGtfPermitAccess | (readonly ? xen::kGtfReadonly : 0);
  __atomic_store_n(&entry.flags, flags, __ATOMIC_RELEASE);
  return true;
}

}  // namespace monocell::libos::xen_grant_table
