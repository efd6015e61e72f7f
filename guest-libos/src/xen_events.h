// Xen event channels for the libOS (2-level ABI): shared_info, the ports' pending and mask
// bits, sending, polling, the upcall into the supervisor, and the two ways the libOS blocks the
// vCPU: waiting for the host's port, and sleeping. Ring 0 only.
//
// Only the host's ring port is unmasked: its events arrive as the upcall vector, whose handler
// counts them as host interrupts (PerCpu::host_interrupts, as on KVM). The xenstore and console
// ports stay masked and their clients poll them (SCHEDOP_poll sees masked ports' pending bits).
#pragma once

#include <monocell/xen_hypercall_abi.h>
#include <stdint.h>

namespace monocell::libos::xen_events {

inline constexpr uint64_t kNoDeadline = ~0ull;

// Maps shared_info at guest frame `gfn` and masks every port. False if Xen refused.
bool map_shared_info(uint64_t gfn);

// Xen's system time (ns) from vcpu 0's time record in shared_info: the timeline of
// SCHEDOP_poll's timeouts, and the same one the pvclock page shows. 0 before shared_info.
uint64_t system_time_ns();

// The real time (Unix epoch, ns) at system time 0, from shared_info's wall clock.
int64_t wall_clock_at_zero_ns();

// EVTCHNOP_alloc_unbound: a port `remote_domid` may bind. False if Xen refused.
bool alloc_unbound(uint16_t remote_domid, uint32_t* port);
void send(uint32_t port);
// Clears the port's pending bit; true if it was set.
bool test_and_clear(uint32_t port);

// Blocks until one of `ports` is pending (any event if `count` is 0) or Xen's system time
// reaches `deadline` (kNoDeadline: none). May return early; callers check their condition.
void poll(const uint32_t* ports, uint32_t count, uint64_t deadline);

// The host's ring port: unmasks it and routes its events to the upcall vector `vector`
// (software-enables the local APIC, HVMOP_set_evtchn_upcall_vector for vCPU 0).
bool enable_host_port(uint32_t port, uint8_t vector);

// Notifies the host's ring port (the doorbell); nothing before enable_host_port().
void notify_host();

// Waits, with interrupts off between its check and its poll so no event is lost, until the
// host has signalled its port since the last wait returned 1 (returns 1), or Xen's system time
// reaches `deadline` (returns 0). kNoDeadline: no limit.
int wait_for_host(uint64_t deadline);

// Blocks until Xen's system time reaches `deadline`.
void sleep_until(uint64_t deadline);

}  // namespace monocell::libos::xen_events

// The upcall vector's handler, called by vectors.S with the caller-saved registers saved.
extern "C" void monocell_xen_upcall(void);
