// The process's signal state: each signal's action, the blocked and pending sets, and the
// alternate signal stack. One thread, so one mask and one stack.
#pragma once

#include <asm/signal.h>
#include <stdint.h>

namespace monocell::libos::signals {

inline constexpr uint64_t kMaxSignal = 64;

// struct sigaction as the kernel takes it (rt_sigaction with an 8-byte mask).
struct Action {
  uint64_t handler;  // SIG_DFL 0, SIG_IGN 1, or a function
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};
static_assert(sizeof(Action) == 32);

struct AltStack {
  uint64_t base = 0;
  uint64_t size = 0;
  bool enabled = false;
};

constexpr uint64_t bit(uint64_t signal) { return uint64_t{1} << (signal - 1); }
inline constexpr uint64_t kUnblockable = bit(SIGKILL) | bit(SIGSTOP);

Action& action(uint64_t signal);
uint64_t blocked();
void set_blocked(uint64_t mask);  // SIGKILL and SIGSTOP stay unblocked
uint64_t pending();
// `code` is the si_code the handler will see (SI_USER for kill, SI_TKILL for tkill/tgkill).
void add_pending(uint64_t signal, int code);
int pending_code(uint64_t signal);
void clear_pending(uint64_t signal);
AltStack& alt_stack();

bool has_handler(uint64_t signal);  // neither SIG_DFL nor SIG_IGN
bool ignored_by_default(uint64_t signal);
// A pending signal that is not blocked, lowest first; 0 if none.
uint64_t next_deliverable();

// Recomputes PerCpu::user_fault_vectors: the CPU exceptions whose signal has a handler and is
// not blocked. Called whenever an action or the mask changes.
void refresh_fault_vectors();

}  // namespace monocell::libos::signals
