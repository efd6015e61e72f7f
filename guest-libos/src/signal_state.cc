// The process's signal state, and the fault vectors the supervisor hands to the app.
#include "signal_state.h"

#include <monocell/fault_signal.h>

#include "percpu.h"

namespace monocell::libos::signals {
namespace {

Action g_actions[kMaxSignal + 1];
uint64_t g_blocked = 0;  // bit N-1 for signal N
uint64_t g_pending = 0;
int g_pending_codes[kMaxSignal + 1];
AltStack g_alt_stack;

// The CPU exceptions an app can cause; the rest (NMI, #DF, #MC, interrupts) never reach it.
constexpr uint64_t kAppVectors[] = {0, 1, 3, 4, 5, 6, 7, 11, 12, 13, 14, 16, 17, 19};

}  // namespace

Action& action(uint64_t signal) { return g_actions[signal <= kMaxSignal ? signal : 0]; }
uint64_t blocked() { return g_blocked; }
void set_blocked(uint64_t mask) {
  g_blocked = mask & ~kUnblockable;
  refresh_fault_vectors();
}
uint64_t pending() { return g_pending; }
void add_pending(uint64_t signal, int code) {
  g_pending |= bit(signal);
  g_pending_codes[signal] = code;
}
int pending_code(uint64_t signal) { return g_pending_codes[signal <= kMaxSignal ? signal : 0]; }
void clear_pending(uint64_t signal) { g_pending &= ~bit(signal); }
AltStack& alt_stack() { return g_alt_stack; }

bool has_handler(uint64_t signal) {
  const uint64_t handler = action(signal).handler;
  return handler != reinterpret_cast<uint64_t>(SIG_DFL) && handler != reinterpret_cast<uint64_t>(SIG_IGN);
}

bool ignored_by_default(uint64_t signal) {
  switch (signal) {
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
      return true;
    case SIGSTOP:  // no job control inside a guest: nothing stops it
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return true;
    default:
      return false;
  }
}

uint64_t next_deliverable() {
  const uint64_t ready = g_pending & ~g_blocked;
  return ready == 0 ? 0 : static_cast<uint64_t>(__builtin_ctzll(ready)) + 1;
}

void refresh_fault_vectors() {
  uint64_t vectors = 0;
  for (const uint64_t v : kAppVectors) {
    const uint64_t signal = static_cast<uint64_t>(fault::signal_for(v, 0).signal);
    if (has_handler(signal) && (g_blocked & bit(signal)) == 0) vectors |= uint64_t{1} << v;
  }
  __atomic_store_n(&percpu().user_fault_vectors, vectors, __ATOMIC_RELAXED);
}

}  // namespace monocell::libos::signals
