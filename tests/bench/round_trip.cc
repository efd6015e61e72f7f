// Ping-pong between a parent and a child process over a ring pair or a unix socketpair.
#include "tests/bench/round_trip.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace monocell::bench {
namespace {

using ring::Errc;
using ring::RingId;

constexpr uint32_t kFrameType = static_cast<uint32_t>(ring::FrameType::kEnvelope);

// One side of the ring ping-pong: it sends on one ring and receives on the other.
class PingPongEnd {
 public:
  PingPongEnd(ring::RingProducer sender, ring::RingConsumer receiver, RingWait wait,
              ring::EventFdNotifier& own_wakeup, PeerWatch* watch, const char* what)
      : sender_(sender), receiver_(receiver), wait_(wait), own_wakeup_(own_wakeup), watch_(watch),
        what_(what), message_(receiver.max_frame()) {}

  void send(uint32_t length) {
    const ring::Status status = sender_.send(kFrameType, message_.data(), length);
    if (!status.ok()) fail_ring(what_, status);  // one message in flight: never kNoSpace
  }

  // Waits for the next message and checks it carries `sequence`.
  void receive(uint32_t length, uint64_t sequence) {
    for (;;) {
      const ring::Result<ring::Frame> frame = receiver_.read(message_.data(), receiver_.max_frame());
      if (frame.ok()) {
        if (frame->length != length) {
          throw BenchFailure(std::string(what_) + ": message of " + std::to_string(frame->length) +
                             " bytes, expected " + std::to_string(length));
        }
        check_sequence(message_.data(), length, sequence, what_);
        receiver_.release();
        return;
      }
      if (frame.status().code != Errc::kEmpty) fail_ring(what_, frame.status());
      idle();
    }
  }

  uint8_t* message() { return message_.data(); }
  const ring::RingCounters& receiver_counters() const { return receiver_.counters(); }
  uint64_t missed_wakeups() const { return missed_wakeups_; }

 private:
  void idle() {
    if (wait_ == RingWait::kBusyPoll) {
      if (watch_ != nullptr) watch_->spin();
      else cpu_relax();
      return;
    }
    if (!receiver_.prepare_wait()) return;  // a message arrived while arming: no sleep
    // The parent wakes now and then to check that the child still runs.
    const bool notified = own_wakeup_.wait(watch_ != nullptr ? kLivenessCheckMs : -1);
    receiver_.finish_wait();
    if (!notified && watch_ != nullptr) {
      watch_->check();
      // A message waiting after a whole timeout of sleep means its wakeup came late or never.
      if (receiver_.peek().ok()) ++missed_wakeups_;
    }
  }

  static constexpr int kLivenessCheckMs = 200;

  ring::RingProducer sender_;
  ring::RingConsumer receiver_;
  RingWait wait_;
  ring::EventFdNotifier& own_wakeup_;
  PeerWatch* watch_;
  const char* what_;
  std::vector<uint8_t> message_;
  uint64_t missed_wakeups_ = 0;
};

const char* describe(RingWait wait) {
  return wait == RingWait::kBusyPoll ? "ring round trip (busy-polling)" : "ring round trip (sleeping)";
}

// The child: echoes every ping back.
int echo_ring_pings(BenchRig& rig, RingWait wait, uint32_t message_size, uint64_t round_trips) {
  ring::Notifier* host_wakeup = wait == RingWait::kSleep ? &rig.host_wakeup() : nullptr;
  PingPongEnd guest(rig.producer(RingId::kControlToHost, host_wakeup),
                    rig.consumer(RingId::kControlToGuest, nullptr), wait, rig.guest_wakeup(), nullptr,
                    describe(wait));
  rig.start_line().child_signal_ready();
  for (uint64_t sequence = 0; sequence < round_trips; ++sequence) {
    guest.receive(message_size, sequence);
    guest.send(message_size);
  }
  return 0;
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { close_now(); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  void close_now() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

void write_all(int fd, const uint8_t* data, size_t length) {
  while (length > 0) {
    const ssize_t n = ::write(fd, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_syscall("write to unix socket");
    data += n;
    length -= size_t(n);
  }
}

void read_exact(int fd, uint8_t* data, size_t length) {
  while (length > 0) {
    const ssize_t n = ::read(fd, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_syscall("read from unix socket");
    if (n == 0) throw BenchFailure("unix round trip: the other process closed its socket");
    data += n;
    length -= size_t(n);
  }
}

}  // namespace

RingRoundTrip ring_round_trip(BenchRig& rig, RingWait wait, uint32_t message_size, uint64_t round_trips) {
  rig.reset();
  ChildProcess guest([&] { return echo_ring_pings(rig, wait, message_size, round_trips); });
  PeerWatch watch(guest, describe(wait));
  ring::Notifier* guest_wakeup = wait == RingWait::kSleep ? &rig.guest_wakeup() : nullptr;
  PingPongEnd host(rig.producer(RingId::kControlToGuest, guest_wakeup),
                   rig.consumer(RingId::kControlToHost, nullptr), wait, rig.host_wakeup(), &watch,
                   describe(wait));

  rig.start_line().parent_wait_until_ready(watch);
  const uint64_t start = now_ns();
  for (uint64_t sequence = 0; sequence < round_trips; ++sequence) {
    stamp_sequence(host.message(), message_size, sequence);
    host.send(message_size);
    host.receive(message_size, sequence);
  }
  const uint64_t elapsed = now_ns() - start;
  guest.expect_success(describe(wait));
  return RingRoundTrip{double(elapsed) / double(round_trips),
                       double(host.receiver_counters().sleeps) / double(round_trips), host.missed_wakeups()};
}

double unix_round_trip_ns(uint32_t message_size, uint64_t round_trips) {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) fail_syscall("socketpair(AF_UNIX)");
  FileDescriptor host_end(ends[0]);
  FileDescriptor guest_end(ends[1]);
  std::vector<uint8_t> message(message_size);

  ChildProcess guest([&] {
    host_end.close_now();
    const uint8_t ready = 1;
    write_all(guest_end.get(), &ready, 1);
    for (uint64_t sequence = 0; sequence < round_trips; ++sequence) {
      read_exact(guest_end.get(), message.data(), message_size);
      check_sequence(message.data(), message_size, sequence, "unix round trip");
      write_all(guest_end.get(), message.data(), message_size);
    }
    return 0;
  });
  guest_end.close_now();  // so a dead child shows up as end of file, not a hang
  uint8_t ready;
  read_exact(host_end.get(), &ready, 1);

  const uint64_t start = now_ns();
  for (uint64_t sequence = 0; sequence < round_trips; ++sequence) {
    stamp_sequence(message.data(), message_size, sequence);
    write_all(host_end.get(), message.data(), message_size);
    read_exact(host_end.get(), message.data(), message_size);
    check_sequence(message.data(), message_size, sequence, "unix round trip");
  }
  const uint64_t elapsed = now_ns() - start;
  guest.expect_success("unix round trip");
  return double(elapsed) / double(round_trips);
}

}  // namespace monocell::bench
