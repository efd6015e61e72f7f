// The monitor's unix control socket, `<state dir>/control.sock`: clients (`monocell call`)
// send Envelopes (Call, StatsRequest, Ping) and receive the guest's replies. On the wire each
// Envelope is preceded by its length as a 32-bit little-endian integer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/monocell.pb.h"

namespace monocell {

inline constexpr uint32_t kMaxControlMessage = 1 << 20;

// Listens on `path` (replacing a stale socket file); -1 with `error` on failure.
int listen_control_socket(const std::string& path, std::string* error);
// Connects to a guest's control socket; -1 with `error` on failure.
int connect_control_socket(const std::string& path, std::string* error);

// Blocking send and receive of one framed Envelope (for clients).
bool send_envelope(int fd, const v1::Envelope& envelope, std::string* error);
bool receive_envelope(int fd, v1::Envelope* envelope, std::string* error);

// Reassembles framed Envelopes from a non-blocking socket (for the monitor).
class EnvelopeFramer {
 public:
  enum class Result { kEnvelope, kNeedMore, kClosed, kMalformed };
  // Reads what the socket has; call next() until it stops returning kEnvelope.
  Result fill(int fd);
  Result next(v1::Envelope* envelope);
  // Bytes held: at most one partial message once next() returned kNeedMore.
  size_t buffered() const { return buffer_.size(); }

 private:
  void compact();

  std::vector<uint8_t> buffer_;
  size_t start_ = 0;
};

// Holds framed Envelopes for a non-blocking socket and writes what the socket takes (for the
// monitor): a client that reads slowly costs queued bytes, never a blocked monitor or a frame
// torn by a short write.
class EnvelopeSendQueue {
 public:
  enum class Result { kSent, kPending, kFailed };
  // Frames `envelope` behind what is queued; false (nothing queued) if it is over the limit.
  bool push(const v1::Envelope& envelope);
  // Writes as much as the socket takes: kSent (all of it), kPending (the socket is full; wait
  // for POLLOUT) or kFailed (the peer is gone).
  Result flush(int fd);
  size_t queued() const { return buffer_.size() - sent_; }

 private:
  std::string buffer_;
  size_t sent_ = 0;
};

}  // namespace monocell
