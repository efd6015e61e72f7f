// Strict parsing of what a Xen guest publishes in xenstore.
#include "hypervisors/xen/xen_store_values.h"

#include <cstdio>
#include <cstring>
#include <vector>

namespace monocell::xen {
namespace {

// Splits on single spaces; an empty field (two spaces, or one at either end) stays empty and
// fails its parse.
std::vector<std::string_view> fields(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t space = text.find(' ', start);
    out.push_back(text.substr(start, space == std::string_view::npos ? std::string_view::npos : space - start));
    if (space == std::string_view::npos) return out;
    start = space + 1;
  }
}

std::string key_path(const char* key) { return std::string(kStoreDir) + "/" + key; }

// Parses one published number, or says what is wrong with it.
std::optional<uint64_t> number(const std::optional<std::string>& value, const char* key, uint64_t max,
                               std::string* error) {
  if (!value) {
    *error = key_path(key) + " is missing";
    return std::nullopt;
  }
  const auto n = parse_decimal(*value, max);
  if (!n) *error = key_path(key) + " " + shown(*value) + " is not a decimal number of at most " + std::to_string(max);
  return n;
}

}  // namespace

std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max) {
  if (text.empty() || text.size() > kMaxNumberLength) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (max - digit) / 10) return std::nullopt;  // value * 10 + digit > max
    value = value * 10 + digit;
  }
  return value;
}

std::optional<uint64_t> parse_hex(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  uint64_t value = 0;
  for (const char c : text) {
    uint64_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    value = value << 4 | digit;
  }
  return value;
}

std::string shown(std::string_view text) {
  constexpr size_t kShownBytes = 40;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kShownBytes; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "\"";
  if (text.size() > kShownBytes) out += " (" + std::to_string(text.size()) + " bytes, cut)";
  return out;
}

RendezvousCheck check_rendezvous(const PublishedKeys& keys, uint32_t pages_needed) {
  RendezvousCheck check;
  const auto abi = number(keys.abi, kKeyAbi, UINT32_MAX, &check.error);
  if (!abi) return check;
  if (*abi != kXenAbiVersion) {
    check.incompatible = true;
    check.error = "the guest speaks monocell's Xen rendezvous ABI " + std::to_string(*abi) + "; this monitor speaks " +
                  std::to_string(kXenAbiVersion);
    return check;
  }
  const auto pages = number(keys.ring_pages, kKeyRingPages, UINT32_MAX, &check.error);
  if (!pages) return check;
  if (*pages < 1 || *pages > kMaxRingPages) {
    check.error = key_path(kKeyRingPages) + " " + std::to_string(*pages) + " is outside 1.." + std::to_string(kMaxRingPages);
    return check;
  }
  if (*pages < pages_needed) {
    check.incompatible = true;
    check.error = "the guest granted " + std::to_string(*pages) + " ring pages; this monitor's rings need " +
                  std::to_string(pages_needed);
    return check;
  }
  const auto ref = number(keys.ring_ref, kKeyRingRef, UINT32_MAX, &check.error);
  if (!ref) return check;
  if (*ref < kFirstRingRef || *ref + *pages > kGrantRefLimit) {
    check.error = key_path(kKeyRingRef) + " " + std::to_string(*ref) + " with " + std::to_string(*pages) +
                  " pages leaves grant references " + std::to_string(kFirstRingRef) + ".." +
                  std::to_string(kGrantRefLimit - 1);
    return check;
  }
  const auto port = number(keys.event_channel, kKeyEventChannel, UINT32_MAX, &check.error);
  if (!port) return check;
  if (*port < 1 || *port >= kPortLimit) {
    check.error = key_path(kKeyEventChannel) + " " + std::to_string(*port) + " is outside 1.." +
                  std::to_string(kPortLimit - 1);
    return check;
  }
  check.value = Rendezvous{static_cast<uint32_t>(*ref), static_cast<uint32_t>(*pages), static_cast<uint32_t>(*port)};
  return check;
}

std::optional<ExitReport> parse_exit(std::string_view text, std::string* error) {
  const auto parts = text.size() <= kMaxExitLength ? fields(text) : std::vector<std::string_view>{};
  if (parts.size() != 3) {
    *error = key_path(kKeyExit) + " " + shown(text) + " is not three decimals separated by single spaces";
    return std::nullopt;
  }
  const auto status = parse_decimal(parts[0], UINT32_MAX);
  const auto unknown = parse_decimal(parts[1], UINT64_MAX);
  const auto last = parse_decimal(parts[2], UINT64_MAX);
  if (!status || !unknown || !last) {
    *error = key_path(kKeyExit) + " " + shown(text) + " is not three unsigned decimals (the status at most 4294967295)";
    return std::nullopt;
  }
  return ExitReport{static_cast<uint32_t>(*status), *unknown, *last};
}

std::optional<hostcall::FaultFrame> parse_fault(std::string_view text, std::string* error) {
  constexpr size_t kFields = sizeof(hostcall::FaultFrame) / sizeof(uint64_t);
  static_assert(kFields == 23);
  const auto parts = text.size() <= kMaxFaultLength ? fields(text) : std::vector<std::string_view>{};
  if (parts.size() != kFields) {
    *error = key_path(kKeyFault) + " " + shown(text) + " is not " + std::to_string(kFields) +
             " hex numbers separated by single spaces";
    return std::nullopt;
  }
  uint64_t values[kFields];
  for (size_t i = 0; i < kFields; ++i) {
    const auto v = parse_hex(parts[i]);
    if (!v) {
      *error = key_path(kKeyFault) + " field " + std::to_string(i + 1) + " " + shown(parts[i]) +
               " is not 1 to 16 lower-case hex digits";
      return std::nullopt;
    }
    values[i] = *v;
  }
  hostcall::FaultFrame frame;
  std::memcpy(&frame, values, sizeof frame);
  return frame;
}

}  // namespace monocell::xen
