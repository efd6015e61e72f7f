// Human-readable, one-line text for Envelopes and ring statuses (protobuf-lite has no
// reflection, so no DebugString): for logs, the demo and error reports.
#pragma once

#include <string>

#include "protocol/monocell.pb.h"
#include "protocol/ring/status.h"

namespace monocell::protocol {

// `text` in double quotes with quotes, backslashes and control or non-ASCII bytes escaped:
// safe to print whatever a guest sent.
std::string quoted(const std::string& text);

// "hello", "call_reply", ... or "empty" when no body is set.
const char* body_name(v1::Envelope::BodyCase body);

// e.g. `#3 reply_to=2 call{method="echo" payload=5 bytes}`.
std::string describe(const v1::Envelope& envelope);

// e.g. "frame length exceeds max frame or published bytes (saw 70000, bound 65536)".
std::string describe(const ring::Status& status);

}  // namespace monocell::protocol
