// Throughput at one frame size: of the ring between two processes, and of memcpy on one thread.
#pragma once

#include <cstdint>

#include "tests/bench/bench_rig.h"

namespace monocell::bench {

// Payload GB/s (10^9 bytes/s) that a child process (the guest) pushes through the control-to-host
// ring into the parent (the host), which copies each frame out into private memory with read().
// Both sides busy-poll; the producer publishes in batches.
double ring_throughput_gbps(BenchRig& rig, uint32_t frame_size, uint64_t frames);

// The baseline: GB/s of one thread copying the same `frames` frame-sized blocks out of a buffer
// the size of the ring (walking and wrapping through it as the consumer walks the ring) into two
// frame-sized private buffers in turn: the consumer's copy alone, with no producer, indices, checks
// or second CPU.
double memcpy_throughput_gbps(uint32_t frame_size, uint32_t ring_size, uint64_t frames);

// What the hardware allows a ring at all: GB/s of `block_size` blocks that a child copies into a
// shared buffer of `buffer_size` bytes and the parent copies out, with nothing else — a bare
// counter per side, no frames, no checks. The lines must cross between CPUs, which an in-cache
// memcpy never pays for; a ring near this ceiling has no overhead of its own left to remove.
double cross_core_copy_gbps(BenchRig& rig, uint32_t block_size, uint32_t buffer_size, uint64_t blocks);

}  // namespace monocell::bench
