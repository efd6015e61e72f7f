// The host calls on Xen.
#include "xen_hostcall.h"

#include <linux/errno.h>
#include <monocell/xen_hypercall_abi.h>

#include "ring0_gate.h"
#include "text_buffer.h"
#include "x86_instructions.h"
#include "xen_console.h"
#include "xen_events.h"
#include "xen_hypercall.h"
#include "xen_rendezvous.h"

namespace monocell::libos {
namespace {

using x86_instructions::running_in_ring0;

// How long the end waits for xenconsoled to read the last output before the domain goes.
constexpr uint64_t kConsoleDrainNs = 1'000'000'000;

int64_t console_write(const hostcall::Request& request) {
  // The syscall layer checked the vectors and the buffers they point to.
  const auto* iov = reinterpret_cast<const hostcall::IoVec*>(request.arg[1]);
  const uint32_t count = request.count < hostcall::kMaxIoVecs ? request.count : hostcall::kMaxIoVecs;
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; ++i) {
    xen_console::write(reinterpret_cast<const char*>(iov[i].base), iov[i].len);
    total += iov[i].len;
  }
  return static_cast<int64_t>(total);
}

}  // namespace

int64_t xen_host_call(hostcall::Request& request) {
  const auto op = static_cast<hostcall::Op>(request.op);
  if (!running_in_ring0()) {
    switch (op) {
      case hostcall::Op::kWaitForHost: return ring0_gate(Ring0GateOp::kWaitForHost, request.arg[0]);
      case hostcall::Op::kSleep: return ring0_gate(Ring0GateOp::kSleep, request.arg[0]);
      case hostcall::Op::kFault: return ring0_gate(Ring0GateOp::kFault, request.arg[0]);
      default: return -EPERM;
    }
  }
  switch (op) {
    case hostcall::Op::kConsoleWrite: return console_write(request);
    case hostcall::Op::kExit: xen_exit(static_cast<int>(request.arg[0]), request.arg[1], request.arg[2]);
    case hostcall::Op::kSleep:
      xen_sleep_until(request.arg[0]);
      return 0;
    case hostcall::Op::kWaitForHost: return xen_wait_for_host(request.arg[0]);
    case hostcall::Op::kFault: monocell_xen_fault(reinterpret_cast<const hostcall::FaultFrame*>(request.arg[0]));
  }
  return -ENOSYS;
}

void xen_ring_doorbell() {
  if (!running_in_ring0()) {
    ring0_gate(Ring0GateOp::kDoorbell, 0);
    return;
  }
  xen_events::notify_host();
}

int xen_wait_for_host(uint64_t deadline) { return xen_events::wait_for_host(deadline); }

void xen_sleep_until(uint64_t deadline) { xen_events::sleep_until(deadline); }

void xen_exit(int status, uint64_t unknown_syscalls, uint64_t last_unknown_syscall) {
  xen_rendezvous::report_exit(status, unknown_syscalls, last_unknown_syscall);
  xen_console::flush(kConsoleDrainNs);
  xen_hypercall::shutdown(xen::kShutdownPoweroff);
}

}  // namespace monocell::libos

void monocell_xen_fault(const monocell::hostcall::FaultFrame* frame) {
  using namespace monocell::libos;
  static bool reporting = false;
  if (reporting) xen_hypercall::shutdown(monocell::xen::kShutdownCrash);  // a fault in the report itself
  reporting = true;
  if (!xen_console::busy()) {
    TextBuffer<200> line;
    line.text("monocell: guest fault: vector ").decimal(frame->vector).text(", error code 0x").hex(frame->error_code);
    line.text(", rip 0x").hex(frame->rip).text(", cr2 0x").hex(frame->cr2).text(", rsp 0x").hex(frame->rsp);
    line.text(", in ring ").decimal(frame->cs & 3).character('\n');
    xen_console::write(line.data(), line.size());
  }
  xen_rendezvous::report_fault(*frame);
  if (!xen_console::busy()) xen_console::flush(kConsoleDrainNs);
  xen_hypercall::shutdown(monocell::xen::kShutdownCrash);
}
