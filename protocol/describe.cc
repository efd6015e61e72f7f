// Human-readable text for Envelopes and ring statuses.
#include "protocol/describe.h"

#include <sstream>

namespace monocell::protocol {
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += hex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

template <typename Strings>
std::string list(const Strings& items) {
  std::string out = "[";
  for (int i = 0; i < items.size(); ++i) {
    if (i != 0) out += " ";
    out += quoted(items.Get(i));
  }
  return out + "]";
}

void describe_body(std::ostringstream& os, const v1::Envelope& e) {
  using B = v1::Envelope::BodyCase;
  switch (e.body_case()) {
    case B::kHello: {
      const auto& h = e.hello();
      os << "{protocol=" << h.protocol().min() << ".." << h.protocol().max() << " features=" << list(h.features())
         << " guest={app=" << quoted(h.guest().app_name()) << " hypervisor=" << quoted(h.guest().hypervisor())
         << " libos=" << quoted(h.guest().libos_version()) << " vcpus=" << h.guest().vcpus()
         << " memory=" << h.guest().memory_bytes() << " ring_abi=" << h.guest().ring_abi_version() << "}}";
      break;
    }
    case B::kWelcome:
      os << "{protocol=" << e.welcome().protocol_version() << " features=" << list(e.welcome().features())
         << " name=" << quoted(e.welcome().guest_name()) << "}";
      break;
    case B::kStart:
      os << "{argv=" << list(e.start().argv()) << " env=" << list(e.start().env())
         << " cwd=" << quoted(e.start().cwd()) << "}";
      break;
    case B::kReady: os << "{startup_ns=" << e.ready().startup_ns() << "}"; break;
    case B::kSignal: os << "{number=" << e.signal().number() << "}"; break;
    case B::kExit:
      if (e.exit().has_fault()) {
        const auto& f = e.exit().fault();
        os << "{fault=" << quoted(f.reason()) << " vector=" << f.vector() << " error_code=" << f.error_code()
           << std::hex << " rip=0x" << f.rip() << " address=0x" << f.address() << std::dec << "}";
      } else {
        os << "{code=" << e.exit().code() << "}";
      }
      break;
    case B::kStatsRequest: os << "{}"; break;
    case B::kStats: {
      const auto& s = e.stats();
      os << "{uptime_ns=" << s.uptime_ns() << " cpu_ns=" << s.cpu_time_ns() << " memory_used=" << s.memory().used_bytes()
         << " memory_total=" << s.memory().total_bytes() << " rings=" << s.rings_size()
         << " unknown_syscalls=" << s.unknown_syscalls() << "}";
      break;
    }
    case B::kCall:
      os << "{method=" << quoted(e.call().method()) << " payload=" << e.call().payload().size() << " bytes}";
      break;
    case B::kCallReply:
      os << "{status=" << v1::CallStatus_Name(e.call_reply().status())
         << " payload=" << e.call_reply().payload().size() << " bytes";
      if (!e.call_reply().message().empty()) os << " message=" << quoted(e.call_reply().message());
      os << "}";
      break;
    case B::kPing: os << "{nonce=" << e.ping().nonce() << "}"; break;
    case B::kPong: os << "{nonce=" << e.pong().nonce() << "}"; break;
    case B::kError:
      os << "{code=" << v1::ErrorCode_Name(e.error().code()) << " message=" << quoted(e.error().message()) << "}";
      break;
    case B::kShutdown:
      os << "{grace_ms=" << e.shutdown().grace_period_ms() << " reason=" << quoted(e.shutdown().reason()) << "}";
      break;
    case B::BODY_NOT_SET: break;
  }
}

}  // namespace

const char* body_name(v1::Envelope::BodyCase body) {
  using B = v1::Envelope::BodyCase;
  switch (body) {
    case B::kHello: return "hello";
    case B::kWelcome: return "welcome";
    case B::kStart: return "start";
    case B::kReady: return "ready";
    case B::kSignal: return "signal";
    case B::kExit: return "exit";
    case B::kStatsRequest: return "stats_request";
    case B::kStats: return "stats";
    case B::kCall: return "call";
    case B::kCallReply: return "call_reply";
    case B::kPing: return "ping";
    case B::kPong: return "pong";
    case B::kError: return "error";
    case B::kShutdown: return "shutdown";
    case B::BODY_NOT_SET: return "empty";
  }
  return "unknown";
}

std::string describe(const v1::Envelope& envelope) {
  std::ostringstream os;
  os << "#" << envelope.id();
  if (envelope.reply_to() != 0) os << " reply_to=" << envelope.reply_to();
  os << " " << body_name(envelope.body_case());
  describe_body(os, envelope);
  return os.str();
}

std::string describe(const ring::Status& status) {
  std::string out = status.message();
  if (status.is_violation() || status.code == ring::Errc::kFrameTooLarge ||
      status.code == ring::Errc::kBufferTooSmall || status.code == ring::Errc::kNoSpace) {
    out += " (saw " + std::to_string(status.value) + ", bound " + std::to_string(status.bound) + ")";
  }
  return out;
}

}  // namespace monocell::protocol
