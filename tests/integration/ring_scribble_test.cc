// A hostile "guest" process scribbles random bytes over the whole shared region while the
// host side keeps reading and writing its rings: the host stays alive, every operation
// returns, and the corruption is reported as errors.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>

#include "protocol/ring/memfd_region.h"
#include "protocol/ring/ring.h"
#include "tests/support/child_process.h"

using namespace monocell::ring;
using monocell::testing::ChildProcess;

namespace {

// Writes random words at random offsets, and now and then a whole random page, forever.
[[noreturn]] void scribble(uint8_t* base, uint64_t size) {
  uint64_t x = 0x243F6A8885A308D3ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (uint64_t i = 0;; ++i) {
    const uint64_t offset = next() % (size / 8) * 8;
    uint64_t value = next();
    // Favour small values too, so some indices and lengths look plausible.
    if (i % 3 == 0) value &= 0xFFF8;
    std::memcpy(base + offset, &value, sizeof value);
    if (i % 100000 == 0) {
      const uint64_t page = next() % (size / kPageSize) * kPageSize;
      for (uint64_t j = 0; j < kPageSize; j += 8) {
        value = next();
        std::memcpy(base + page + j, &value, 8);
      }
    }
  }
}

}  // namespace

TEST_CASE("a process scribbling over the region cannot crash or hang the host side") {
  RegionConfig config;
  config.control_ring_size = 16 * 1024;
  config.stdio_ring_size = 16 * 1024;
  config.max_frame = 4096;
  MemfdRegion region(config);

  ChildProcess vandal([&] {
    void* p = mmap(nullptr, region.size(), PROT_READ | PROT_WRITE, MAP_SHARED, region.fd(), 0);
    if (p == MAP_FAILED) return 2;
    scribble(static_cast<uint8_t*>(p), region.size());
  });

  std::map<Errc, uint64_t> outcomes;
  uint64_t frames_read = 0;
  uint64_t operations = 0;
  std::vector<uint8_t> buffer(config.max_frame);
  const uint8_t payload[64] = {1, 2, 3};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);

  while (std::chrono::steady_clock::now() < deadline) {
    // The host attaches with its private layout; only indices and data are shared.
    for (const RingId id : {RingId::kControlToHost, RingId::kStdioToHost}) {
      auto consumer = RingConsumer::attach(region.base(), region.ring(id), nullptr);
      if (!consumer.ok()) {
        ++outcomes[consumer.status().code];
        continue;
      }
      // Bounded: every successful read consumes at least 8 bytes of a 16 KiB ring.
      for (int i = 0; i < 4096; ++i) {
        ++operations;
        const auto frame = consumer->read(buffer.data(), static_cast<uint32_t>(buffer.size()));
        if (frame.ok()) {
          REQUIRE(frame->length <= config.max_frame);
          ++frames_read;
          continue;
        }
        ++outcomes[frame.status().code];
        if (frame.status().code == Errc::kBufferTooSmall) FAIL("a frame over max frame got past the check");
        break;
      }
      consumer->release();
    }
    for (const RingId id : {RingId::kControlToGuest, RingId::kStdioToGuest}) {
      auto producer = RingProducer::attach(region.base(), region.ring(id), nullptr);
      if (!producer.ok()) {
        ++outcomes[producer.status().code];
        continue;
      }
      for (int i = 0; i < 512; ++i) {
        ++operations;
        const Status s = producer->send(1, payload, sizeof payload);
        if (!s.ok()) {
          ++outcomes[s.code];
          break;
        }
      }
    }
    // Validating the scribbled header is the guest-side view: it must refuse, never crash.
    ++outcomes[validate_region(region.base(), region.size()).status().code];
  }
  vandal.kill_now();

  uint64_t violations = 0;
  for (const auto& [code, count] : outcomes) {
    INFO(describe(code) << ": " << count);
    CHECK(code != Errc::kInvalidArgument);
    if (Status{code}.is_violation()) violations += count;
  }
  INFO("operations " << operations << ", frames read " << frames_read);
  CHECK(operations > 1000);
  CHECK(violations > 0);
  CHECK(outcomes[Errc::kBadMagic] + outcomes[Errc::kBadLayout] + outcomes[Errc::kBadAbiVersion] +
            outcomes[Errc::kRegionTooSmall] > 0);
}
