// The xenstore client: requests go into `req` as a header and payload, answers come back in
// `rsp` with the request's id; both rings are 1 KiB and messages may be longer.
#include "xen_store.h"

#include <monocell/xen_hypercall_abi.h>

#include "freestanding.h"
#include "xen_events.h"

namespace monocell::libos::xen_store {
namespace {

constexpr uint32_t kRingSize = xen::kXenstoreRingSize;
constexpr uint32_t kRingMask = kRingSize - 1;
constexpr uint64_t kRequestTimeoutNs = 10'000'000'000;  // xenstored under TCG can be slow
constexpr uint32_t kMaxPath = 256;

xen::XenstoreInterface* g_ring = nullptr;
uint32_t g_port = 0;
uint32_t g_next_id = 1;
bool g_busy = false;

uint32_t load(const uint32_t& index) { return __atomic_load_n(&index, __ATOMIC_ACQUIRE); }

// Kicks xenstored and sleeps until it answers on the port, or the deadline. False when the
// deadline has passed (or there is no clock to bound the wait by).
bool wait(uint32_t seen_req_cons, uint32_t seen_rsp_prod, uint64_t deadline) {
  const uint64_t now = xen_events::system_time_ns();
  if (now == 0 || now >= deadline) return false;
  xen_events::send(g_port);
  xen_events::test_and_clear(g_port);
  if (load(g_ring->req_cons) == seen_req_cons && load(g_ring->rsp_prod) == seen_rsp_prod) {
    xen_events::poll(&g_port, 1, deadline);
  }
  return true;
}

bool put(const void* data, uint32_t length, uint64_t deadline) {
  const auto* bytes = static_cast<const char*>(data);
  while (length != 0) {
    const uint32_t prod = g_ring->req_prod;  // ours alone
    const uint32_t cons = load(g_ring->req_cons);
    const uint32_t used = prod - cons;
    if (used > kRingSize) return false;
    if (used == kRingSize) {
      if (!wait(cons, load(g_ring->rsp_prod), deadline)) return false;
      continue;
    }
    uint32_t n = kRingSize - used;
    if (n > length) n = length;
    for (uint32_t i = 0; i < n; ++i) {
      *reinterpret_cast<volatile char*>(&g_ring->req[(prod + i) & kRingMask]) = bytes[i];
    }
    __atomic_store_n(&g_ring->req_prod, prod + n, __ATOMIC_RELEASE);
    bytes += n;
    length -= n;
  }
  return true;
}

// Takes `length` bytes of the answer ring into `out`, or drops them where `out` is null.
bool get(void* out, uint32_t length, uint64_t deadline) {
  auto* bytes = static_cast<char*>(out);
  while (length != 0) {
    const uint32_t cons = g_ring->rsp_cons;  // ours alone
    const uint32_t prod = load(g_ring->rsp_prod);
    const uint32_t available = prod - cons;
    if (available > kRingSize) return false;
    if (available == 0) {
      if (!wait(load(g_ring->req_cons), prod, deadline)) return false;
      continue;
    }
    uint32_t n = available < length ? available : length;
    for (uint32_t i = 0; i < n; ++i) {
      const char c = *reinterpret_cast<volatile const char*>(&g_ring->rsp[(cons + i) & kRingMask]);
      if (bytes != nullptr) *bytes++ = c;
    }
    __atomic_store_n(&g_ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
    length -= n;
  }
  return true;
}

// One request of `type` whose payload is the NUL-terminated path followed by `value`; the
// answer's payload goes to `reply` (cut at `capacity`). Returns the answer's length, or -1 if
// it was XS_ERROR or did not come.
int64_t transact(uint32_t type, const char* path, const char* value, uint32_t value_length, char* reply,
                 uint32_t capacity) {
  if (g_ring == nullptr || g_busy) return -1;
  const uint32_t path_size = static_cast<uint32_t>(string_length(path, kMaxPath)) + 1;
  if (path_size > kMaxPath || value_length > xen::kXenstorePayloadMax - path_size) return -1;
  g_busy = true;
  const uint64_t deadline = xen_events::system_time_ns() + kRequestTimeoutNs;
  xen::XsMessageHeader request{type, g_next_id++, 0, path_size + value_length};
  int64_t result = -1;
  bool ok = put(&request, sizeof request, deadline) && put(path, path_size, deadline) &&
            put(value, value_length, deadline);
  xen_events::send(g_port);
  while (ok) {
    xen::XsMessageHeader answer{};
    if (!get(&answer, sizeof answer, deadline) || answer.len > xen::kXenstorePayloadMax) break;
    const uint32_t kept = answer.len < capacity ? answer.len : capacity;
    ok = get(reply, kept, deadline) && get(nullptr, answer.len - kept, deadline);
    if (answer.req_id != request.req_id) continue;  // not ours (a watch event, say)
    if (ok && answer.type != xen::kXsError) result = answer.len;
    break;
  }
  xen_events::send(g_port);  // the answer's space is free again
  g_busy = false;
  return result;
}

}  // namespace

void init(uint64_t ring_gpa, uint32_t port) {
  g_ring = reinterpret_cast<xen::XenstoreInterface*>(ring_gpa);
  g_port = port;
}


bool write(const char* path, const char* value, uint32_t length) {
  char answer[8];  // "OK"
  return transact(xen::kXsWrite, path, value, length, answer, sizeof answer) >= 0;
}

bool busy() { return g_busy; }

}  // namespace monocell::libos::xen_store
