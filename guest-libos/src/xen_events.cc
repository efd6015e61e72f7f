// Xen event channels: shared_info, port bits, polling, the upcall handler and the blocking waits.
#include "xen_events.h"

#include <monocell/notify_abi.h>

#include "percpu.h"
#include "pvclock.h"
#include "x86_instructions.h"
#include "xen_hypercall.h"

namespace monocell::libos::xen_events {
namespace {

using namespace monocell::libos::x86_instructions;

constexpr uint32_t kNoPort = ~0u;
constexpr uint64_t kLapicSpuriousVector = notify::kLapicGpa + 0xF0;
constexpr uint32_t kLapicSoftwareEnable = 1u << 8;
constexpr uint32_t kSpuriousVector = 0xFF;  // vectors.S: a bare iretq

xen::SharedInfo* g_shared = nullptr;
uint32_t g_host_port = kNoPort;
// PerCpu::host_interrupts as the last wait_for_host() that returned 1 saw it.
uint64_t g_host_events_taken = 0;

uint64_t* pending_word(uint32_t port) { return &g_shared->evtchn_pending[port / 64]; }

void count_host_event() { __atomic_fetch_add(&percpu().host_interrupts, 1, __ATOMIC_RELEASE); }

}  // namespace

bool map_shared_info(uint64_t gfn) {
  if (!xen_hypercall::add_to_physmap(xen::kMapSpaceSharedInfo, 0, gfn)) return false;
  g_shared = reinterpret_cast<xen::SharedInfo*>(gfn << 12);
  // Masked ports never raise the upcall; the one port that should is unmasked on its own.
  for (uint32_t w = 0; w < xen::kEventWords; ++w) __atomic_store_n(&g_shared->evtchn_mask[w], ~0ull, __ATOMIC_RELAXED);
  return true;
}

uint64_t system_time_ns() {
  if (g_shared == nullptr) return 0;
  return pvclock_read_ns(reinterpret_cast<const volatile PvclockTimeInfo*>(&g_shared->vcpu_info[0].time));
}

int64_t wall_clock_at_zero_ns() {
  const volatile xen::SharedInfo* s = g_shared;
  for (;;) {
    const uint32_t version = s->wc_version;
    asm volatile("lfence" ::: "memory");
    const uint64_t sec = (uint64_t{s->wc_sec_hi} << 32) | s->wc_sec;
    const uint32_t nsec = s->wc_nsec;
    asm volatile("lfence" ::: "memory");
    if ((version & 1) == 0 && version == s->wc_version) return static_cast<int64_t>(sec * 1000000000ull + nsec);
  }
}

bool alloc_unbound(uint16_t remote_domid, uint32_t* port) {
  xen::EvtchnAllocUnbound request{};
  request.dom = xen::kDomidSelf;
  request.remote_dom = remote_domid;
  if (xen_hypercall::event_channel_op(xen::kEvtchnOpAllocUnbound, &request) != 0) return false;
  if (request.port >= xen::kMaxEventPorts) return false;
  *port = request.port;
  return true;
}

void send(uint32_t port) {
  xen::EvtchnPort request{port};
  xen_hypercall::event_channel_op(xen::kEvtchnOpSend, &request);
}

bool test_and_clear(uint32_t port) {
  const uint64_t bit = 1ull << (port % 64);
  return (__atomic_fetch_and(pending_word(port), ~bit, __ATOMIC_SEQ_CST) & bit) != 0;
}

void poll(const uint32_t* ports, uint32_t count, uint64_t deadline) {
  xen::SchedPoll request{};
  request.ports = reinterpret_cast<uint64_t>(ports);
  request.nr_ports = count;
  request.timeout = deadline == kNoDeadline ? 0 : deadline;
  xen_hypercall::sched_op(xen::kSchedOpPoll, &request);
}

bool enable_host_port(uint32_t port, uint8_t vector) {
  *reinterpret_cast<volatile uint32_t*>(kLapicSpuriousVector) = kLapicSoftwareEnable | kSpuriousVector;
  xen::HvmEvtchnUpcallVector upcall{};
  upcall.vcpu = 0;
  upcall.vector = vector;
  if (xen_hypercall::hvm_op(xen::kHvmOpSetEvtchnUpcallVector, &upcall) != 0) return false;
  g_host_port = port;
  // EVTCHNOP_unmask rather than clearing the bit: Xen raises the upcall for an event that came
  // while the port was masked.
  xen::EvtchnPort request{port};
  return xen_hypercall::event_channel_op(xen::kEvtchnOpUnmask, &request) == 0;
}

void notify_host() {
  if (g_host_port != kNoPort) send(g_host_port);
}

int wait_for_host(uint64_t deadline) {
  if (g_host_port == kNoPort) {  // no host port yet: nothing can wake this
    sleep_until(deadline);
    return 0;
  }
  const uint64_t flags = disable_interrupts();
  int woken = 0;
  for (;;) {
    // With IF clear the upcall cannot consume the pending bit between this check and the
    // poll, and SCHEDOP_poll returns at once if it is set again meanwhile.
    if (test_and_clear(g_host_port)) count_host_event();
    const uint64_t events = __atomic_load_n(&percpu().host_interrupts, __ATOMIC_ACQUIRE);
    if (events != g_host_events_taken) {
      g_host_events_taken = events;
      woken = 1;
      break;
    }
    if (system_time_ns() >= deadline) break;
    poll(&g_host_port, 1, deadline);
  }
  restore_interrupts(flags);
  return woken;
}

void sleep_until(uint64_t deadline) {
  for (;;) {
    const uint64_t flags = disable_interrupts();
    const bool done = system_time_ns() >= deadline;
    // No ports: any event ends the poll early, and the loop sleeps again; in between, with
    // interrupts as they were, the upcall takes what came.
    if (!done) poll(nullptr, 0, deadline);
    restore_interrupts(flags);
    if (done) return;
  }
}

static void handle_upcall() {
  // EOI first: an event that arrives while this runs raises the vector again.
  *reinterpret_cast<volatile uint32_t*>(notify::kLapicEoi) = 0;
  if (g_shared == nullptr) return;
  xen::VcpuInfo& vcpu = g_shared->vcpu_info[0];
  // Cleared before the selector is taken: Xen sets the selector, then this flag, and raises the
  // vector only when the flag goes from 0 to 1.
  __atomic_store_n(&vcpu.evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
  uint64_t selector = __atomic_exchange_n(&vcpu.evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
  for (uint32_t word = 0; selector != 0; ++word, selector >>= 1) {
    if ((selector & 1) == 0) continue;
    uint64_t ready = __atomic_load_n(&g_shared->evtchn_pending[word], __ATOMIC_ACQUIRE) &
                     ~__atomic_load_n(&g_shared->evtchn_mask[word], __ATOMIC_RELAXED);
    for (uint32_t bit = 0; ready != 0; ++bit, ready >>= 1) {
      if ((ready & 1) == 0) continue;
      const uint32_t port = word * 64 + bit;
      if (test_and_clear(port) && port == g_host_port) count_host_event();
    }
  }
}

}  // namespace monocell::libos::xen_events

extern "C" void monocell_xen_upcall(void) { monocell::libos::xen_events::handle_upcall(); }

