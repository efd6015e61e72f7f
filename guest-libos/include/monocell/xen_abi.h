// The rendezvous contract between a monocell guest on Xen and its monitor in dom0: where in
// xenstore the guest publishes its ring region (as grant references) and its event channel, and
// how it reports its end. (Xen's own start-of-day structure is in xen_pvh_abi.h.)
//
// The sequence:
//   1. The monitor creates the PVH domain paused (libxl), watches kStoreDir/kKeyState, unpauses.
//   2. The guest's boot keeps its ring region (boot_abi.h plan_layout: the top of RAM) zeroed,
//      grants each of its pages to dom0 read-write with consecutive references (page i has
//      reference kKeyRingRef + i), allocates an unbound event channel for dom0, and writes
//      kKeyAbi, kKeyRingRef, kKeyRingPages, kKeyEventChannel, then kKeyState = kStatePublished.
//   3. The monitor checks every value, maps the grants (libxengnttab), formats the region
//      (protocol/ring region.h), binds the port (libxenevtchn) and notifies it. The guest waits
//      for that notification and for the region's header to be valid before it attaches.
//   4. From then on the event channel carries ring notifications both ways (guest -> host: the
//      doorbell; host -> guest: the host's interrupt, delivered through the upcall vector).
//   5. At its end the guest writes kKeyExit and shuts down with SHUTDOWN_poweroff, or writes
//      kKeyFault (after a CPU exception) and shuts down with SHUTDOWN_crash. The monitor takes
//      the exit code from the runtime's Exit message when there was one, else from kKeyExit.
//
// Dual-use and freestanding (<stdint.h> only): the guest libOS and hypervisors/xen include this
// same file. The host treats every value the guest writes as hostile: it parses each as a
// bounded decimal or hex number and refuses anything else. Any change here bumps kXenAbiVersion.
#pragma once

#include <stdint.h>

namespace monocell::xen {

inline constexpr uint32_t kXenAbiVersion = 1;

// The guest's directory, relative to its home /local/domain/<domid>/ (libxl makes data/
// writable by the domain). Values are ASCII, decimal unless said otherwise, without a NUL.
inline constexpr char kStoreDir[] = "data/monocell";

inline constexpr char kKeyAbi[] = "abi";  // kXenAbiVersion
inline constexpr char kKeyRingRef[] = "ring-ref";  // grant reference of the region's page 0
inline constexpr char kKeyRingPages[] = "ring-pages";  // pages in the region, all granted
inline constexpr char kKeyEventChannel[] = "event-channel";  // the unbound port for dom0
inline constexpr char kKeyState[] = "state";  // written last
inline constexpr char kStatePublished[] = "published";

// "STATUS UNKNOWN_SYSCALLS LAST_UNKNOWN_SYSCALL", three decimals: what hostcall::Op::kExit
// carries on KVM. Written before SHUTDOWN_poweroff.
inline constexpr char kKeyExit[] = "exit";
// hostcall::FaultFrame's 23 fields in their order, each lower-case hex without "0x", separated
// by single spaces. Written before SHUTDOWN_crash; the monitor formats the report.
inline constexpr char kKeyFault[] = "fault";

// Grant references 0-7 are reserved by convention (xenstore, console); the region starts here.
inline constexpr uint32_t kFirstRingRef = 8;
// The monitor refuses a region of more pages than this (4 MiB).
inline constexpr uint32_t kMaxRingPages = 1024;

}  // namespace monocell::xen
