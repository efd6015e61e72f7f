// The rendezvous keys under the domain's data/monocell directory.
#include "xen_rendezvous.h"

#include <monocell/xen_abi.h>

#include "text_buffer.h"
#include "xen_events.h"
#include "xen_grant_table.h"
#include "xen_store.h"

namespace monocell::libos::xen_rendezvous {
namespace {

constexpr uint16_t kDom0 = 0;

uint64_t g_ring_pages = 0;
uint32_t g_port = 0;

template <uint32_t kCapacity>
bool write_key(const char* key, TextBuffer<kCapacity>& value) {
  TextBuffer<64> path;
  path.text(xen::kStoreDir).character('/').text(key);
  return xen_store::write(path.c_str(), value.data(), value.size());
}

}  // namespace

const char* offer_ring_region(uint64_t gpa, uint64_t size, uint32_t* port) {
  const uint64_t pages = size / 4096;
  if (pages == 0 || pages > xen::kMaxRingPages) return "the ring region's size is outside the contract\n";
  for (uint64_t i = 0; i < pages; ++i) {
    if (!xen_grant_table::grant(xen::kFirstRingRef + static_cast<uint32_t>(i), kDom0, (gpa >> 12) + i, false)) {
      return "granting the ring region failed\n";
    }
  }
  if (!xen_events::alloc_unbound(kDom0, &g_port)) return "EVTCHNOP_alloc_unbound failed\n";
  g_ring_pages = pages;
  *port = g_port;
  return nullptr;
}

const char* publish() {
  TextBuffer<24> abi, ref, pages, port, state;
  abi.decimal(xen::kXenAbiVersion);
  ref.decimal(xen::kFirstRingRef);
  pages.decimal(g_ring_pages);
  port.decimal(g_port);
  state.text(xen::kStatePublished);
  if (!write_key(xen::kKeyAbi, abi) || !write_key(xen::kKeyRingRef, ref) || !write_key(xen::kKeyRingPages, pages) ||
      !write_key(xen::kKeyEventChannel, port) || !write_key(xen::kKeyState, state)) {
    return "writing the rendezvous keys to xenstore failed\n";
  }
  return nullptr;
}

void report_exit(int status, uint64_t unknown_syscalls, uint64_t last_unknown_syscall) {
  TextBuffer<64> value;
  value.decimal(static_cast<uint64_t>(status) & 0xff).character(' ').decimal(unknown_syscalls).character(' ');
  value.decimal(last_unknown_syscall);
  write_key(xen::kKeyExit, value);
}

void report_fault(const hostcall::FaultFrame& frame) {
  if (xen_store::busy()) return;
  constexpr uint32_t kFields = sizeof(hostcall::FaultFrame) / sizeof(uint64_t);
  const auto* fields = reinterpret_cast<const uint64_t*>(&frame);
  TextBuffer<kFields * 17> value;
  for (uint32_t i = 0; i < kFields; ++i) {
    if (i != 0) value.character(' ');
    value.hex(fields[i]);
  }
  write_key(xen::kKeyFault, value);
}

}  // namespace monocell::libos::xen_rendezvous
