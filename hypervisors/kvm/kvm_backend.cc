// The KVM backend.
#include "kvm_backend.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <monocell/boot_abi.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "guest_memory.h"
#include "guest_runner.h"
#include "hypervisors/common/fault_report.h"
#include "kvm_error.h"
#include "vm.h"

namespace monocell {
namespace {

// libOS and supervisor output that does not go through the rings (early prints, fault
// reports): the monitor's stderr.
void write_to_stderr(int, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

GuestEnd cannot_start(int code, std::string report) {
  GuestEnd end;
  end.kind = GuestEnd::Kind::kCannotStart;
  end.code = code;
  end.report = std::move(report);
  return end;
}

}  // namespace

GuestEnd guest_end_from(const kvm::GuestOutcome& outcome) {
  GuestEnd end;
  switch (outcome.kind) {
    case kvm::OutcomeKind::kExited:
      end.kind = GuestEnd::Kind::kExited;
      end.code = outcome.exit_code;
      return end;
    case kvm::OutcomeKind::kStopped:
    case kvm::OutcomeKind::kTimeout:
      // The host ended it: what a SIGKILL is to the process backend.
      end.kind = GuestEnd::Kind::kSignaled;
      end.signal = SIGKILL;
      end.code = 128 + SIGKILL;
      end.report = "the guest was stopped by the host (as by SIGKILL)";
      return end;
    case kvm::OutcomeKind::kFault:
    case kvm::OutcomeKind::kTripleFault:
    case kvm::OutcomeKind::kUnhandledExit:
    case kvm::OutcomeKind::kInternalError:
    case kvm::OutcomeKind::kBadHostCall:
      break;
  }
  end.kind = GuestEnd::Kind::kFault;
  end.code = kvm::exit_status_for(outcome);
  if (outcome.kind == kvm::OutcomeKind::kFault) end.signal = fault::signal_for_vector(outcome.vector);
  end.report = outcome.report();
  while (!end.report.empty() && end.report.back() == '\n') end.report.pop_back();
  return end;
}

std::unique_ptr<KvmBackend> KvmBackend::start(const GuestConfig& config, std::string* error) {
  std::unique_ptr<KvmBackend> b;
  try {
    b.reset(new KvmBackend(config.rings));
  } catch (const std::exception& e) {
    *error = std::string("KVM backend: ") + e.what();
    return nullptr;
  }
  kvm::GuestConfig guest;
  guest.image_path = config.image;
  guest.file_tree_path = config.file_tree;
  guest.page_sharing = {config.shared_image_dir, config.image_sha256};
  // The app's argv and environment arrive in Start, as under the process backend.
  guest.memory_bytes = config.memory_mib << 20;
  guest.console = write_to_stderr;
  guest.doorbell_fd = b->guest_doorbell_.fd();
  guest.interrupt_fd = b->guest_interrupt_.fd();
  guest.stopper = b->stopper_;
  KvmBackend* self = b.get();
  guest.before_start = [self](kvm::Vm& vm, kvm::Vcpu&) {
    self->place_region(vm.memory());
    self->mark_booted();
  };
  b->runner_ = std::thread(&KvmBackend::run, self, std::move(guest));
  std::unique_lock lock(b->mutex_);
  b->booted_changed_.wait(lock, [&] { return b->booted_; });
  return b;
}

KvmBackend::~KvmBackend() {
  if (runner_.joinable()) {
    kill();
    runner_.join();
  }
}

void KvmBackend::place_region(kvm::GuestMemory& memory) {
  // The VMM wrote this page and the vCPU has not run yet: it is still trusted.
  const auto info = memory.read<boot::BootInfo>(boot::kBootInfoGpa);
  if (!info || info->magic != boot::kBootInfoMagic) throw kvm::KvmError("the VMM wrote no boot-info page");
  const uint64_t gpa = info->ring_region_gpa;
  const uint64_t reserved = info->ring_region_size;
  if (gpa % boot::kPageSize != 0 || region_.size() > reserved || !memory.contains(gpa, reserved)) {
    throw kvm::KvmError("the VMM reserved " + std::to_string(reserved) + " bytes for rings at gpa " +
                        std::to_string(gpa) + "; the guest's rings need " + std::to_string(region_.size()) +
                        " bytes, page aligned, inside RAM");
  }
  // The same memfd pages back the guest's view and the host's: the host's stays after the VM
  // is gone, so the monitor can drain what the guest published last.
  void* at = memory.host_base() + gpa;
  if (::mmap(at, region_.size(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, region_.fd(), 0) == MAP_FAILED) {
    kvm::throw_errno("mmap(ring region over guest RAM)");
  }
}

void KvmBackend::mark_booted() {
  std::lock_guard lock(mutex_);
  booted_ = true;
  booted_changed_.notify_all();
}

void KvmBackend::run(kvm::GuestConfig config) {
  GuestEnd end;
  struct stat st;
  if (::stat(config.image_path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    end = cannot_start(127, "no guest image at " + config.image_path);
  } else {
    try {
      end = guest_end_from(kvm::run_guest(config));
    } catch (const kvm::ImageError& e) {
      end = cannot_start(126, std::string("cannot boot the image: ") + e.what());
    } catch (const kvm::KvmError& e) {
      // No VM could be made (no usable /dev/kvm, a failed ioctl): monocell failed, not the app.
      end = cannot_start(125, std::string("cannot boot the guest: ") + e.what());
    } catch (const std::exception& e) {
      end = cannot_start(125, std::string("cannot boot the guest: ") + e.what());
    }
  }
  {
    std::lock_guard lock(mutex_);
    end_ = std::move(end);
    booted_ = true;
    booted_changed_.notify_all();
  }
  ended_.notify();
}

GuestEnd KvmBackend::end() {
  if (runner_.joinable()) runner_.join();
  std::lock_guard lock(mutex_);
  return end_;
}

}  // namespace monocell
