// The two ends of one single-producer single-consumer ring: RingProducer and RingConsumer.
//
// Both ends treat the other as hostile. Each reads the other side's index at most once per
// operation (and only when its cached copy is exhausted), checks it against the ring size
// and alignment before use, reads a frame header once, bounds-checks its length, and copies
// the payload out before anyone parses it. A broken invariant makes the end "broken": every
// later call returns the same Status, so a caller can never loop on a corrupt ring.
//
// Publishing is batched: write() stages frames, publish() makes them visible with one index
// store. Notifications follow the need-wakeup protocol: a side that wants to sleep sets its
// waiting flag, issues a full fence, re-checks the ring, and only then sleeps; the other side
// stores its index, issues a full fence, and notifies only if the flag is set. Either the
// sleeper sees the new index or the waker sees the flag, so no wakeup is lost.
#pragma once

#include <stdint.h>

#include "abi.h"
#include "atomics.h"
#include "region.h"
#include "status.h"

namespace monocell::ring {

// How one side wakes the other: an eventfd, a futex, a KVM doorbell or a Xen event channel.
class Notifier {
 public:
  virtual void notify() = 0;

 protected:
  ~Notifier() = default;
};

struct RingCounters {
  uint64_t frames = 0;  // frames written (producer) or read (consumer)
  uint64_t bytes = 0;  // payload bytes of those frames
  uint64_t publishes = 0;  // index stores made visible to the other side
  uint64_t notifications = 0;  // times the other side was woken
  uint64_t sleeps = 0;  // times this end armed its waiting flag and was told to sleep
};

struct Frame {
  uint32_t type = 0;
  uint32_t length = 0;
};

namespace detail {

// What both ends share: where the ring lives, its geometry, and the sticky failure.
class RingEnd {
 public:
  const Status& broken() const { return broken_; }
  const RingCounters& counters() const { return counters_; }
  uint32_t capacity() const { return size_; }
  uint32_t max_frame() const { return max_frame_; }
  bool attached() const { return data_ != nullptr; }

 protected:
  Status attach_to(void* region, const RingLayout& layout, Notifier* peer) {
    if (region == nullptr || !is_power_of_two(layout.data_size) || layout.data_size < kMinRingSize ||
        frame_span(layout.max_frame) > layout.data_size) {
      return error(Errc::kInvalidArgument, layout.data_size, layout.max_frame);
    }
    auto* base = static_cast<uint8_t*>(region);
    indices_ = reinterpret_cast<RingIndices*>(base + layout.indices_offset);
    data_ = base + layout.data_offset;
    size_ = layout.data_size;
    max_frame_ = layout.max_frame;
    peer_ = peer;
    return ok_status();
  }

  Status fail(Status status) {
    broken_ = status;
    return status;
  }

  // Checks an index read from the other side: `distance` = (later index - earlier index).
  Status check_distance(uint32_t peer_index, uint32_t distance) {
    if (peer_index % kFrameAlign != 0) return fail(error(Errc::kIndexMisaligned, peer_index, kFrameAlign));
    if (distance > size_) return fail(error(Errc::kIndexOutOfRange, distance, size_));
    return ok_status();
  }

  void wake_peer() {
    if (peer_ != nullptr) {
      peer_->notify();
      ++counters_.notifications;
    }
  }

  void copy_in(uint32_t position, const void* src, uint32_t length) {
    const uint32_t offset = position & (size_ - 1);
    const uint32_t first = length < size_ - offset ? length : size_ - offset;
    __builtin_memcpy(data_ + offset, src, first);
    if (first < length) __builtin_memcpy(data_, static_cast<const uint8_t*>(src) + first, length - first);
  }

  void copy_out(uint32_t position, void* dst, uint32_t length) const {
    const uint32_t offset = position & (size_ - 1);
    const uint32_t first = length < size_ - offset ? length : size_ - offset;
    __builtin_memcpy(dst, data_ + offset, first);
    if (first < length) __builtin_memcpy(static_cast<uint8_t*>(dst) + first, data_, length - first);
  }

  RingIndices* indices_ = nullptr;
  uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t max_frame_ = 0;
  Notifier* peer_ = nullptr;
  Status broken_{};
  RingCounters counters_{};
};

}  // namespace detail

class RingProducer : public detail::RingEnd {
 public:
  RingProducer() = default;

  // Attaches to a ring in a mapped region, resuming at the producer index stored there.
  // `consumer_wakeup` may be null (the consumer polls).
  static Result<RingProducer> attach(void* region, const RingLayout& layout, Notifier* consumer_wakeup) {
    return attach_with(region, layout, consumer_wakeup, nullptr);
  }
  // The same for the side that formatted the region: it starts at `own_index`, not at whatever
  // the shared memory says by now (the peer can write there).
  static Result<RingProducer> attach_at(void* region, const RingLayout& layout, Notifier* consumer_wakeup,
                                        uint32_t own_index) {
    return attach_with(region, layout, consumer_wakeup, &own_index);
  }

  // Checks that a frame of `length` payload bytes fits now; kNoSpace if not yet.
  Status writable(uint32_t length) {
    if (!broken_.ok()) return broken_;
    if (length > max_frame_) return error(Errc::kFrameTooLarge, length, max_frame_);
    return reserve(frame_span(length));
  }

  // Stages one frame. It becomes visible to the consumer at the next publish().
  Status write(uint32_t type, const void* payload, uint32_t length) {
    return write2(type, payload, length, nullptr, 0);
  }

  // Stages one frame whose payload is `a` followed by `b`, without joining them first.
  Status write2(uint32_t type, const void* a, uint32_t a_length, const void* b, uint32_t b_length) {
    if (!broken_.ok()) return broken_;
    const uint64_t length = uint64_t{a_length} + b_length;
    if (length > max_frame_) return error(Errc::kFrameTooLarge, length, max_frame_);
    if ((a == nullptr && a_length != 0) || (b == nullptr && b_length != 0)) {
      return error(Errc::kInvalidArgument);
    }
    const uint64_t span = frame_span(static_cast<uint32_t>(length));
    const Status s = reserve(span);
    if (!s.ok()) return s;
    // A header never wraps (8-byte frames in a power-of-two ring): one plain 8-byte store.
    const FrameHeader header{static_cast<uint32_t>(length), type};
    __builtin_memcpy(data_ + (tail_ & (size_ - 1)), &header, sizeof header);
    if (a_length != 0) copy_in(tail_ + sizeof header, a, a_length);
    if (b_length != 0) copy_in(tail_ + sizeof header + a_length, b, b_length);
    tail_ += static_cast<uint32_t>(span);
    ++counters_.frames;
    counters_.bytes += length;
    return ok_status();
  }

  // Makes every staged frame visible; wakes the consumer if it said it sleeps.
  // Returns true if it notified.
  bool publish() {
    if (tail_ == published_ || !broken_.ok()) return false;
    store_release(&indices_->producer.index, tail_);
    published_ = tail_;
    ++counters_.publishes;
    fence_full();
    if (load_relaxed(&indices_->consumer.waiting) != 0) {
      wake_peer();
      return true;
    }
    return false;
  }

  // write() and publish() in one.
  Status send(uint32_t type, const void* payload, uint32_t length) {
    const Status s = write(type, payload, length);
    if (s.ok()) publish();
    return s;
  }

  // Before sleeping until a frame of `length` fits: publishes what is staged, arms the
  // waiting flag and re-checks. Returns true only if the caller should now sleep; call
  // finish_wait() once woken (or on timeout).
  bool prepare_wait_for_space(uint32_t length) {
    publish();
    if (!broken_.ok() || length > max_frame_) return false;
    store_relaxed(&indices_->producer.waiting, 1);
    fence_full();
    if (reserve(frame_span(length)).code != Errc::kNoSpace) {
      finish_wait();
      return false;
    }
    ++counters_.sleeps;
    return true;
  }

  void finish_wait() { store_relaxed(&indices_->producer.waiting, 0); }

  uint32_t staged_bytes() const { return tail_ - published_; }

  // True when the consumer says it sleeps although published frames wait for it: the
  // notification that should have woken it was lost. For a periodic check, not a fast path.
  bool consumer_sleeps_on_data() const {
    if (!broken_.ok()) return false;
    const bool sleeping = load_acquire(&indices_->consumer.waiting) != 0;
    return sleeping && load_acquire(&indices_->consumer.index) != published_;
  }

 private:
  // `own_index` null: read it from the region.
  static Result<RingProducer> attach_with(void* region, const RingLayout& layout, Notifier* consumer_wakeup,
                                          const uint32_t* own_index) {
    RingProducer p;
    Status s = p.attach_to(region, layout, consumer_wakeup);
    if (!s.ok()) return s;
    p.tail_ = p.published_ = own_index != nullptr ? *own_index : load_relaxed(&p.indices_->producer.index);
    if (p.tail_ % kFrameAlign != 0) return error(Errc::kIndexMisaligned, p.tail_, kFrameAlign);
    s = p.refresh_consumer();
    if (!s.ok()) return s;
    return p;
  }

  Status refresh_consumer() {
    const uint32_t consumer = load_acquire(&indices_->consumer.index);  // the one read
    // The consumer can only have consumed what was published, and never moves backwards past
    // the space we already filled on the strength of its earlier value.
    Status s = check_distance(consumer, published_ - consumer);
    if (s.ok()) s = check_distance(consumer, tail_ - consumer);
    if (!s.ok()) return s;
    consumer_ = consumer;
    return ok_status();
  }

  Status reserve(uint64_t span) {
    if ((tail_ - consumer_) + span <= size_) return ok_status();
    const Status s = refresh_consumer();
    if (!s.ok()) return s;
    const uint32_t used = tail_ - consumer_;
    if (used + span > size_) return error(Errc::kNoSpace, span, size_ - used);
    return ok_status();
  }

  uint32_t tail_ = 0;  // next byte to write (private, ahead of the shared index)
  uint32_t published_ = 0;  // last value stored to the shared producer index
  uint32_t consumer_ = 0;  // last validated consumer index
};

class RingConsumer : public detail::RingEnd {
 public:
  RingConsumer() = default;

  // Attaches to a ring in a mapped region, resuming at the consumer index stored there.
  // `producer_wakeup` may be null (the producer polls).
  static Result<RingConsumer> attach(void* region, const RingLayout& layout, Notifier* producer_wakeup) {
    return attach_with(region, layout, producer_wakeup, nullptr);
  }
  // The same for the side that formatted the region: it starts at `own_index` (see RingProducer).
  static Result<RingConsumer> attach_at(void* region, const RingLayout& layout, Notifier* producer_wakeup,
                                        uint32_t own_index) {
    return attach_with(region, layout, producer_wakeup, &own_index);
  }

  // The next frame's type and length, validated but not consumed. kEmpty if there is none.
  Result<Frame> peek() {
    Frame frame;
    const Status s = next_frame(&frame);
    if (!s.ok()) return s;
    return frame;
  }

  // Copies the next frame's payload into `buffer` and consumes it. kBufferTooSmall (value =
  // the frame's length) leaves the frame in place for a retry with a larger buffer.
  Result<Frame> read(void* buffer, uint32_t capacity) {
    Frame frame;
    const Status s = next_frame(&frame);
    if (!s.ok()) return s;
    if (frame.length > capacity) return error(Errc::kBufferTooSmall, frame.length, capacity);
    if (frame.length != 0) copy_out(head_ + sizeof(FrameHeader), buffer, frame.length);
    head_ += static_cast<uint32_t>(frame_span(frame.length));
    ++counters_.frames;
    counters_.bytes += frame.length;
    return frame;
  }

  // Consumes the next frame without copying it.
  Status skip() {
    Frame frame;
    const Status s = next_frame(&frame);
    if (!s.ok()) return s;
    head_ += static_cast<uint32_t>(frame_span(frame.length));
    ++counters_.frames;
    return ok_status();
  }

  // Hands consumed space back to the producer; wakes it if it waits for space.
  // Returns true if it notified.
  bool release() {
    if (head_ == released_ || !broken_.ok()) return false;
    store_release(&indices_->consumer.index, head_);
    released_ = head_;
    ++counters_.publishes;
    fence_full();
    if (load_relaxed(&indices_->producer.waiting) != 0) {
      wake_peer();
      return true;
    }
    return false;
  }

  // Before sleeping until a frame arrives: releases consumed space, arms the waiting flag and
  // re-checks. Returns true only if the caller should now sleep; call finish_wait() once woken
  // (or on timeout).
  bool prepare_wait() {
    release();
    if (!broken_.ok()) return false;
    store_relaxed(&indices_->consumer.waiting, 1);
    fence_full();
    if (load_acquire(&indices_->producer.index) != head_) {
      finish_wait();
      return false;
    }
    ++counters_.sleeps;
    return true;
  }

  void finish_wait() { store_relaxed(&indices_->consumer.waiting, 0); }

  // True when the producer has published frames this end has not read.
  bool has_unread() const { return broken_.ok() && load_acquire(&indices_->producer.index) != head_; }

 private:
  static Result<RingConsumer> attach_with(void* region, const RingLayout& layout, Notifier* producer_wakeup,
                                          const uint32_t* own_index) {
    RingConsumer c;
    Status s = c.attach_to(region, layout, producer_wakeup);
    if (!s.ok()) return s;
    c.head_ = c.released_ = own_index != nullptr ? *own_index : load_relaxed(&c.indices_->consumer.index);
    if (c.head_ % kFrameAlign != 0) return error(Errc::kIndexMisaligned, c.head_, kFrameAlign);
    c.producer_ = c.head_;
    return c;
  }

  // Validates the next frame into `frame` (a plain out-parameter: going through Result here
  // defeats store-to-load forwarding on the hot path).
  Status next_frame(Frame* frame) {
    if (!broken_.ok()) return broken_;
    uint32_t available = producer_ - head_;
    if (available == 0) {
      const uint32_t producer = load_acquire(&indices_->producer.index);  // the one read
      const Status s = check_distance(producer, producer - head_);
      if (!s.ok()) return s;
      producer_ = producer;
      available = producer - head_;
      if (available == 0) return error(Errc::kEmpty);
    }
    // The header is read once, word by word; the payload is copied before anyone parses it.
    const auto* header = reinterpret_cast<const uint32_t*>(data_ + (head_ & (size_ - 1)));
    frame->length = load_relaxed(&header[0]);
    frame->type = load_relaxed(&header[1]);
    if (frame->length > max_frame_) {
      return fail(error(Errc::kCorruptFrameLength, frame->length, max_frame_));
    }
    if (frame_span(frame->length) > available) {
      return fail(error(Errc::kCorruptFrameLength, frame_span(frame->length), available));
    }
    return ok_status();
  }

  uint32_t head_ = 0;  // next byte to read (private, ahead of the shared index)
  uint32_t released_ = 0;  // last value stored to the shared consumer index
  uint32_t producer_ = 0;  // last validated producer index
};

}  // namespace monocell::ring
