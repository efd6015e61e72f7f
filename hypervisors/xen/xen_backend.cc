// The Xen backend.
#include "hypervisors/xen/xen_backend.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <monocell/xen_pvh_abi.h>
#include <spdlog/spdlog.h>

#include "hypervisors/common/fault_report.h"
#include "hypervisors/common/host_random.h"
#include "hypervisors/common/string_format.h"
#include "hypervisors/kvm/elf_image.h"
#include "hypervisors/kvm/kvm_error.h"
#include "hypervisors/kvm/unique_fd.h"
#include "hypervisors/xen/xen_console.h"
#include "hypervisors/xen/xen_domain.h"
#include "hypervisors/xen/xen_domain_events.h"
#include "hypervisors/xen/xen_error.h"
#include "hypervisors/xen/xen_event_channel.h"
#include "hypervisors/xen/xen_grant_region.h"
#include "hypervisors/xen/xen_host_probe.h"
#include "hypervisors/xen/xen_leftovers.h"
#include "hypervisors/xen/xen_reaper.h"
#include "hypervisors/xen/xen_store.h"
#include "hypervisors/xen/xen_store_rendezvous.h"

namespace monocell {
namespace {

using namespace std::chrono_literals;

constexpr int kExitCannotRun = 126;
constexpr int kExitNotFound = 127;
constexpr int kExitMonocellFailed = 125;
constexpr int kExitGuestFault = 139;
// xenconsoled passes the guest's last words on a little after it wrote them: the console is
// read until it has been quiet this long (longer after a crash, whose report matters), but
// never longer than kConsoleDrainLimit.
constexpr auto kConsoleQuiet = 50ms;
constexpr auto kConsoleQuietAfterCrash = 250ms;
constexpr auto kConsoleDrainLimit = 1000ms;

GuestEnd cannot_start(int code, std::string report) {
  GuestEnd end;
  end.kind = GuestEnd::Kind::kCannotStart;
  end.code = code;
  end.report = std::move(report);
  return end;
}

// `signal`: the one Linux sends for the CPU exception the guest reported (0: none was).
GuestEnd faulted(std::string report, int signal = 0) {
  GuestEnd end;
  end.kind = GuestEnd::Kind::kFault;
  end.signal = signal;
  end.code = signal != 0 ? 128 + signal : kExitGuestFault;
  end.report = std::move(report);
  return end;
}

GuestEnd signaled(int signal, std::string report) {
  GuestEnd end;
  end.kind = GuestEnd::Kind::kSignaled;
  end.signal = signal;
  end.code = 128 + signal;
  end.report = std::move(report);
  return end;
}

GuestEnd killed(std::string report) { return signaled(SIGKILL, std::move(report)); }

// Module 0 (xen_pvh_abi.h): a memfd holding kSeedModuleSize bytes of the host's randomness,
// then, from kFileTreeModuleOffset, the image's file tree when it has one.
kvm::UniqueFd boot_module(const std::string& file_tree_path) {
  kvm::UniqueFd fd(memfd_create("monocell-seed", MFD_CLOEXEC));
  if (fd.get() < 0) throw xen::XenError(std::string("memfd_create (the guest's random seed): ") + std::strerror(errno));
  uint8_t seed[xen::kSeedModuleSize];
  // libxenguest takes a module that starts with gzip's magic for a compressed one (and fails
  // to unpack it): such a draw, one in 65536, is drawn again.
  do {
    fill_host_random(seed, sizeof seed);
  } while (seed[0] == 0x1f && seed[1] == 0x8b);
  if (::write(fd.get(), seed, sizeof seed) != static_cast<ssize_t>(sizeof seed)) {
    throw xen::XenError(std::string("writing the guest's random seed: ") + std::strerror(errno));
  }
  if (file_tree_path.empty()) return fd;
  const kvm::UniqueFd tree(::open(file_tree_path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (tree.get() < 0 || ::fstat(tree.get(), &st) != 0) {
    throw xen::XenError("cannot read the image's file tree " + file_tree_path + ": " + std::strerror(errno));
  }
  off_t in = 0;
  off_t out = static_cast<off_t>(xen::kFileTreeModuleOffset);
  if (::lseek(fd.get(), out, SEEK_SET) != out) {
    throw xen::XenError(std::string("placing the image's file tree in module 0: ") + std::strerror(errno));
  }
  while (in < st.st_size) {
    const ssize_t n = ::sendfile(fd.get(), tree.get(), &in, static_cast<size_t>(st.st_size - in));
    if (n <= 0) {
      throw xen::XenError("copying the image's file tree into module 0: " +
                          std::string(n < 0 ? std::strerror(errno) : "the file ended early"));
    }
  }
  return fd;
}

// The monitor's stop signals (SIGINT, SIGTERM, SIGHUP) are blocked while the guest boots
// (run_command.cc) and nothing reads them until its rings are up: the rendezvous wait watches
// them itself, so a stop does not wait out the start timeout. Not read here: the signal stays
// pending for the monitor. -1 where the fd cannot be made (the wait then ignores it).
kvm::UniqueFd stop_signal_fd() {
  sigset_t stop;
  sigemptyset(&stop);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop, signal);
  return kvm::UniqueFd(::signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC));
}

// The first stop signal pending for this process, without taking it.
int pending_stop_signal() {
  sigset_t pending;
  sigpending(&pending);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    if (sigismember(&pending, signal) == 1) return signal;
  }
  return SIGTERM;
}

std::chrono::milliseconds start_timeout() {
  double seconds = XenBackend::kDefaultStartTimeoutS;
  if (const char* text = std::getenv(XenBackend::kStartTimeoutVariable); text != nullptr && *text != '\0') {
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    if (end != text && *end == '\0' && value > 0 && value <= 86400) {
      seconds = value;
    } else {
      spdlog::warn("{}={} is not a number of seconds in (0, 86400]; using {} s", XenBackend::kStartTimeoutVariable,
                   text, seconds);
    }
  }
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

const char* shutdown_reason_name(int reason) {
  switch (reason) {
    case 0: return "poweroff";
    case 1: return "reboot";
    case 2: return "suspend";
    case 3: return "crash";
    case 4: return "watchdog";
    case 5: return "soft_reset";
  }
  return "unknown";
}

// Formats the ring region on the guest's pages. The guest runs meanwhile and may rewrite them
// at any moment, so the layout is computed on private memory (format_region validates what it
// wrote by reading it back) and only the result is copied out: the indices first, then the
// header the guest waits for.
ring::Result<ring::RegionLayout> format_shared(void* shared, uint64_t size, const ring::RegionConfig& rings) {
  void* scratch = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (scratch == MAP_FAILED) xen::throw_errno("mmap (private scratch for the ring region)");
  const auto layout = ring::format_region(scratch, size, rings);
  if (layout.ok()) {
    auto* to = static_cast<uint8_t*>(shared);
    const auto* from = static_cast<const uint8_t*>(scratch);
    for (uint32_t i = 0; i < layout.value().ring_count; ++i) {
      const uint32_t at = layout.value().rings[i].indices_offset;
      std::memcpy(to + at, from + at, sizeof(ring::RingIndices));
    }
    std::atomic_thread_fence(std::memory_order_release);
    std::memcpy(to, from, sizeof(ring::RegionHeader));
  }
  ::munmap(scratch, size);
  return layout;
}

std::string trimmed(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

std::unique_ptr<XenBackend> XenBackend::start(const GuestConfig& config, std::string* error) {
  std::unique_ptr<XenBackend> b;
  try {
    b.reset(new XenBackend());
    b->boot(config);
  } catch (const std::exception& e) {
    *error = std::string("Xen backend: ") + e.what();
    return nullptr;  // the destructor destroyed whatever was made
  }
  return b;
}

void XenBackend::boot(const GuestConfig& config) {
  name_ = config.name;
  domain_name_ = xen::domain_name_of(config.name);
  spdlog::debug("guest {}: checking the image and the Xen host", name_);
  std::string why;
  if (!xen::is_dom0(&why)) throw xen::XenError(why + "; use --hypervisor kvm or --hypervisor process here");
  const uint64_t region_bytes = ring::region_size_for(config.rings);
  const uint32_t pages_needed = static_cast<uint32_t>((region_bytes + 4095) / 4096);
  if (pages_needed > xen::kMaxRingPages) {
    throw xen::XenError("the rings need " + std::to_string(pages_needed) + " pages; a Xen guest grants at most " +
                        std::to_string(xen::kMaxRingPages));
  }

  // The image, checked before any domain exists: a missing or foreign file is the app's end.
  struct stat st;
  if (::stat(config.image.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    stop_with(cannot_start(kExitNotFound, "no guest image at " + config.image));
    return use_placeholder_region(config.rings);
  }
  try {
    const kvm::ElfImage image = kvm::ElfImage::from_file(config.image);
    if (!image.pvh_entry()) {
      stop_with(cannot_start(kExitCannotRun, "cannot boot the image on Xen: " + config.image +
                                                 " has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)"));
      return use_placeholder_region(config.rings);
    }
    if (image.monocell_note()) {
      syscall_entry_ = image.monocell_note()->syscall_entry;
      syscall_entry_end_ = image.monocell_note()->syscall_entry_end;
    }
  } catch (const kvm::ImageError& e) {
    stop_with(cannot_start(kExitCannotRun, std::string("cannot boot the image: ") + e.what()));
    return use_placeholder_region(config.rings);
  } catch (const kvm::KvmError& e) {
    stop_with(cannot_start(kExitMonocellFailed, std::string("cannot read the image: ") + e.what()));
    return use_placeholder_region(config.rings);
  }

  context_ = std::make_unique<xen::XenContext>();
  store_ = std::make_unique<xen::XenStore>();
  // The state directory is ours (the monitor holds its lock): a domain of our name tagged with
  // it was left by a monitor of this guest that died, and goes.
  std::string done;
  if (!xen::destroy_leftover(*context_, domain_name_, config.state_dir, &done, &why)) throw xen::XenError(why);
  if (!done.empty()) spdlog::warn("guest {}: {}", name_, done);
  // The devices the rings need, before a domain exists: a missing module is the host's failure.
  grants_ = std::make_unique<xen::XenGrantHandle>(context_->logger());
  channel_ = std::make_unique<xen::XenEventChannel>(context_->logger());
  spdlog::debug("guest {}: libxl, xenstore, grant and event-channel devices open", name_);

  xen::DomainSpec spec;
  spec.name = domain_name_;
  libxl_uuid_generate(&spec.uuid);
  spec.kernel = config.image;
  spec.cmdline = config.argv.empty() ? config.app : config.argv.front();
  spec.memory_mib = config.memory_mib;
  // The guest's CSPRNG seed, from this host's kernel, and the image's files, as PVH module 0
  // (libxl reads the file while it builds the domain; the memfd goes with this scope).
  const kvm::UniqueFd seed = boot_module(config.file_tree);
  spec.ramdisk = "/proc/self/fd/" + std::to_string(seed.get());
  // The reaper first: from the moment the domain exists, someone outlives the monitor for it.
  reaper_ = xen::Reaper::spawn(xen::uuid_text(spec.uuid), domain_name_);
  spdlog::debug("guest {}: its reaper is started", name_);
  domain_ = std::make_unique<xen::XenDomain>(*context_, spec);
  const uint32_t domid = domain_->domid();
  xen::tag_domain(*context_, domid, config.state_dir);
  spdlog::debug("guest {}: created Xen domain {} (domid {}, uuid {})", name_, domain_name_, domid,
                xen::uuid_text(spec.uuid));

  events_ = std::make_unique<xen::DomainEvents>(*context_, domid,
                                                [this](const xen::DomainEnd& e) { on_domain_end(e); });
  console_ = xen::XenConsole::open(*store_, domid, std::chrono::milliseconds(kConsoleTimeoutMs), xen::write_to_stderr,
                                   &why);
  if (!console_) spdlog::warn("guest {}: its console is not shown: {}", name_, why);
  events_->start(console_.get());
  xen::StoreRendezvous rendezvous(*store_, domid);
  reaper_->confirm_started();
  domain_->unpause();

  const auto timeout = start_timeout();
  const kvm::UniqueFd stop_fd = stop_signal_fd();
  const auto r = rendezvous.wait(ended_.fd(), stop_fd.get(), timeout, pages_needed);
  using Outcome = xen::StoreRendezvous::Result::Outcome;
  switch (r.outcome) {
    case Outcome::kEnded:
      return use_placeholder_region(config.rings);
    case Outcome::kStopped: {
      const int signal = pending_stop_signal();
      stop_with(signaled(signal, std::string("stopped by SIG") + sigabbrev_np(signal) +
                                     " while it booted, before its rings were up"));
      return use_placeholder_region(config.rings);
    }
    case Outcome::kTimedOut:
      stop_with(cannot_start(
          kExitCannotRun,
          "the guest did not publish its rings in xenstore (" + rendezvous.state_path() + ") within " +
              format("%.1f", static_cast<double>(timeout.count()) / 1000) +
              " s: not a monocell image built for Xen, or it hung early in its boot (" + kStartTimeoutVariable +
              " sets the limit)"));
      return use_placeholder_region(config.rings);
    case Outcome::kRefused:
      stop_with(r.incompatible ? cannot_start(kExitCannotRun, "the guest cannot run with this monitor: " + r.error)
                               : faulted("the guest published an invalid rendezvous: " + r.error));
      return use_placeholder_region(config.rings);
    case Outcome::kPublished:
      break;
  }
  try {
    region_map_ = std::make_unique<xen::XenGrantRegion>(*grants_, domid, r.value.first_ref, r.value.pages);
    channel_->bind(domid, r.value.port);
  } catch (const xen::XenError& e) {
    stop_with(faulted(std::string("the guest's rendezvous does not hold: ") + e.what()));
    region_map_.reset();
    return use_placeholder_region(config.rings);
  }
  const auto layout = format_shared(region_map_->base(), region_map_->size(), config.rings);
  if (!layout.ok()) throw xen::XenError(std::string("format_region on the granted pages: ") + layout.status().message());
  region_base_ = region_map_->base();
  layout_ = layout.value();
  channel_->notify();
  spdlog::debug("guest {}: rings mapped ({} pages from grant reference {}), event channel {}", name_, r.value.pages,
                r.value.first_ref, r.value.port);
}

void XenBackend::use_placeholder_region(const ring::RegionConfig& rings) {
  placeholder_ = std::make_unique<ring::MemfdRegion>(rings, "monocell-xen-unshared");
  region_base_ = placeholder_->base();
  layout_ = placeholder_->layout();
}

XenBackend::~XenBackend() {
  if (!finished_) end();
}

ring::Notifier& XenBackend::guest_doorbell() {
  if (channel_ && channel_->bound()) return *channel_;
  return no_doorbell_;
}

int XenBackend::host_wakeup_fd() const { return channel_ && channel_->bound() ? channel_->fd() : -1; }

void XenBackend::consume_host_wakeup() {
  if (channel_ && channel_->bound()) channel_->consume();
}

std::optional<uint32_t> XenBackend::domid() const {
  if (!domain_ || domain_->destroyed()) return std::nullopt;
  return domain_->domid();
}

void XenBackend::stop_with(GuestEnd end) {
  std::lock_guard lock(mutex_);
  if (decided_ || domain_end_) return;
  decided_ = std::move(end);
  if (domain_) {
    try {
      domain_->pause();
    } catch (const xen::XenError& e) {
      spdlog::warn("guest {}: {}; it is destroyed at its end", name_, e.what());
    }
  }
  ended_.notify();
}

void XenBackend::on_domain_end(const xen::DomainEnd& domain_end) {
  std::lock_guard lock(mutex_);
  if (decided_ || domain_end_) return;
  domain_end_ = std::make_unique<xen::DomainEnd>(domain_end);
  ended_.notify();
}

void XenBackend::kill() { stop_with(killed("the guest was stopped by the host (as by SIGKILL)")); }

GuestEnd XenBackend::end() {
  if (finished_) return final_end_;
  if (events_) events_->stop();
  // end() without an end: the monitor gives up on the guest.
  kill();
  std::optional<GuestEnd> decided;
  std::unique_ptr<xen::DomainEnd> domain_end;
  {
    std::lock_guard lock(mutex_);
    decided = decided_;
    if (domain_end_) domain_end = std::make_unique<xen::DomainEnd>(*domain_end_);
  }
  if (console_) {
    const bool crashed = domain_end && domain_end->kind == xen::DomainEnd::Kind::kShutdown && domain_end->reason == 3;
    console_->drain_until_quiet(crashed ? kConsoleQuietAfterCrash : kConsoleQuiet, kConsoleDrainLimit);
  }
  final_end_ = decided ? *decided : end_from(*domain_end);
  tear_down();
  finished_ = true;
  return final_end_;
}

GuestEnd XenBackend::end_from(const xen::DomainEnd& domain_end) {
  switch (domain_end.kind) {
    case xen::DomainEnd::Kind::kDeath:
      return killed("the domain " + domain_name_ + " was destroyed outside monocell (by xl destroy?)");
    case xen::DomainEnd::Kind::kLost:
      return cannot_start(kExitMonocellFailed, "libxl stopped reporting on the domain " + domain_name_ +
                                                   "; its end is unknown (--log-level debug shows libxl's account)");
    case xen::DomainEnd::Kind::kShutdown:
      break;
  }
  if (domain_end.reason == 0) return exit_end();
  if (domain_end.reason == 3) return crash_end();
  return faulted(std::string("the domain shut down with reason ") + shutdown_reason_name(domain_end.reason) + " (" +
                 std::to_string(domain_end.reason) + "), which a monocell guest never asks for" + console_lines());
}

GuestEnd XenBackend::exit_end() {
  std::string error;
  std::optional<xen::ExitReport> report;
  if (const auto text = xen::read_guest_key(*store_, domain_->domid(), xen::kKeyExit, xen::kMaxExitLength, &error)) {
    report = xen::parse_exit(*text, &error);
  }
  GuestEnd end;
  end.kind = GuestEnd::Kind::kExited;
  if (!report) {
    // The runtime's Exit message, if it sent one, still gives the monitor the code.
    spdlog::warn("guest {} powered off without a valid exit code: {}", name_, error);
    end.code = kExitMonocellFailed;
    end.report = "the guest powered off without a valid exit code: " + error;
    return end;
  }
  end.code = report->code();
  if (report->unknown_syscalls != 0) {
    spdlog::debug("guest {}: {} unknown syscalls (last: {})", name_, report->unknown_syscalls,
                  report->last_unknown_syscall);
  }
  return end;
}

GuestEnd XenBackend::crash_end() {
  std::string error;
  std::optional<hostcall::FaultFrame> frame;
  if (const auto text = xen::read_guest_key(*store_, domain_->domid(), xen::kKeyFault, xen::kMaxFaultLength, &error)) {
    frame = xen::parse_fault(*text, &error);
  }
  std::string report = "guest stopped: guest fault (the domain crashed)\n";
  if (!frame) {
    report += "  without a fault report: " + error + "\n";
  } else {
    const fault::Registers registers = fault::from_frame(*frame);
    const bool in_entry = frame->rip >= syscall_entry_ && frame->rip < syscall_entry_end_;
    report += std::string("  ") + fault::where(frame->cs, in_entry) + "\n";
    report += fault::exception_line(frame->vector, frame->error_code, registers, in_entry);
    report += fault::register_lines(registers, false);
  }
  return faulted(trimmed(report + console_lines()), frame ? fault::signal_for_vector(frame->vector) : 0);
}

std::string XenBackend::console_lines() const {
  if (!console_ || console_->bytes() == 0) return "";
  const std::string tail = console_->tail();
  std::string out = "\n  its console said" +
                    std::string(console_->bytes() > xen::XenConsole::kTailBytes ? " (the last 4 KiB)" : "") + ":\n";
  size_t start = 0;
  while (start < tail.size()) {
    size_t newline = tail.find('\n', start);
    if (newline == std::string::npos) newline = tail.size();
    out += "  | " + tail.substr(start, newline - start) + "\n";
    start = newline + 1;
  }
  return trimmed(out);
}

void XenBackend::tear_down() {
  // The guest's pages leave the monitor first: a domain destroyed while they are mapped stays
  // behind as a zombie.
  region_map_.reset();
  channel_.reset();
  grants_.reset();
  events_.reset();
  bool gone = true;
  if (domain_) {
    std::string error;
    gone = domain_->destroy(&error);
    if (!gone) spdlog::error("guest {}: {}; the reaper tries again when the monitor ends", name_, error);
  }
  if (gone && reaper_) reaper_->disarm();
  reaper_.reset();
  console_.reset();
}

}  // namespace monocell
