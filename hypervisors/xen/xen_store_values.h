// The values a Xen guest writes into its xenstore directory (xen_abi.h), parsed and checked
// strictly. The guest is hostile: each value is a bounded number in one exact spelling, or it
// is refused with a message that quotes it safely. No libxen here, so it is tested everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <monocell/hostcall_abi.h>
#include <monocell/xen_abi.h>

namespace monocell::xen {

// Grant references the monitor maps lie in [kFirstRingRef, kGrantRefLimit): 2048 frames of
// version-1 grant entries, far above Xen's default of 64 frames.
inline constexpr uint32_t kGrantRefLimit = 1u << 20;
// Event channel ports lie in [1, kPortLimit): the FIFO ABI's 2^17 ports (port 0 is never valid).
inline constexpr uint32_t kPortLimit = 1u << 17;
// The longest value the monitor reads for each key; longer ones are refused unread.
inline constexpr size_t kMaxNumberLength = 20;  // a uint64_t in decimal
inline constexpr size_t kMaxStateLength = 16;
inline constexpr size_t kMaxExitLength = 3 * kMaxNumberLength + 2;
inline constexpr size_t kMaxFaultLength = 23 * 17 - 1;  // 23 fields of up to 16 hex digits

// Strict unsigned decimal: one or more ASCII digits, no sign, space or leading zero ("0" is
// fine), and not above `max`.
std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max);

// Strict lower-case hex without "0x": 1 to 16 digits of [0-9a-f].
std::optional<uint64_t> parse_hex(std::string_view text);

// `text` for a message: in double quotes, control, non-ASCII, quote and backslash bytes
// escaped as \xNN, cut after 40 bytes.
std::string shown(std::string_view text);

// What the guest published, as read (nullopt: the key is missing).
struct PublishedKeys {
  std::optional<std::string> abi;
  std::optional<std::string> ring_ref;
  std::optional<std::string> ring_pages;
  std::optional<std::string> event_channel;
};

// The checked rendezvous: page i of the region is grant reference first_ref + i.
struct Rendezvous {
  uint32_t first_ref = 0;
  uint32_t pages = 0;
  uint32_t port = 0;
};

struct RendezvousCheck {
  std::optional<Rendezvous> value;
  // Set with `error` when the guest is well-formed but cannot work with this monitor (another
  // ABI version, too few pages for the rings); otherwise an error means malformed values.
  bool incompatible = false;
  std::string error;
};

// Checks every key: abi == kXenAbiVersion; 1 <= ring-pages <= kMaxRingPages and >=
// `pages_needed`; kFirstRingRef <= ring-ref and ring-ref + ring-pages <= kGrantRefLimit;
// 1 <= event-channel < kPortLimit.
RendezvousCheck check_rendezvous(const PublishedKeys& keys, uint32_t pages_needed);

// The kKeyExit value: "STATUS UNKNOWN_SYSCALLS LAST_UNKNOWN_SYSCALL". STATUS is an unsigned
// 32-bit decimal of which the low 8 bits are the exit code, as on KVM.
struct ExitReport {
  uint32_t status = 0;
  uint64_t unknown_syscalls = 0;
  uint64_t last_unknown_syscall = 0;
  int code() const { return static_cast<int>(status & 0xff); }
};
std::optional<ExitReport> parse_exit(std::string_view text, std::string* error);

// The kKeyFault value: hostcall::FaultFrame's 23 fields in order, each parse_hex, separated by
// single spaces.
std::optional<hostcall::FaultFrame> parse_fault(std::string_view text, std::string* error);

}  // namespace monocell::xen
