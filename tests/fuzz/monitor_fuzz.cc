// libFuzzer target: the monitor's handling of whatever a guest writes.
//
// A fake backend gives the real Monitor a region in private memory. Before the monitor runs,
// the input plays the guest: it writes frames (well-formed Envelopes of any kind and order,
// arbitrary bytes, stdio frames of any type) into the guest's rings and pokes arbitrary
// bytes into shared memory; then the "guest" ends, and the monitor drains and judges what it
// finds. Any crash, sanitizer report or hang is a bug; the exit code must be one of those
// the monitor documents.
#include <fuzzer/FuzzedDataProvider.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include "hypervisors/backend.h"
#include "orchestrator/monitor.h"
#include "protocol/envelope_ring.h"

using namespace monocell;

namespace {

class NullNotifier final : public ring::Notifier {
 public:
  void notify() override {}
};

// A guest that has already ended: its end fd is readable from the start.
class FakeBackend final : public Backend {
 public:
  explicit FakeBackend(const ring::RegionConfig& config) : memory_(ring::region_size_for(config) + ring::kPageSize) {
    auto p = reinterpret_cast<uintptr_t>(memory_.data());
    base_ = reinterpret_cast<uint8_t*>((p + ring::kPageSize - 1) & ~uintptr_t{ring::kPageSize - 1});
    layout_ = ring::format_region(base_, ring::region_size_for(config), config).value();
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    end_fd_ = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  ~FakeBackend() override {
    close(wake_fd_);
    close(end_fd_);
  }
  void* region() const override { return base_; }
  uint8_t* bytes() const { return base_; }
  const ring::RegionLayout& layout() const override { return layout_; }
  ring::Notifier& guest_doorbell() override { return doorbell_; }
  int host_wakeup_fd() const override { return wake_fd_; }
  void consume_host_wakeup() override {}
  int end_fd() const override { return end_fd_; }
  GuestEnd end() override { return GuestEnd{}; }
  void kill() override {}

 private:
  std::vector<uint8_t> memory_;
  uint8_t* base_;
  ring::RegionLayout layout_;
  NullNotifier doorbell_;
  int wake_fd_;
  int end_fd_;
};

// Builds an Envelope of a body chosen by the input, with input-chosen fields.
v1::Envelope make_envelope(FuzzedDataProvider& in) {
  v1::Envelope e;
  e.set_id(in.ConsumeIntegral<uint64_t>());
  e.set_reply_to(in.ConsumeIntegralInRange<uint64_t>(0, 8));
  switch (in.ConsumeIntegralInRange<int>(0, 13)) {
    case 0: {
      auto* h = e.mutable_hello();
      h->mutable_protocol()->set_min(in.ConsumeIntegralInRange<uint32_t>(0, 3));
      h->mutable_protocol()->set_max(in.ConsumeIntegralInRange<uint32_t>(0, 3));
      h->add_features(in.ConsumeRandomLengthString(16));
      break;
    }
    case 1: e.mutable_welcome(); break;
    case 2: e.mutable_start()->add_argv(in.ConsumeRandomLengthString(16)); break;
    case 3: e.mutable_ready()->set_startup_ns(in.ConsumeIntegral<uint64_t>()); break;
    case 4: e.mutable_signal()->set_number(in.ConsumeIntegral<int32_t>()); break;
    case 5:
      if (in.ConsumeBool()) {
        e.mutable_exit()->set_code(in.ConsumeIntegral<int32_t>());
      } else {
        e.mutable_exit()->mutable_fault()->set_reason(in.ConsumeRandomLengthString(32));
      }
      break;
    case 6: e.mutable_stats_request(); break;
    case 7: e.mutable_stats()->set_uptime_ns(in.ConsumeIntegral<uint64_t>()); break;
    case 8: e.mutable_call()->set_method(in.ConsumeRandomLengthString(16)); break;
    case 9: e.mutable_call_reply()->set_payload(in.ConsumeRandomLengthString(64)); break;
    case 10: e.mutable_ping(); break;
    case 11: e.mutable_pong(); break;
    case 12: e.mutable_error()->set_message(in.ConsumeRandomLengthString(32)); break;
    default: e.mutable_shutdown(); break;
  }
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  google::protobuf::SetLogHandler(nullptr);  // (the CLI sends these to its debug log)
  Monitor::block_stop_signals();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  ring::RegionConfig config;
  config.control_ring_size = 4096;
  config.stdio_ring_size = 4096;
  config.max_frame = 1024;
  FakeBackend backend(config);
  const ring::RingLayout& control = *backend.layout().find(ring::RingId::kControlToHost);
  auto control_out = ring::RingProducer::attach(backend.region(), control, nullptr).value();
  auto stdio_out =
      ring::RingProducer::attach(backend.region(), *backend.layout().find(ring::RingId::kStdioToHost), nullptr).value();

  for (int step = 0; step < 64 && in.remaining_bytes() > 0; ++step) {
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: {  // a well-formed Envelope
        const std::string bytes = make_envelope(in).SerializeAsString();
        control_out.send(static_cast<uint32_t>(ring::FrameType::kEnvelope), bytes.data(),
                         static_cast<uint32_t>(bytes.size()));
        break;
      }
      case 1: {  // arbitrary bytes and type on the control ring
        const uint32_t type = in.ConsumeIntegralInRange<uint32_t>(0, 6);
        const std::string bytes = in.ConsumeRandomLengthString(256);
        control_out.send(type, bytes.data(), static_cast<uint32_t>(bytes.size()));
        break;
      }
      case 2: {  // guest output of any type
        const uint32_t type = in.ConsumeIntegralInRange<uint32_t>(0, 6);
        const std::string bytes = in.ConsumeRandomLengthString(256);
        stdio_out.send(type, bytes.data(), static_cast<uint32_t>(bytes.size()));
        break;
      }
      default: {  // the guest pokes any byte of its rings
        const size_t offset = in.ConsumeIntegralInRange<size_t>(control.indices_offset, backend.layout().size - 1);
        backend.bytes()[offset] = in.ConsumeIntegral<uint8_t>();
        break;
      }
    }
  }

  GuestConfig guest;
  guest.name = "fuzz";
  guest.argv = {"fuzz"};
  static const int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  Monitor monitor(guest, backend, MonitorOptions{null_fd, null_fd, -1, nullptr, nullptr, -1, nullptr});
  const int code = monitor.run();
  if (code < 0 || code > 255) abort();
  return 0;
}
