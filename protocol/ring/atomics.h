// Memory-ordering primitives for words shared with the other side of a ring.
//
// Compiler builtins rather than <atomic>: the same code must build freestanding for the
// guest's ring-0 supervisor. Every access to a shared index goes through one of these, so
// the compiler can neither tear it nor fetch it twice.
#pragma once

#include <stdint.h>

namespace monocell::ring {

inline uint32_t load_relaxed(const uint32_t* word) { return __atomic_load_n(word, __ATOMIC_RELAXED); }
inline uint32_t load_acquire(const uint32_t* word) { return __atomic_load_n(word, __ATOMIC_ACQUIRE); }
inline void store_relaxed(uint32_t* word, uint32_t value) { __atomic_store_n(word, value, __ATOMIC_RELAXED); }
inline void store_release(uint32_t* word, uint32_t value) { __atomic_store_n(word, value, __ATOMIC_RELEASE); }

// A full fence orders a store to our own line before a load of the other side's line: the
// heart of the need-wakeup protocol (Dekker-style), which acquire/release alone cannot give.
inline void fence_full() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

}  // namespace monocell::ring
