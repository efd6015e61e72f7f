// A ring region in private, page-aligned memory for tests, formatted with a given config.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <stdexcept>

#include "protocol/ring/region.h"
#include "protocol/ring/ring.h"

namespace monocell::testing {

class TestRegion {
 public:
  explicit TestRegion(const ring::RegionConfig& config = {}) : size_(ring::region_size_for(config)) {
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap of test region failed");
    base_ = static_cast<uint8_t*>(p);
    const auto layout = ring::format_region(base_, size_, config);
    if (!layout.ok()) throw std::runtime_error(layout.status().message());
    layout_ = layout.value();
  }
  ~TestRegion() { munmap(base_, size_); }
  TestRegion(const TestRegion&) = delete;
  TestRegion& operator=(const TestRegion&) = delete;

  uint8_t* base() const { return base_; }
  uint64_t size() const { return size_; }
  const ring::RegionLayout& layout() const { return layout_; }
  const ring::RingLayout& ring(ring::RingId id) const { return *layout_.find(id); }
  ring::RingIndices* indices(ring::RingId id) const {
    return reinterpret_cast<ring::RingIndices*>(base_ + ring(id).indices_offset);
  }
  uint8_t* data(ring::RingId id) const { return base_ + ring(id).data_offset; }

  ring::RingProducer producer(ring::RingId id, ring::Notifier* wake = nullptr) const {
    auto p = ring::RingProducer::attach(base_, ring(id), wake);
    if (!p.ok()) throw std::runtime_error(p.status().message());
    return p.value();
  }
  ring::RingConsumer consumer(ring::RingId id, ring::Notifier* wake = nullptr) const {
    auto c = ring::RingConsumer::attach(base_, ring(id), wake);
    if (!c.ok()) throw std::runtime_error(c.status().message());
    return c.value();
  }

 private:
  uint64_t size_;
  uint8_t* base_ = nullptr;
  ring::RegionLayout layout_;
};

}  // namespace monocell::testing
