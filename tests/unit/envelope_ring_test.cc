// Tests for protocol/envelope_ring.h and protocol/describe.h: every Envelope body crosses a
// ring intact; frames that are not Envelopes are reported, not parsed blindly.
#include <catch2/catch.hpp>

#include <functional>
#include <map>

#include "protocol/describe.h"
#include "protocol/envelope_ring.h"
#include "tests/support/test_region.h"

using namespace monocell;
using monocell::testing::TestRegion;
using v1::Envelope;

namespace {

// One fully populated sample per body case.
std::map<Envelope::BodyCase, std::function<void(Envelope&)>> samples() {
  return {
      {Envelope::kHello,
       [](Envelope& e) {
         auto* h = e.mutable_hello();
         h->mutable_protocol()->set_min(1);
         h->mutable_protocol()->set_max(3);
         h->add_features("stdio");
         h->add_features("calls");
         h->mutable_guest()->set_app_name("hello");
         h->mutable_guest()->set_hypervisor("kvm");
         h->mutable_guest()->set_memory_bytes(64 << 20);
         h->mutable_guest()->set_ring_abi_version(ring::kAbiVersion);
       }},
      {Envelope::kWelcome,
       [](Envelope& e) {
         e.mutable_welcome()->set_protocol_version(2);
         e.mutable_welcome()->add_features("stdio");
         e.mutable_welcome()->set_guest_name("web-1");
       }},
      {Envelope::kStart,
       [](Envelope& e) {
         e.mutable_start()->add_argv("hello");
         e.mutable_start()->add_argv(std::string("with\0nul", 8));
         e.mutable_start()->add_env("PATH=/bin");
         e.mutable_start()->set_cwd("/");
       }},
      {Envelope::kReady, [](Envelope& e) { e.mutable_ready()->set_startup_ns(1234567); }},
      {Envelope::kSignal, [](Envelope& e) { e.mutable_signal()->set_number(15); }},
      {Envelope::kExit,
       [](Envelope& e) {
         auto* f = e.mutable_exit()->mutable_fault();
         f->set_reason("page fault at 0x0");
         f->set_vector(14);
         f->set_error_code(4);
         f->set_rip(0x401000);
         f->set_address(0);
       }},
      {Envelope::kStatsRequest, [](Envelope& e) { e.mutable_stats_request(); }},
      {Envelope::kStats,
       [](Envelope& e) {
         auto* s = e.mutable_stats();
         s->mutable_memory()->set_total_bytes(64 << 20);
         s->mutable_memory()->set_used_bytes(3 << 20);
         s->set_uptime_ns(5'000'000'000);
         s->set_cpu_time_ns(42);
         auto* r = s->add_rings();
         r->set_ring("control.to_host");
         r->set_frames(10);
         r->set_notifications(2);
       }},
      {Envelope::kCall,
       [](Envelope& e) {
         e.mutable_call()->set_method("echo");
         e.mutable_call()->set_payload(std::string(3000, '\xff'));
       }},
      {Envelope::kCallReply,
       [](Envelope& e) {
         e.mutable_call_reply()->set_status(v1::CALL_STATUS_UNKNOWN_METHOD);
         e.mutable_call_reply()->set_message("no handler for \"nope\"");
       }},
      {Envelope::kPing, [](Envelope& e) { e.mutable_ping()->set_nonce(0xFFFFFFFFFFFFFFFFull); }},
      {Envelope::kPong, [](Envelope& e) { e.mutable_pong()->set_nonce(7); }},
      {Envelope::kError,
       [](Envelope& e) {
         e.mutable_error()->set_code(v1::ERROR_CODE_VERSION_MISMATCH);
         e.mutable_error()->set_message("guest speaks 7..9");
       }},
      {Envelope::kShutdown,
       [](Envelope& e) {
         e.mutable_shutdown()->set_grace_period_ms(10000);
         e.mutable_shutdown()->set_reason("SIGTERM");
       }},
  };
}

}  // namespace

TEST_CASE("the samples cover every Envelope body") {
  const auto all = samples();
  // Body field numbers run from hello (10) to shutdown (23); a new body needs a sample here.
  for (int number = Envelope::kHelloFieldNumber; number <= Envelope::kShutdownFieldNumber; ++number) {
    INFO("body field " << number);
    CHECK(all.count(static_cast<Envelope::BodyCase>(number)) == 1);
  }
  CHECK(all.size() == Envelope::kShutdownFieldNumber - Envelope::kHelloFieldNumber + 1);
}

TEST_CASE("Envelopes of every type round-trip through a ring") {
  TestRegion region;
  auto producer = region.producer(ring::RingId::kControlToHost);
  auto consumer = region.consumer(ring::RingId::kControlToHost);
  protocol::EnvelopeWriter writer(producer);
  protocol::EnvelopeReader reader(consumer);

  uint64_t id = 0;
  for (const auto& [body, fill] : samples()) {
    Envelope sent;
    sent.set_id(++id);
    sent.set_reply_to(id * 100);
    fill(sent);
    REQUIRE(sent.body_case() == body);
    REQUIRE(writer.write(sent).ok());
  }
  writer.publish();

  id = 0;
  for (const auto& [body, fill] : samples()) {
    Envelope expected;
    expected.set_id(++id);
    expected.set_reply_to(id * 100);
    fill(expected);
    Envelope received;
    const auto status = reader.read(&received);
    INFO(protocol::body_name(body));
    REQUIRE(status.ok());
    CHECK(received.body_case() == body);
    CHECK(received.SerializeAsString() == expected.SerializeAsString());
  }
  Envelope none;
  CHECK(reader.read(&none).code == protocol::EnvelopeStatus::Code::kEmpty);
}

TEST_CASE("describe names the body and its key fields") {
  Envelope e;
  e.set_id(3);
  e.set_reply_to(2);
  e.mutable_call()->set_method("echo");
  e.mutable_call()->set_payload("hello");
  CHECK(protocol::describe(e) == "#3 reply_to=2 call{method=\"echo\" payload=5 bytes}");

  Envelope exit;
  exit.set_id(9);
  exit.mutable_exit()->set_code(42);
  CHECK(protocol::describe(exit) == "#9 exit{code=42}");

  Envelope odd;
  odd.mutable_start()->add_argv("a\"b\n");
  CHECK(protocol::describe(odd) == "#0 start{argv=[\"a\\\"b\\x0a\"] env=[] cwd=\"\"}");
}

TEST_CASE("a frame that is not an Envelope is reported as a protocol violation") {
  TestRegion region;
  auto producer = region.producer(ring::RingId::kControlToHost);
  auto consumer = region.consumer(ring::RingId::kControlToHost);
  protocol::EnvelopeReader reader(consumer);
  Envelope out;

  SECTION("wrong frame type") {
    REQUIRE(producer.send(static_cast<uint32_t>(ring::FrameType::kStdout), "hi", 2).ok());
    const auto s = reader.read(&out);
    CHECK(s.code == protocol::EnvelopeStatus::Code::kWrongFrameType);
    CHECK(s.is_violation());
    CHECK(s.message().find("type 2") != std::string::npos);
  }
  SECTION("bytes that do not parse") {
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    REQUIRE(producer.send(static_cast<uint32_t>(ring::FrameType::kEnvelope), garbage, sizeof garbage).ok());
    const auto s = reader.read(&out);
    CHECK(s.code == protocol::EnvelopeStatus::Code::kMalformed);
    CHECK(s.is_violation());
  }
  SECTION("an Envelope from a newer peer with unknown fields still parses") {
    // Field 99, varint 1: unknown to this version, tolerated.
    const uint8_t future[] = {0x08, 0x05, 0x98, 0x06, 0x01};
    REQUIRE(producer.send(static_cast<uint32_t>(ring::FrameType::kEnvelope), future, sizeof future).ok());
    REQUIRE(reader.read(&out).ok());
    CHECK(out.id() == 5);
    CHECK(out.body_case() == Envelope::BODY_NOT_SET);
  }
}

TEST_CASE("an Envelope over the max frame is refused before it reaches the ring") {
  ring::RegionConfig config;
  config.max_frame = 1024;
  TestRegion region(config);
  auto producer = region.producer(ring::RingId::kControlToGuest);
  protocol::EnvelopeWriter writer(producer);
  Envelope big;
  big.mutable_call()->set_payload(std::string(2000, 'x'));
  const auto s = writer.send(big);
  CHECK(s.code == protocol::EnvelopeStatus::Code::kRing);
  CHECK(s.ring.code == ring::Errc::kFrameTooLarge);
  CHECK(s.message().find("bound 1024") != std::string::npos);
  CHECK(producer.staged_bytes() == 0);
}
