// Building a guest, running its vCPU on a thread, serving its exits, and enforcing the
// wall-clock limit with a kick (signal + immediate_exit).
#include "guest_runner.h"
#include "string_format.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <monocell/hostcall_abi.h>
#include <monocell/notify_abi.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "direct_boot.h"
#include "file_tree_file.h"
#include "elf_image.h"
#include "hostcall_handler.h"
#include "kvm_error.h"
#include "pvh_boot.h"
#include "vcpu.h"
#include "vm.h"

namespace monocell::kvm {
namespace {

constexpr uint64_t k2MiB = 2ull << 20;

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the host's stdout is gone; the guest's output has nowhere to go
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

GuestOutcome stopped(OutcomeKind kind, std::string detail) {
  GuestOutcome o;
  o.kind = kind;
  o.detail = std::move(detail);
  return o;
}

// The architectural state after INIT: CS F000 based at FFFF0000, RIP FFF0, real mode.
bool is_init_state(const kvm_sregs& s, const kvm_regs& g) {
  return s.cs.selector == 0xF000 && s.cs.base == 0xFFFF0000 && g.rip == 0xFFF0 && (s.cr0 & 1) == 0;
}

void capture_registers(Vcpu& vcpu, GuestOutcome& o) {
  const kvm_sregs s = vcpu.sregs();
  GuestRegisters& r = o.registers;
  if (!o.has_registers) {  // a fault report already holds the registers at the fault
    const kvm_regs g = vcpu.regs();
    if (o.kind == OutcomeKind::kTripleFault && is_init_state(s, g)) {
      // KVM on AMD SVM INITs the vCPU on a shutdown (the VMCB is undefined after one): what
      // is left is the reset state, not the guest's. Report no registers rather than those.
      o.detail += "; its registers are lost: this KVM reset the vCPU on the triple fault (AMD SVM)";
      return;
    }
    r = GuestRegisters{g.rax, g.rbx, g.rcx, g.rdx, g.rsi, g.rdi, g.rbp, g.rsp,
                       g.r8,  g.r9,  g.r10, g.r11, g.r12, g.r13, g.r14, g.r15,
                       g.rip, g.rflags, s.cs.selector, s.ss.selector,
                       s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.fs.base, s.gs.base};
    o.has_registers = true;
    return;
  }
  r.cr0 = s.cr0;
  r.cr3 = s.cr3;
  r.cr4 = s.cr4;
  r.efer = s.efer;
  r.fs_base = s.fs.base;
  r.gs_base = s.gs.base;
}

// The vCPU thread's loop: KVM_RUN until the guest ends or is stopped.
class VcpuLoop {
 public:
  VcpuLoop(Vcpu& vcpu, HostCallHandler& handler, const std::atomic<bool>& stop,
           const std::atomic<bool>& stopped_by_host, std::chrono::milliseconds timeout)
      : vcpu_(vcpu), handler_(handler), stop_(stop), stopped_by_host_(stopped_by_host), timeout_(timeout) {}

  GuestOutcome run() {
    vcpu_.bind_to_current_thread();
    for (;;) {
      if (stop_.load()) return timed_out();
      const int error = vcpu_.run();
      if (error == EINTR || error == EAGAIN) {
        if (stop_.load()) return timed_out();
        vcpu_.clear_kick();
        continue;
      }
      if (error != 0) {
        return stopped(OutcomeKind::kInternalError, std::string("KVM_RUN failed: ") + std::strerror(error));
      }
      if (auto outcome = handle_exit(vcpu_.run_state())) return *outcome;
    }
  }

 private:
  GuestOutcome timed_out() const {
    if (stopped_by_host_.load()) return stopped(OutcomeKind::kStopped, "the host stopped the guest");
    return stopped(OutcomeKind::kTimeout,
                   format("the guest ran past its wall-clock limit of %lld ms and was stopped",
                        static_cast<long long>(timeout_.count())));
  }

  std::optional<GuestOutcome> handle_exit(const kvm_run& r) {
    switch (r.exit_reason) {
      case KVM_EXIT_MMIO:
        if (r.mmio.phys_addr == hostcall::kHostCallGpa && r.mmio.is_write && r.mmio.len == 8) {
          uint64_t request;
          std::memcpy(&request, r.mmio.data, sizeof request);
          return handler_.handle(request);
        }
        return stopped(OutcomeKind::kUnhandledExit,
                       format("MMIO %s of %u bytes at gpa %#llx, where there is no device",
                            r.mmio.is_write ? "write" : "read", r.mmio.len,
                            static_cast<unsigned long long>(r.mmio.phys_addr)));
      case KVM_EXIT_IO:
        return stopped(OutcomeKind::kUnhandledExit,
                       format("I/O port %s of %u bytes at port %#x, where there is no device",
                            r.io.direction == KVM_EXIT_IO_OUT ? "write" : "read", r.io.size,
                            r.io.port));
      case KVM_EXIT_HLT:
        return stopped(OutcomeKind::kUnhandledExit, "the guest halted with no irqchip to wake it");
      case KVM_EXIT_SHUTDOWN:
        return stopped(OutcomeKind::kTripleFault,
                       "the guest triple-faulted: a fault while delivering a fault");
      case KVM_EXIT_INTERNAL_ERROR: {
        std::string d = format("KVM_EXIT_INTERNAL_ERROR suberror %u", r.internal.suberror);
        if (r.internal.suberror == KVM_INTERNAL_ERROR_EMULATION) {
          d += " (an instruction KVM could not emulate)";
        }
        for (uint32_t i = 0; i < r.internal.ndata && i < 16; ++i) {
          d += format(" %#llx", static_cast<unsigned long long>(r.internal.data[i]));
        }
        return stopped(OutcomeKind::kInternalError, d);
      }
      case KVM_EXIT_FAIL_ENTRY:
        return stopped(OutcomeKind::kInternalError,
                       format("KVM_EXIT_FAIL_ENTRY: hardware entry failure reason %#llx",
                            static_cast<unsigned long long>(
                                r.fail_entry.hardware_entry_failure_reason)));
      case KVM_EXIT_INTR:
        return std::nullopt;
      default:
        return stopped(OutcomeKind::kUnhandledExit, format("KVM exit reason %u", r.exit_reason));
    }
  }

  Vcpu& vcpu_;
  HostCallHandler& handler_;
  const std::atomic<bool>& stop_;
  const std::atomic<bool>& stopped_by_host_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

// Connects a GuestStopper to one run for as long as it lasts.
class GuestStopperBinding {
 public:
  GuestStopperBinding(GuestStopper* stopper, std::function<void()> on_stop) : stopper_(stopper) {
    if (stopper_ == nullptr) return;
    std::lock_guard lock(stopper_->mutex_);
    stopper_->on_stop_ = std::move(on_stop);
    if (stopper_->requested_) stopper_->on_stop_();
  }
  ~GuestStopperBinding() {
    if (stopper_ == nullptr) return;
    std::lock_guard lock(stopper_->mutex_);
    stopper_->on_stop_ = nullptr;
  }
  GuestStopperBinding(const GuestStopperBinding&) = delete;
  GuestStopperBinding& operator=(const GuestStopperBinding&) = delete;

 private:
  GuestStopper* stopper_;
};

namespace {

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

GuestOutcome run_guest(const GuestConfig& config) {
  const uint64_t ram = (config.memory_bytes + k2MiB - 1) & ~(k2MiB - 1);
  if (ram < boot::kMinRamSize || ram > boot::kMaxRamSize) {
    throw KvmError("guest memory must be between " + std::to_string(boot::kMinRamSize >> 20) +
                   " MiB and " + std::to_string(boot::kMaxRamSize >> 20) + " MiB");
  }
  const ElfImage image = ElfImage::from_file(config.image_path, config.page_sharing);
  const FileTreeFile file_tree(config.file_tree_path);
  Vm vm(ram, config.irqchip, config.huge_pages);
  Vcpu vcpu(vm, 0);

  if (!image.monocell_note()) {
    throw ImageError("guest image has no Monocell note: it was not linked with the monocell libOS");
  }
  DirectBootSpec spec;
  spec.argv.push_back(base_name(config.image_path));
  spec.argv.insert(spec.argv.end(), config.args.begin(), config.args.end());
  spec.env = config.env;
  spec.exe_path = "/" + spec.argv[0];  // the image is the root of its own file system
  spec.file_tree = &file_tree;
  if (config.boot == BootMode::kPvh) {
    if (!config.env.empty()) throw KvmError("PVH boot cannot pass an environment yet");
    pvh_boot(vm, vcpu, image, spec.argv, &file_tree);
  } else {
    direct_boot(vm, vcpu, image, spec);
  }
  if (config.doorbell_fd >= 0) vm.add_doorbell(notify::kDoorbellGpa, config.doorbell_fd);
  if (config.interrupt_fd >= 0 && !vm.has_irqchip()) {
    throw KvmError("host interrupts (interrupt_fd) need the in-kernel irqchip");
  }
  if (config.before_start) config.before_start(vm, vcpu);

  UniqueFd stop_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_fd.valid()) throw_errno("eventfd");
  UniqueFd woken_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));  // the host raised its interrupt
  if (!woken_fd.valid()) throw_errno("eventfd");
  std::atomic<bool> stop{false};

  // Sleeping for the guest: for the time it asked on the host's monotonic clock (the host's
  // view of kvmclock can be offset from the vCPU's), or until stopped, or (waits) until the
  // host raised its interrupt -- which the guest takes as soon as it runs again.
  auto sleep_for = [&](uint64_t ns, bool wake_on_host) {
    const bool forever = ns == ~0ull;
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::nanoseconds(forever ? 0 : std::min<uint64_t>(ns, 1ull << 62));
    while (!stop.load()) {
      timespec ts{};
      if (!forever) {
        const auto left = until - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds::zero()) return false;
        const uint64_t wait = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
        ts = timespec{static_cast<time_t>(wait / 1000000000ull), static_cast<long>(wait % 1000000000ull)};
      }
      pollfd fds[2] = {{stop_fd.get(), POLLIN, 0}, {woken_fd.get(), POLLIN, 0}};
      ::ppoll(fds, wake_on_host ? 2 : 1, forever ? nullptr : &ts, nullptr);
      uint64_t count = 0;
      if (wake_on_host && ::read(woken_fd.get(), &count, sizeof count) == sizeof count) return true;
    }
    return false;
  };
  ConsoleSink console = config.console;
  if (!console) console = [](int fd, std::string_view bytes) { write_all(fd, bytes); };
  HostCallHandler handler(vm.memory(), *image.monocell_note(), console, sleep_for);
  std::atomic<bool> stopped_by_host{false};
  VcpuLoop loop(vcpu, handler, stop, stopped_by_host, config.timeout);

  // Each signal of interrupt_fd becomes one MSI (KVM_SIGNAL_MSI) and wakes a guest waiting for
  // the host, until the guest ends (stop_fd). A thread rather than KVM_IRQFD (which works, with
  // an MSI route from KVM_SET_GSI_ROUTING): a guest in ring 3 (kvm_pvm) waits in a host call,
  // where only the VMM can wake it, so the VMM must see each interrupt itself.
  std::thread forwarder;
  if (config.interrupt_fd >= 0) {
    forwarder = std::thread([&] {
      for (;;) {
        pollfd fds[2] = {{config.interrupt_fd, POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
          if (errno == EINTR) continue;
          return;
        }
        if (fds[1].revents != 0) return;
        uint64_t count = 0;
        if ((fds[0].revents & POLLIN) == 0 ||
            ::read(config.interrupt_fd, &count, sizeof count) != sizeof count) {
          continue;
        }
        try {
          vm.raise_interrupt(notify::kHostInterruptVector);
        } catch (const KvmError&) {
          return;  // the guest is going away
        }
        const uint64_t one = 1;
        (void)::write(woken_fd.get(), &one, sizeof one);
      }
    });
  }
  struct StopForwarder {
    std::thread& thread;
    int stop_fd;
    ~StopForwarder() {
      if (!thread.joinable()) return;
      const uint64_t one = 1;
      (void)::write(stop_fd, &one, sizeof one);
      thread.join();
    }
  } stop_forwarder{forwarder, stop_fd.get()};

  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  GuestOutcome outcome;
  std::exception_ptr error;
  // The stopper wakes the waiting thread below, which stops the guest as the limit does.
  GuestStopperBinding binding(config.stopper.get(), [&] {
    std::lock_guard lock(mutex);
    stopped_by_host.store(true);
    finished.notify_all();
  });
  const auto start = std::chrono::steady_clock::now();
  std::thread vcpu_thread([&] {
    try {
      outcome = loop.run();
      if (outcome.kind != OutcomeKind::kExited) capture_registers(vcpu, outcome);
    } catch (...) {
      error = std::current_exception();
    }
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard lock(mutex);
    done = true;
    finished.notify_all();
  });
  {
    std::unique_lock lock(mutex);
    const auto ended_or_stopped = [&] { return done || stopped_by_host.load(); };
    const bool ended = config.timeout.count() > 0
                           ? finished.wait_until(lock, start + config.timeout, ended_or_stopped)
                           : (finished.wait(lock, ended_or_stopped), true);
    if (!done && (!ended || stopped_by_host.load())) {
      stop.store(true);
      const uint64_t one = 1;
      (void)::write(stop_fd.get(), &one, sizeof one);
      // Kick until the thread notices: a kick can land just before KVM_RUN is entered,
      // which immediate_exit covers, or between a check and a blocking call.
      do {
        vcpu.kick();
      } while (!finished.wait_for(lock, std::chrono::milliseconds(5), [&] { return done; }));
    }
  }
  vcpu_thread.join();
  if (error) std::rethrow_exception(error);
  return outcome;
}

}  // namespace monocell::kvm
