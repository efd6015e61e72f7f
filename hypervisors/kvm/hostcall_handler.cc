// Serving the guest's host calls.
#include "hostcall_handler.h"

#include <monocell/hostcall_abi.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include "guest_memory.h"

namespace monocell::kvm {
namespace {

// How long to wait for a guest that asked to sleep until `deadline`, its clock reading `now`
// (both kvmclock ns, the guest's own view); ~0 when it set no limit.
uint64_t duration(uint64_t deadline, uint64_t now) {
  if (deadline == ~0ull) return ~0ull;
  return deadline > now ? deadline - now : 0;
}

GuestOutcome bad_call(const char* what, uint64_t value) {
  GuestOutcome o;
  o.kind = OutcomeKind::kBadHostCall;
  char text[160];
  std::snprintf(text, sizeof text, "host call: %s (%#" PRIx64 ")", what, value);
  o.detail = text;
  return o;
}

}  // namespace

HostCallHandler::HostCallHandler(GuestMemory& memory, const boot::ImageNote& note,
                                 ConsoleSink console, SleepFunction sleep_until)
    : memory_(memory), note_(note), console_(std::move(console)),
      sleep_until_(std::move(sleep_until)) {}

std::optional<GuestOutcome> HostCallHandler::handle(uint64_t request_gpa) {
  using hostcall::Op;
  ++calls_;
  const auto request = memory_.read<hostcall::Request>(request_gpa);
  if (!request) return bad_call("request outside guest RAM", request_gpa);
  int64_t result = 0;
  switch (static_cast<Op>(request->op)) {
    case Op::kConsoleWrite: {
      bool bad = false;
      result = console_write(request->arg[0], request->arg[1], request->count, bad);
      if (bad) return bad_call("console iovec outside guest RAM", request->arg[1]);
      break;
    }
    case Op::kSleep:
      sleep_until_(duration(request->arg[0], request->arg[1]), false);
      break;
    case Op::kWaitForHost:
      result = sleep_until_(duration(request->arg[0], request->arg[1]), true) ? 1 : 0;
      break;
    case Op::kExit: {
      GuestOutcome o;
      o.kind = OutcomeKind::kExited;
      o.exit_code = static_cast<int>(request->arg[0] & 0xff);
      o.unknown_syscalls = request->arg[1];
      o.last_unknown_syscall = request->arg[2];
      return o;
    }
    case Op::kFault:
      return fault(request->arg[0]);
    default:
      result = -ENOSYS;  // a newer guest: it must cope
      break;
  }
  memory_.write(request_gpa + offsetof(hostcall::Request, result), result);
  return std::nullopt;
}

int64_t HostCallHandler::console_write(uint64_t fd, uint64_t iov_gpa, uint32_t count, bool& bad) {
  if (fd != 1 && fd != 2) return -EBADF;
  if (count > hostcall::kMaxIoVecs) return -EINVAL;
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const auto iov = memory_.read<hostcall::IoVec>(iov_gpa + uint64_t{i} * sizeof(hostcall::IoVec));
    if (!iov) {
      bad = true;
      return -EFAULT;
    }
    uint64_t length = iov->len;
    if (length > hostcall::kMaxConsoleWrite - total) length = hostcall::kMaxConsoleWrite - total;
    const auto bytes = memory_.range(iov->base, length);
    if (length != 0 && bytes.empty()) {
      bad = true;
      return -EFAULT;
    }
    if (length != 0 && console_) {
      console_(static_cast<int>(fd),
               std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    }
    total += length;
    if (total == hostcall::kMaxConsoleWrite) break;  // a short write; the guest writes the rest
  }
  return static_cast<int64_t>(total);
}

GuestOutcome HostCallHandler::fault(uint64_t frame_gpa) {
  const auto frame = memory_.read<hostcall::FaultFrame>(frame_gpa);
  if (!frame) return bad_call("fault frame outside guest RAM", frame_gpa);
  GuestOutcome o;
  o.kind = OutcomeKind::kFault;
  o.vector = frame->vector;
  o.error_code = frame->error_code;
  o.in_syscall_entry = frame->rip >= note_.syscall_entry && frame->rip < note_.syscall_entry_end;
  o.has_registers = true;
  o.registers = fault::from_frame(*frame);
  o.detail = fault::where(frame->cs, o.in_syscall_entry);
  return o;
}

}  // namespace monocell::kvm
