// Build check: the ring ABI compiles as the guest's ring-0 supervisor compiles it —
// freestanding, no exceptions, no RTTI, no heap, general registers only. If this file stops
// compiling, the guest can no longer share the ring header with the host.
#include "protocol/ring/region.h"
#include "protocol/ring/ring.h"

#if __STDC_HOSTED__
#error "this file must be compiled with -ffreestanding"
#endif

namespace monocell::ring {

class NullNotifier final : public Notifier {
 public:
  void notify() override {}
};

// Exercises every template and inline function a guest would use, so each is instantiated.
extern "C" int monocell_ring_freestanding_use(void* region, uint64_t size, void* buffer, uint32_t capacity) {
  const Result<RegionLayout> layout = validate_region(region, size);
  if (!layout.ok()) return static_cast<int>(layout.status().code);
  static NullNotifier notifier;
  Result<RingProducer> out = RingProducer::attach(region, *layout->find(RingId::kStdioToHost), &notifier);
  Result<RingConsumer> in = RingConsumer::attach(region, *layout->find(RingId::kStdioToGuest), &notifier);
  if (!out.ok() || !in.ok()) return -1;
  out->write2(static_cast<uint32_t>(FrameType::kStdout), buffer, capacity / 2, buffer, capacity / 2);
  out->publish();
  if (out->prepare_wait_for_space(capacity)) out->finish_wait();
  const Result<Frame> frame = in->read(buffer, capacity);
  in->release();
  if (in->prepare_wait()) in->finish_wait();
  return frame.ok() ? static_cast<int>(frame->length) : static_cast<int>(frame.status().code);
}

}  // namespace monocell::ring
