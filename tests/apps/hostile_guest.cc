// A hostile guest, written against the ring ABI rather than the runtime: it finds its region
// and notifications through the runtime's Platform (the process backend's launch contract, or
// the boot-info page inside a KVM guest: the one per-platform part, chosen by the build), greets
// the host correctly, then misbehaves as argv[1] says (the mode arrives in Start, as any app's
// argv does).
//
//   garbage      scribble random bytes over its control ring's data and indices
//   oversize     publish a frame header longer than the region's max frame
//   malformed    publish an Envelope frame whose bytes do not parse
//   not-utf8     publish an Envelope whose string field is not UTF-8 (protobuf refuses it)
//   wrong-type   publish a stdio frame of a type that does not exist
//   segv         dereference null
//   abort        call abort()
//   ud2          execute an invalid instruction
//   div0         divide by zero
//   deaf         ignore everything the host sends (a stop signal included)
//   silent       take every request the host sends and answer none
//   no-doorbell  answer every Call with its payload, but never ring the host's doorbell
//
// Built a second time with HOSTILE_OLD_VERSION defined, it says Hello with a protocol range
// the host does not speak (the mode cannot come from Start: the host refuses before Start).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "guest-libos/runtime/platform.h"
#include "protocol/envelope_ring.h"

using namespace monocell;

namespace {

struct Guest {
  std::unique_ptr<runtime::Platform> platform;
  uint8_t* base;
  ring::RegionLayout layout;
  ring::RingProducer out;
  ring::RingConsumer in;
  ring::RingProducer stdio;
};

void send(Guest& g, v1::Envelope e) {
  static uint64_t id = 1;
  e.set_id(id++);
  protocol::EnvelopeWriter(g.out).send(e);
}

v1::Envelope receive(Guest& g) {
  protocol::EnvelopeReader reader(g.in);
  for (;;) {
    v1::Envelope e;
    const auto s = reader.read(&e);
    if (s.ok()) {
      reader.release();
      return e;
    }
    if (!s.is_violation() && g.in.prepare_wait()) {
      g.platform->wait_for_host(1000);
      g.in.finish_wait();
    }
    if (s.is_violation()) _exit(3);
  }
}

// A real null dereference (UBSan, in sanitized builds, must not turn it into a report).
__attribute__((no_sanitize("undefined"))) int dereference_null() {
  volatile int* null = nullptr;
  return *null;
}

[[noreturn]] void hang(Guest& g) {
  for (;;) g.platform->wait_for_host(-1);
}

}  // namespace

// Under ASan builds: let a fault kill this process as it would kill a real guest, rather than
// ASan turning it into a report and exit code 1.
extern "C" const char* __asan_default_options() { return "handle_segv=0:handle_sigfpe=0:handle_sigill=0"; }

int main() {
  Guest g;
  std::string why;
  g.platform = runtime::detect_platform(&why);
  if (g.platform == nullptr) return 2;
  void* p = g.platform->region();
  g.base = static_cast<uint8_t*>(p);
  g.layout = ring::validate_region(p, g.platform->region_size()).value();
  ring::Notifier* wake_host = &g.platform->host_doorbell();
  g.out = ring::RingProducer::attach(p, *g.layout.find(ring::RingId::kControlToHost), wake_host).value();
  g.in = ring::RingConsumer::attach(p, *g.layout.find(ring::RingId::kControlToGuest), wake_host).value();
  g.stdio = ring::RingProducer::attach(p, *g.layout.find(ring::RingId::kStdioToHost), wake_host).value();

  v1::Envelope hello;
  hello.mutable_hello()->mutable_protocol()->set_min(1);
  hello.mutable_hello()->mutable_protocol()->set_max(1);
  hello.mutable_hello()->mutable_guest()->set_app_name("hostile");
#ifdef HOSTILE_OLD_VERSION
  hello.mutable_hello()->mutable_protocol()->set_min(7);
  hello.mutable_hello()->mutable_protocol()->set_max(9);
#endif
  send(g, hello);
  std::string mode;
  for (;;) {
    const v1::Envelope e = receive(g);
    if (e.has_error()) return 4;  // refused, as expected for old-version
    if (e.has_start()) {
      if (e.start().argv_size() > 1) mode = e.start().argv(1);
      break;
    }
  }
  v1::Envelope ready;
  ready.mutable_ready();
  send(g, ready);
  const ring::RingLayout& control = *g.layout.find(ring::RingId::kControlToHost);

  if (mode == "garbage") {
    uint64_t x = 88172645463325252ull;
    for (uint32_t i = 0; i < control.data_size; i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(g.base + control.data_offset + i, &x, 8);
    }
    uint32_t* producer = reinterpret_cast<uint32_t*>(g.base + control.indices_offset);
    __atomic_store_n(producer, 0x7FFFFFF8u, __ATOMIC_RELEASE);
    g.platform->host_doorbell().notify();
    hang(g);
  }
  if (mode == "oversize") {
    const ring::FrameHeader h{g.layout.max_frame + 1, 1};
    uint32_t* producer = reinterpret_cast<uint32_t*>(g.base + control.indices_offset);
    const uint32_t at = __atomic_load_n(producer, __ATOMIC_RELAXED);
    std::memcpy(g.base + control.data_offset + (at & (control.data_size - 1)), &h, sizeof h);
    __atomic_store_n(producer, at + 16, __ATOMIC_RELEASE);
    g.platform->host_doorbell().notify();
    hang(g);
  }
  if (mode == "malformed") {
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    g.out.send(static_cast<uint32_t>(ring::FrameType::kEnvelope), junk, sizeof junk);
    hang(g);
  }
  if (mode == "not-utf8") {
    v1::Envelope error;
    error.set_id(99);
    error.mutable_error()->set_message("@@@@");
    std::string bytes = error.SerializeAsString();
    bytes.replace(bytes.find("@@@@"), 4, "\xff\xfe\xff\xfe");
    g.out.send(static_cast<uint32_t>(ring::FrameType::kEnvelope), bytes.data(), static_cast<uint32_t>(bytes.size()));
    hang(g);
  }
  if (mode == "wrong-type") {
    g.stdio.send(77, "x", 1);
    hang(g);
  }
  if (mode == "segv") return dereference_null();
  if (mode == "abort") std::abort();
  if (mode == "ud2") __builtin_trap();
  if (mode == "div0") {
    // The CPU's own divide by zero (#DE): in C++ it would be undefined, which UBSan reports
    // instead of letting it happen, and GCC may fold away.
    asm volatile("mov $7, %%eax; xor %%edx, %%edx; xor %%ecx, %%ecx; div %%ecx" ::: "eax", "ecx", "edx");
    return 1;
  }
  if (mode == "deaf") hang(g);
  if (mode == "silent") {  // takes every request and answers none
    for (;;) receive(g);
  }
  if (mode == "no-doorbell") {  // a producer with no notifier: the host is never woken
    ring::RingProducer quiet = ring::RingProducer::attach(p, control, nullptr).value();
    for (;;) {
      const v1::Envelope e = receive(g);
      if (!e.has_call()) continue;
      v1::Envelope reply;
      reply.set_id(1'000'000 + e.id());
      reply.set_reply_to(e.id());
      reply.mutable_call_reply()->set_payload(e.call().payload());
      // Only once the host has armed its sleep: a reply it would find anyway proves nothing.
      const auto* indices = reinterpret_cast<const ring::RingIndices*>(g.base + control.indices_offset);
      while (__atomic_load_n(&indices->consumer.waiting, __ATOMIC_ACQUIRE) == 0) {
      }
      protocol::EnvelopeWriter(quiet).send(reply);
    }
  }
  return 5;
}
