// The parts of Xen's public ABI the libOS speaks as an x86-64 PVH guest, as Xen defines them
// (xen/include/public: xen.h, arch-x86/xen-x86_64.h, sched.h, event_channel.h, grant_table.h,
// memory.h, vcpu.h, hvm/hvm_op.h, hvm/params.h, io/xs_wire.h, io/console.h): hypercall numbers,
// shared_info and vcpu_info, the time structures, grant entries, the operations' argument
// structures, HVM parameters, the xenstore wire protocol and the PV console ring.
//
// Freestanding (<stdint.h> only), so ring-0 code can use it without Xen's headers and whatever
// host headers they pull in. Layouts are Xen's: never change them here; the static_asserts pin
// the sizes and offsets of the 64-bit ABI.
#pragma once

#include <stdint.h>

namespace monocell::xen {

// ---- Finding Xen and its hypercall page (CPUID) ----------------------------------------------
// Xen's leaves start at 0x40000000, or at 0x40000100 when it offers Viridian there first.
inline constexpr uint32_t kCpuidBaseFirst = 0x40000000;
inline constexpr uint32_t kCpuidBaseLast = 0x40000100;
inline constexpr uint32_t kCpuidBaseStep = 0x100;
inline constexpr char kCpuidSignature[] = "XenVMMXenVMM";
inline constexpr uint32_t kCpuidLeafHypercall = 2;  // base + 2: ebx = the hypercall-page MSR
inline constexpr uint32_t kHypercallStubSize = 32;  // hypercall nr is at page + nr * 32

// ---- Hypercall numbers (xen.h) ---------------------------------------------------------------
inline constexpr uint32_t kHypercallMemoryOp = 12;
inline constexpr uint32_t kHypercallVcpuOp = 24;
inline constexpr uint32_t kHypercallSchedOp = 29;
inline constexpr uint32_t kHypercallEventChannelOp = 32;
inline constexpr uint32_t kHypercallHvmOp = 34;

inline constexpr uint16_t kDomidSelf = 0x7FF0;  // DOMID_SELF

// ---- Time (xen.h) ----------------------------------------------------------------------------
// The same layout as KVM's pvclock_vcpu_time_info: system_time + scaled TSC delta = Xen's
// system time in ns.
struct VcpuTimeInfo {
  uint32_t version;  // odd while Xen updates the record
  uint32_t pad0;
  uint64_t tsc_timestamp;
  uint64_t system_time;
  uint32_t tsc_to_system_mul;
  int8_t tsc_shift;
  uint8_t flags;
  uint8_t pad1[2];
};
static_assert(sizeof(VcpuTimeInfo) == 32);

// ---- vcpu_info and shared_info (xen.h, arch-x86/xen-x86_64.h) --------------------------------
struct ArchVcpuInfo {
  uint64_t cr2;
  uint64_t pad;
};

struct VcpuInfo {
  uint8_t evtchn_upcall_pending;  // Xen sets it with the selector; the guest clears it
  uint8_t evtchn_upcall_mask;  // PV only; HVM guests gate delivery with RFLAGS.IF
  uint8_t pad[6];
  uint64_t evtchn_pending_sel;  // bit w: word w of evtchn_pending may hold unmasked events
  ArchVcpuInfo arch;
  VcpuTimeInfo time;
};
static_assert(sizeof(VcpuInfo) == 64);
static_assert(__builtin_offsetof(VcpuInfo, evtchn_pending_sel) == 8);
static_assert(__builtin_offsetof(VcpuInfo, time) == 32);

inline constexpr uint32_t kLegacyMaxVcpus = 32;
inline constexpr uint32_t kEventWords = 64;  // 2-level ABI: 64 words of 64 ports
inline constexpr uint32_t kMaxEventPorts = kEventWords * 64;

struct ArchSharedInfo {
  uint64_t max_pfn;
  uint64_t pfn_to_mfn_frame_list_list;
  uint64_t nmi_reason;
  uint64_t p2m_cr3;
  uint64_t p2m_vaddr;
  uint64_t p2m_generation;
};

struct SharedInfo {
  VcpuInfo vcpu_info[kLegacyMaxVcpus];
  uint64_t evtchn_pending[kEventWords];
  uint64_t evtchn_mask[kEventWords];
  uint32_t wc_version;  // odd while Xen updates the wall clock
  uint32_t wc_sec;  // the wall clock (Unix epoch) at Xen system time 0
  uint32_t wc_nsec;
  uint32_t wc_sec_hi;
  ArchSharedInfo arch;
};
static_assert(__builtin_offsetof(SharedInfo, evtchn_pending) == 2048);
static_assert(__builtin_offsetof(SharedInfo, evtchn_mask) == 2560);
static_assert(__builtin_offsetof(SharedInfo, wc_version) == 3072);
static_assert(__builtin_offsetof(SharedInfo, wc_sec_hi) == 3084);
static_assert(sizeof(SharedInfo) == 3136);

// ---- memory_op: XENMEM_add_to_physmap (memory.h) ---------------------------------------------
inline constexpr uint32_t kMemAddToPhysmap = 7;
inline constexpr uint32_t kMapSpaceSharedInfo = 0;
inline constexpr uint32_t kMapSpaceGrantTable = 1;

struct AddToPhysmap {
  uint16_t domid;
  uint16_t size;  // gmfn_range only
  uint32_t space;
  uint64_t idx;  // which frame of the space
  uint64_t gpfn;  // where it appears in the guest's physical memory
};
static_assert(sizeof(AddToPhysmap) == 24);

// ---- vcpu_op (vcpu.h) ------------------------------------------------------------------------
inline constexpr uint32_t kVcpuOpRegisterTimeMemoryArea = 13;

struct VcpuRegisterTimeMemoryArea {
  uint64_t addr;  // guest *linear* address of a VcpuTimeInfo; Xen writes it through the page tables
};
static_assert(sizeof(VcpuRegisterTimeMemoryArea) == 8);

// ---- sched_op (sched.h) ----------------------------------------------------------------------
inline constexpr uint32_t kSchedOpShutdown = 2;
inline constexpr uint32_t kSchedOpPoll = 3;

inline constexpr uint32_t kShutdownPoweroff = 0;
inline constexpr uint32_t kShutdownCrash = 3;

struct SchedShutdown {
  uint32_t reason;
};
static_assert(sizeof(SchedShutdown) == 4);

// Blocks until one of `ports` is pending, any event arrives (nr_ports == 0), or Xen's system
// time reaches `timeout` (absolute ns; 0: no timeout).
struct SchedPoll {
  uint64_t ports;  // address of uint32_t[nr_ports]
  uint32_t nr_ports;
  uint32_t pad;
  uint64_t timeout;
};
static_assert(sizeof(SchedPoll) == 24);
static_assert(__builtin_offsetof(SchedPoll, timeout) == 16);

// ---- event_channel_op (event_channel.h) ------------------------------------------------------
inline constexpr uint32_t kEvtchnOpSend = 4;
inline constexpr uint32_t kEvtchnOpAllocUnbound = 6;
inline constexpr uint32_t kEvtchnOpUnmask = 9;

struct EvtchnAllocUnbound {
  uint16_t dom;  // in: kDomidSelf
  uint16_t remote_dom;  // in: who may bind it
  uint32_t port;  // out
};
static_assert(sizeof(EvtchnAllocUnbound) == 8);

struct EvtchnPort {  // evtchn_send, evtchn_unmask
  uint32_t port;
};
static_assert(sizeof(EvtchnPort) == 4);

// ---- grant tables, version 1 (grant_table.h) -------------------------------------------------
struct GrantEntryV1 {
  uint16_t flags;  // GTF_*: written last, after domid and frame
  uint16_t domid;  // who may map it
  uint32_t frame;  // the guest frame number granted
};
static_assert(sizeof(GrantEntryV1) == 8);

inline constexpr uint16_t kGtfPermitAccess = 1u << 0;
inline constexpr uint16_t kGtfReadonly = 1u << 2;
inline constexpr uint32_t kGrantReservedEntries = 8;  // 0: console, 1: xenstore (the tools')
inline constexpr uint32_t kGrantEntriesPerFrame = 4096 / sizeof(GrantEntryV1);

// ---- hvm_op (hvm/hvm_op.h, hvm/params.h) -----------------------------------------------------
inline constexpr uint32_t kHvmOpGetParam = 1;
inline constexpr uint32_t kHvmOpSetEvtchnUpcallVector = 23;

struct HvmParam {
  uint16_t domid;
  uint16_t pad;
  uint32_t index;
  uint64_t value;
};
static_assert(sizeof(HvmParam) == 16);

struct HvmEvtchnUpcallVector {
  uint32_t vcpu;
  uint8_t vector;
  uint8_t pad[3];
};
static_assert(sizeof(HvmEvtchnUpcallVector) == 8);

inline constexpr uint32_t kHvmParamStorePfn = 1;
inline constexpr uint32_t kHvmParamStoreEvtchn = 2;
inline constexpr uint32_t kHvmParamConsolePfn = 17;
inline constexpr uint32_t kHvmParamConsoleEvtchn = 18;

// ---- xenstore wire protocol over the domain's ring (io/xs_wire.h) ----------------------------
inline constexpr uint32_t kXsRead = 2;
inline constexpr uint32_t kXsWrite = 11;
inline constexpr uint32_t kXsError = 16;

struct XsMessageHeader {
  uint32_t type;
  uint32_t req_id;  // echoed in the answer
  uint32_t tx_id;  // 0: no transaction
  uint32_t len;  // payload bytes that follow
};
static_assert(sizeof(XsMessageHeader) == 16);

inline constexpr uint32_t kXenstoreRingSize = 1024;
inline constexpr uint32_t kXenstorePayloadMax = 4096;

struct XenstoreInterface {
  char req[kXenstoreRingSize];  // guest -> xenstored
  char rsp[kXenstoreRingSize];  // xenstored -> guest
  uint32_t req_cons, req_prod;
  uint32_t rsp_cons, rsp_prod;
  uint32_t server_features;
  uint32_t connection;
  uint32_t error;
};
static_assert(__builtin_offsetof(XenstoreInterface, req_cons) == 2048);
static_assert(__builtin_offsetof(XenstoreInterface, rsp_prod) == 2060);

// ---- the PV console ring (io/console.h) ------------------------------------------------------
struct ConsoleInterface {
  char in[1024];  // xenconsoled -> guest
  char out[2048];  // guest -> xenconsoled
  uint32_t in_cons, in_prod;
  uint32_t out_cons, out_prod;
};
static_assert(__builtin_offsetof(ConsoleInterface, out) == 1024);
static_assert(__builtin_offsetof(ConsoleInterface, out_cons) == 3080);
static_assert(sizeof(ConsoleInterface) == 3088);

}  // namespace monocell::xen
