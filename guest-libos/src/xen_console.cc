// The PV console's output ring: the guest produces into `out`, xenconsoled consumes and
// notifies the console port when it has read.
#include "xen_console.h"

#include <monocell/xen_hypercall_abi.h>

#include "xen_events.h"

namespace monocell::libos::xen_console {
namespace {

constexpr uint32_t kOutSize = sizeof(xen::ConsoleInterface::out);
static_assert((kOutSize & (kOutSize - 1)) == 0);
constexpr uint64_t kStallNs = 1'000'000'000;

xen::ConsoleInterface* g_ring = nullptr;
uint32_t g_port = 0;
bool g_stalled = false;  // xenconsoled stopped reading: drop instead of waiting
bool g_busy = false;

uint32_t consumed() { return __atomic_load_n(&g_ring->out_cons, __ATOMIC_ACQUIRE); }

// Sleeps until xenconsoled reads (or `deadline`); false if there is no clock to bound it by.
bool wait_for_reader(uint32_t seen_cons, uint64_t deadline) {
  if (xen_events::system_time_ns() == 0) return false;
  xen_events::send(g_port);
  xen_events::test_and_clear(g_port);
  if (consumed() == seen_cons) xen_events::poll(&g_port, 1, deadline);
  return true;
}

}  // namespace

void init(uint64_t ring_gpa, uint32_t port) {
  g_ring = reinterpret_cast<xen::ConsoleInterface*>(ring_gpa);
  g_port = port;
}


void write(const char* data, uint64_t length) {
  if (g_ring == nullptr) return;
  g_busy = true;
  uint64_t done = 0;
  uint64_t progress_at = xen_events::system_time_ns();
  while (done < length) {
    const uint32_t prod = g_ring->out_prod;  // ours alone
    const uint32_t cons = consumed();
    const uint32_t used = prod - cons;
    if (used > kOutSize) break;  // indices out of step: the ring is unusable
    if (used < kOutSize) {
      uint32_t n = kOutSize - used;
      if (n > length - done) n = static_cast<uint32_t>(length - done);
      for (uint32_t i = 0; i < n; ++i) {
        *reinterpret_cast<volatile char*>(&g_ring->out[(prod + i) & (kOutSize - 1)]) = data[done + i];
      }
      __atomic_store_n(&g_ring->out_prod, prod + n, __ATOMIC_RELEASE);
      done += n;
      g_stalled = false;
      progress_at = xen_events::system_time_ns();
      continue;
    }
    if (g_stalled || xen_events::system_time_ns() - progress_at >= kStallNs) {
      g_stalled = true;
      break;
    }
    if (!wait_for_reader(cons, progress_at + kStallNs)) break;
  }
  xen_events::send(g_port);
  g_busy = false;
}

void flush(uint64_t timeout_ns) {
  if (g_ring == nullptr || g_stalled) return;
  g_busy = true;
  const uint64_t deadline = xen_events::system_time_ns() + timeout_ns;
  for (;;) {
    const uint32_t cons = consumed();
    if (cons == g_ring->out_prod || xen_events::system_time_ns() >= deadline) break;
    if (!wait_for_reader(cons, deadline)) break;
  }
  g_busy = false;
}

bool busy() { return g_busy; }

}  // namespace monocell::libos::xen_console
