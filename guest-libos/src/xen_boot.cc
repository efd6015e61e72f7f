// Xen's share of the PVH boot: hypercalls, shared pages, page tables, clock, upcalls, rendezvous.
#include "xen_boot.h"

#include <monocell/hostcall_abi.h>
#include <monocell/notify_abi.h>
#include <monocell/x86_machine.h>
#include <monocell/xen_abi.h>
#include <monocell/xen_hypercall_abi.h>

#include "freestanding.h"
#include "hypervisor.h"
#include "percpu.h"
#include "xen_console.h"
#include "xen_events.h"
#include "xen_grant_table.h"
#include "xen_hypercall.h"
#include "xen_rendezvous.h"
#include "xen_store.h"

namespace monocell::libos::xen_boot {
namespace {

constexpr uint64_t kPage = boot::kPageSize;
constexpr uint64_t kWindowTableGpa = 0x19000;
constexpr uint64_t kSharedInfoGpa = 0x1A000;
constexpr uint64_t kGrantTableGpa = 0x1B000;
constexpr uint32_t kMaxGrantFrames = 3;
static_assert(kWindowTableGpa > boot::kBootMsrTableGpa);
static_assert(kGrantTableGpa + kMaxGrantFrames * kPage <= boot::kLowReservedEnd);
static_assert(xen::kFirstRingRef + xen::kMaxRingPages <= kMaxGrantFrames * xen::kGrantEntriesPerFrame);

// The 2 MiB of the local APIC, which also holds the pages Xen's tools put below 4 GiB.
constexpr uint64_t kWindowGpa = notify::kLapicGpa;
static_assert(kWindowGpa % x86::k2MiB == 0);
constexpr uint64_t kPvclockAliasVa = kWindowGpa + 0x100000;

// The upcall vector; vectors.S routes it (XEN_UPCALL_VECTOR) to monocell_xen_upcall.
constexpr uint8_t kUpcallVector = 0xF1;
static_assert(kUpcallVector != notify::kHostInterruptVector);

constexpr uint64_t kSupervisorPage = x86::kPtePresent | x86::kPteWritable | x86::kPteAccessed | x86::kPteDirty;
constexpr uint64_t kUncached = x86::kPteWriteThrough | x86::kPteCacheDisable;

const char* g_start_error = nullptr;
uint32_t g_host_port = 0;

void write_entry(uint64_t table_gpa, uint64_t index, uint64_t value) {
  *reinterpret_cast<volatile uint64_t*>(table_gpa + index * 8) = value;
}

// A page of the first 2 MiB (4 KiB entries in x86::kPtGpa) made supervisor-only.
void make_supervisor(uint64_t gpa) { write_entry(x86::kPtGpa, gpa / kPage, gpa | kSupervisorPage); }

// Maps a ring page Xen's tools placed (xenstore, console) where the supervisor can reach it.
const char* map_shared_ring(uint64_t gpa, uint64_t ram_size) {
  if (gpa >= kWindowGpa && gpa < kWindowGpa + x86::k2MiB) {
    write_entry(kWindowTableGpa, (gpa - kWindowGpa) / kPage, gpa | kSupervisorPage);
    return nullptr;
  }
  if (gpa >= x86::k2MiB && gpa < ram_size) return nullptr;  // in the identity map of RAM
  return "a xenstore or console ring lies where the page tables cannot map it\n";
}

const char* ring_params(uint32_t pfn_param, uint32_t port_param, uint64_t* gpa, uint32_t* port) {
  uint64_t pfn = 0, evtchn = 0;
  if (!xen_hypercall::hvm_get_param(pfn_param, &pfn) || !xen_hypercall::hvm_get_param(port_param, &evtchn) ||
      pfn == 0 || pfn >= (1ull << 20) || evtchn >= xen::kMaxEventPorts) {
    return "Xen names no xenstore or console ring\n";
  }
  *gpa = pfn * kPage;
  *port = static_cast<uint32_t>(evtchn);
  return nullptr;
}

// The machine tables as x86_machine.h wrote them, adjusted for Xen: Xen's shared pages mapped
// supervisor-only, the local APIC's 2 MiB split into 4 KiB pages, no host-call MMIO window.
const char* adjust_page_tables(uint64_t ram_size, uint64_t store_gpa, uint64_t console_gpa, uint32_t grant_frames) {
  zero_bytes(reinterpret_cast<void*>(kWindowTableGpa), kPage);
  write_entry(kWindowTableGpa, 0, notify::kLapicGpa | kSupervisorPage | kUncached);
  write_entry(kWindowTableGpa, (kPvclockAliasVa - kWindowGpa) / kPage, boot::kPvclockGpa | kSupervisorPage);
  if (const char* why = map_shared_ring(store_gpa, ram_size)) return why;
  if (const char* why = map_shared_ring(console_gpa, ram_size)) return why;
  const uint64_t table = x86::kPtePresent | x86::kPteWritable | x86::kPteAccessed;
  write_entry(x86::kPdGpa, kWindowGpa / x86::k2MiB, kWindowTableGpa | table);
  write_entry(x86::kPdGpa, hostcall::kHostCallGpa / x86::k2MiB, 0);  // stray MMIO faults
  make_supervisor(kWindowTableGpa);
  make_supervisor(kSharedInfoGpa);
  for (uint32_t i = 0; i < grant_frames; ++i) make_supervisor(kGrantTableGpa + i * kPage);
  return nullptr;
}

}  // namespace

bool start() {
  if (!xen_hypercall::install()) return false;
  monocell_on_xen = 1;
  uint64_t console_gpa = 0;
  uint32_t console_port = 0;
  // The bootstrap page tables map all of the low 4 GiB: the console ring is reachable now.
  if (ring_params(xen::kHvmParamConsolePfn, xen::kHvmParamConsoleEvtchn, &console_gpa, &console_port) == nullptr) {
    xen_console::init(console_gpa, console_port);
  }
  if (xen_events::map_shared_info(kSharedInfoGpa / kPage)) {
    percpu().clock_at_boot_ns = xen_events::system_time_ns();  // Xen's clock runs since Xen's boot
  } else {
    g_start_error = "mapping shared_info failed\n";
  }
  return true;
}

const char* prepare(const boot::Layout& layout, boot::BootInfo& info) {
  if (g_start_error != nullptr) return g_start_error;
  const uint64_t ring_pages = layout.ring_region_size / kPage;
  const uint64_t grant_entries = xen::kFirstRingRef + ring_pages;
  const uint32_t grant_frames =
      static_cast<uint32_t>((grant_entries + xen::kGrantEntriesPerFrame - 1) / xen::kGrantEntriesPerFrame);
  if (ring_pages > xen::kMaxRingPages || grant_frames > kMaxGrantFrames) return "the ring region is too large\n";
  if (!xen_grant_table::map(kGrantTableGpa / kPage, grant_frames)) return "mapping the grant table failed\n";

  uint64_t store_gpa = 0, console_gpa = 0;
  uint32_t store_port = 0, console_port = 0;
  if (const char* why = ring_params(xen::kHvmParamStorePfn, xen::kHvmParamStoreEvtchn, &store_gpa, &store_port)) {
    return why;
  }
  if (const char* why = ring_params(xen::kHvmParamConsolePfn, xen::kHvmParamConsoleEvtchn, &console_gpa, &console_port)) {
    return why;
  }
  if (const char* why = adjust_page_tables(layout.ram_size, store_gpa, console_gpa, grant_frames)) return why;
  xen_store::init(store_gpa, store_port);

  // Xen's wall clock is the real time at system time 0, as kvmclock's is at its zero.
  info.realtime_offset_ns = xen_events::wall_clock_at_zero_ns();
  info.hostcall_gpa = 0;  // no host-call MMIO on Xen

  // The monitor formats the region; until then its header must not validate.
  zero_bytes(reinterpret_cast<void*>(layout.ring_region_gpa), layout.ring_region_size);
  return xen_rendezvous::offer_ring_region(layout.ring_region_gpa, layout.ring_region_size, &g_host_port);
}

const char* finish() {
  xen::VcpuRegisterTimeMemoryArea area{kPvclockAliasVa};
  if (xen_hypercall::vcpu_op(xen::kVcpuOpRegisterTimeMemoryArea, 0, &area) != 0) {
    return "VCPUOP_register_vcpu_time_memory_area failed\n";
  }
  if (!xen_events::enable_host_port(g_host_port, kUpcallVector)) return "setting up the event-channel upcall failed\n";
  return xen_rendezvous::publish();
}

}  // namespace monocell::libos::xen_boot
