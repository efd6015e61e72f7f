// Tests for orchestrator/control_socket.h: framing Envelopes on the monitor's control socket,
// where a local client may send partial, oversized or garbage messages.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "orchestrator/control_socket.h"

using namespace monocell;

namespace {

struct SocketPair {
  int client = -1;
  int monitor = -1;
  SocketPair() {
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    client = sv[0];
    monitor = sv[1];
  }
  ~SocketPair() {
    close(client);
    close(monitor);
  }
};

std::string framed(const v1::Envelope& e) {
  const std::string body = e.SerializeAsString();
  const uint32_t length = static_cast<uint32_t>(body.size());
  return std::string(reinterpret_cast<const char*>(&length), sizeof length) + body;
}

void send_raw(int fd, const std::string& bytes) {
  REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
}

v1::Envelope call(uint64_t id, const std::string& method) {
  v1::Envelope e;
  e.set_id(id);
  e.mutable_call()->set_method(method);
  return e;
}

}  // namespace

TEST_CASE("the framer reassembles a message that arrives in pieces") {
  SocketPair s;
  EnvelopeFramer framer;
  const std::string bytes = framed(call(7, "echo"));
  v1::Envelope out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    send_raw(s.client, bytes.substr(i, 1));
    REQUIRE(framer.fill(s.monitor) == EnvelopeFramer::Result::kNeedMore);
    const auto r = framer.next(&out);
    if (i + 1 < bytes.size()) REQUIRE(r == EnvelopeFramer::Result::kNeedMore);
    else REQUIRE(r == EnvelopeFramer::Result::kEnvelope);
  }
  CHECK(out.id() == 7);
  CHECK(out.call().method() == "echo");
}

TEST_CASE("the framer yields every message of one read, in order") {
  SocketPair s;
  EnvelopeFramer framer;
  send_raw(s.client, framed(call(1, "a")) + framed(call(2, "b")) + framed(call(3, "c")));
  REQUIRE(framer.fill(s.monitor) == EnvelopeFramer::Result::kNeedMore);
  v1::Envelope out;
  for (uint64_t id = 1; id <= 3; ++id) {
    REQUIRE(framer.next(&out) == EnvelopeFramer::Result::kEnvelope);
    CHECK(out.id() == id);
  }
  CHECK(framer.next(&out) == EnvelopeFramer::Result::kNeedMore);
}

TEST_CASE("the framer holds at most one partial message however long a client streams") {
  SocketPair s;
  EnvelopeFramer framer;
  const std::string message = framed(call(1, std::string(1000, 'm')));
  // Keep one partial message pending behind a stream of complete ones.
  send_raw(s.client, message.substr(0, 1));
  for (int round = 0; round < 200; ++round) {
    send_raw(s.client, message.substr(1) + message.substr(0, 1));
    framer.fill(s.monitor);
    v1::Envelope out;
    while (framer.next(&out) == EnvelopeFramer::Result::kEnvelope) {
    }
    REQUIRE(framer.buffered() < message.size());
  }
}

TEST_CASE("the framer refuses a length over the limit before reading the body") {
  SocketPair s;
  EnvelopeFramer framer;
  const uint32_t huge = kMaxControlMessage + 1;
  send_raw(s.client, std::string(reinterpret_cast<const char*>(&huge), sizeof huge));
  framer.fill(s.monitor);
  v1::Envelope out;
  CHECK(framer.next(&out) == EnvelopeFramer::Result::kMalformed);
}

TEST_CASE("the framer reports bytes that do not parse, and a closed peer") {
  SocketPair s;
  EnvelopeFramer framer;
  const std::string garbage(5, '\xff');
  const uint32_t length = static_cast<uint32_t>(garbage.size());
  send_raw(s.client, std::string(reinterpret_cast<const char*>(&length), sizeof length) + garbage);
  framer.fill(s.monitor);
  v1::Envelope out;
  CHECK(framer.next(&out) == EnvelopeFramer::Result::kMalformed);
  close(s.client);
  s.client = -1;
  CHECK(framer.fill(s.monitor) == EnvelopeFramer::Result::kClosed);
}

TEST_CASE("blocking send and receive round-trip an Envelope") {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  std::string error;
  REQUIRE(send_envelope(sv[0], call(42, "ping"), &error));
  v1::Envelope out;
  REQUIRE(receive_envelope(sv[1], &out, &error));
  CHECK(out.id() == 42);
  close(sv[0]);
  CHECK_FALSE(receive_envelope(sv[1], &out, &error));
  CHECK(error.find("closed") != std::string::npos);
  close(sv[1]);
}

TEST_CASE("the framer takes any number of pipelined messages, a megabyte's worth at a time") {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  int size = 8 << 20;  // room for all of it in the socket, so the writer need not wait
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  const std::string message = framed(call(1, std::string(4000, 'p')));
  constexpr int kMessages = 600;  // ~2.4 MB: more than one fill holds
  std::string all;
  for (int i = 0; i < kMessages; ++i) all += message;
  size_t written = 0;
  EnvelopeFramer framer;
  int received = 0;
  while (received < kMessages) {
    if (written < all.size()) {
      const ssize_t n = write(sv[0], all.data() + written, all.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
    }
    REQUIRE(framer.fill(sv[1]) == EnvelopeFramer::Result::kNeedMore);
    v1::Envelope out;
    EnvelopeFramer::Result r;
    while ((r = framer.next(&out)) == EnvelopeFramer::Result::kEnvelope) ++received;
    REQUIRE(r == EnvelopeFramer::Result::kNeedMore);
    REQUIRE(framer.buffered() <= kMaxControlMessage + sizeof(uint32_t));
  }
  CHECK(received == kMessages);
  close(sv[0]);
  close(sv[1]);
}

TEST_CASE("the send queue keeps whole frames for a client that reads slowly") {
  SocketPair s;
  EnvelopeSendQueue queue;
  constexpr int kReplies = 3000;  // far more than the socket holds
  for (int i = 1; i <= kReplies; ++i) REQUIRE(queue.push(call(static_cast<uint64_t>(i), std::string(500, 'r'))));
  CHECK(queue.flush(s.monitor) == EnvelopeSendQueue::Result::kPending);
  CHECK(queue.queued() > 0);
  // The client reads a little at a time; every reply arrives whole and in order.
  EnvelopeFramer client;
  int next_id = 1;
  while (next_id <= kReplies) {
    queue.flush(s.monitor);
    REQUIRE(client.fill(s.client) == EnvelopeFramer::Result::kNeedMore);
    v1::Envelope out;
    while (client.next(&out) == EnvelopeFramer::Result::kEnvelope) {
      REQUIRE(out.id() == static_cast<uint64_t>(next_id));
      REQUIRE(out.call().method().size() == 500);
      ++next_id;
    }
  }
  CHECK(queue.flush(s.monitor) == EnvelopeSendQueue::Result::kSent);
  CHECK(queue.queued() == 0);
}

TEST_CASE("the send queue refuses a message over the limit and reports a peer that left") {
  SocketPair s;
  EnvelopeSendQueue queue;
  CHECK_FALSE(queue.push(call(1, std::string(kMaxControlMessage + 1, 'x'))));
  CHECK(queue.queued() == 0);
  REQUIRE(queue.push(call(2, "ok")));
  close(s.client);
  s.client = -1;
  CHECK(queue.flush(s.monitor) == EnvelopeSendQueue::Result::kFailed);
}
