// libFuzzer target: the host's side of a ring region over arbitrary contents.
//
// The input is a script. Its first bytes become the shared memory of two small rings (one the
// host reads, one it writes) and a region header; the rest is a sequence of operations:
// host reads, releases, writes, and "guest" pokes of arbitrary bytes into shared memory
// between them, as a hostile guest rewriting memory concurrently would. Frames read are
// parsed as Envelopes, as the host does. Any crash, sanitizer report, or a frame that gets
// past the length checks is a bug.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "protocol/envelope_ring.h"
#include "protocol/ring/region.h"
#include "protocol/ring/ring.h"

using namespace monocell;
using namespace monocell::ring;

namespace {

constexpr uint32_t kRingSize = 256;
constexpr uint32_t kMaxFrame = 192;
constexpr uint32_t kRingBytes = sizeof(RingIndices) + kRingSize;  // indices, then data
constexpr uint32_t kSharedBytes = 2 * kRingBytes + sizeof(RegionHeader);

enum class Op : uint8_t { kRead, kReadEnvelope, kPeek, kSkip, kRelease, kWrite, kPublish, kPoke, kPokeIndex, kCount };

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  alignas(kCacheLine) static uint8_t shared[kSharedBytes];
  std::memset(shared, 0, sizeof shared);
  const std::vector<uint8_t> initial = input.ConsumeBytes<uint8_t>(input.ConsumeIntegralInRange<size_t>(0, kSharedBytes));
  if (!initial.empty()) std::memcpy(shared, initial.data(), initial.size());

  // The guest-side view: validating a header it could have written. Must refuse, never crash.
  (void)validate_region(shared + 2 * kRingBytes, sizeof(RegionHeader));

  // The host's private layouts of the two rings.
  const RingLayout to_host{RingId::kControlToHost, 0, sizeof(RingIndices), kRingSize, kMaxFrame};
  const RingLayout to_guest{RingId::kControlToGuest, kRingBytes, kRingBytes + sizeof(RingIndices), kRingSize, kMaxFrame};
  auto consumer = RingConsumer::attach(shared, to_host, nullptr);
  auto producer = RingProducer::attach(shared, to_guest, nullptr);
  if (!consumer.ok() && !consumer.status().is_violation()) abort();
  if (!producer.ok() && !producer.status().is_violation()) abort();

  std::vector<uint8_t> buffer(kMaxFrame);
  protocol::EnvelopeReader* reader = nullptr;
  std::optional<protocol::EnvelopeReader> reader_storage;
  if (consumer.ok()) reader = &reader_storage.emplace(consumer.value());

  for (int steps = 0; steps < 256 && input.remaining_bytes() > 0; ++steps) {
    switch (static_cast<Op>(input.ConsumeIntegralInRange<uint8_t>(0, static_cast<uint8_t>(Op::kCount) - 1))) {
      case Op::kRead:
        if (consumer.ok()) {
          const uint32_t capacity = input.ConsumeIntegralInRange<uint32_t>(0, kMaxFrame);
          const auto frame = consumer->read(buffer.data(), capacity);
          if (frame.ok() && frame->length > capacity) abort();
        }
        break;
      case Op::kReadEnvelope:
        if (reader != nullptr) {
          v1::Envelope envelope;
          (void)reader->read(&envelope);
        }
        break;
      case Op::kPeek:
        if (consumer.ok()) {
          const auto frame = consumer->peek();
          if (frame.ok() && frame->length > kMaxFrame) abort();
        }
        break;
      case Op::kSkip:
        if (consumer.ok()) (void)consumer->skip();
        break;
      case Op::kRelease:
        if (consumer.ok()) consumer->release();
        break;
      case Op::kWrite:
        if (producer.ok()) {
          const uint32_t length = input.ConsumeIntegralInRange<uint32_t>(0, kMaxFrame + 8);
          const Status s = producer->write(1, buffer.data(), length);
          if (length > kMaxFrame && s.code != Errc::kFrameTooLarge && !producer->broken().is_violation()) abort();
        }
        break;
      case Op::kPublish:
        if (producer.ok()) producer->publish();
        break;
      case Op::kPoke: {  // the guest rewrites any byte of shared memory
        const size_t offset = input.ConsumeIntegralInRange<size_t>(0, 2 * kRingBytes - 1);
        shared[offset] = input.ConsumeIntegral<uint8_t>();
        break;
      }
      case Op::kPokeIndex: {  // the guest rewrites a whole index or flag word
        const size_t word = input.ConsumeIntegralInRange<size_t>(0, 7);
        const size_t offsets[8] = {0, 4, 64, 68, kRingBytes, kRingBytes + 4, kRingBytes + 64, kRingBytes + 68};
        const uint32_t value = input.ConsumeIntegral<uint32_t>();
        std::memcpy(shared + offsets[word], &value, sizeof value);
        break;
      }
      case Op::kCount:
        break;
    }
  }
  return 0;
}
