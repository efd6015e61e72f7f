// Boots the test guests (images/tests) on the real /dev/kvm and checks what a user would see:
// output, exit codes, fault reports, limits, the clock, and that repeated boots do not leak.
#include <catch2/catch.hpp>

#include <asm/unistd_64.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <map>
#include <set>

#include "background_release.h"
#include "images/format/byte_stream.h"
#include "images/format/file_tree_writer.h"
#include "elf_image.h"
#include "kvm_error.h"
#include "kvm_test_support.h"
#include "vcpu.h"
#include "vm.h"

using namespace monocell::kvm;
using namespace monocell::kvm::test;

namespace {

int open_fd_count() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (::readdir(dir) != nullptr) ++count;
  ::closedir(dir);
  return count;
}

// Waits until every VM handed to release_vm_in_background is gone and its child reaped.
bool background_releases_finish() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (reap_background_releases() != 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// Our child processes, zombies included (/proc/<pid>/stat field 4 is the parent).
std::vector<pid_t> child_processes() {
  std::vector<pid_t> children;
  DIR* dir = ::opendir("/proc");
  REQUIRE(dir != nullptr);
  while (const dirent* e = ::readdir(dir)) {
    const pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::string(e->d_name) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t close_paren = text.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(text.substr(close_paren + 1));
    char state;
    pid_t parent;
    if (rest >> state >> parent && parent == ::getpid()) children.push_back(pid);
  }
  ::closedir(dir);
  return children;
}

long status_kib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

long long host_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

}  // namespace

TEST_CASE("a guest prints with iostream and printf and exits with the code from argv") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  const BootResult r = boot("test-hello", {"42", "two words"}, std::chrono::seconds(30), mode);
  INFO(r.outcome.report());
  REQUIRE(r.outcome.kind == OutcomeKind::kExited);
  CHECK(r.outcome.exit_code == 42);
  CHECK(exit_status_for(r.outcome) == 42);
  CHECK(r.out.find("hello from monocell (iostream)\n") != std::string::npos);
  CHECK(r.out.find("hello from monocell (printf), argc=3\n") != std::string::npos);
  CHECK(r.out.find("argv[0]=test-hello\n") != std::string::npos);
  CHECK(r.out.find("argv[2]=two words\n") != std::string::npos);
  CHECK(r.err == "hello on stderr\n");
  CHECK(r.outcome.unknown_syscalls == 0);  // glibc's start-up needs nothing the libOS lacks
  // Both boot paths build the initial stack with the same builder (initial_stack.h).
  CHECK(r.out.find("auxv: pagesz=4096 execfn=/test-hello platform=x86_64 random=yes vdso=yes entry=yes phnum=") !=
        std::string::npos);
  CHECK(r.out.find("env ") == std::string::npos);

  const BootResult zero = boot("test-hello", {}, std::chrono::seconds(30), mode);
  REQUIRE(zero.outcome.kind == OutcomeKind::kExited);
  CHECK(zero.outcome.exit_code == 0);
}

TEST_CASE("the direct boot hands the guest its environment, in order") {
  if (!kvm_or_skip()) return;
  BootResult result;
  GuestConfig config;
  config.image_path = image_path("test-hello");
  config.args = {"7"};
  config.env = {"GREETING=hello there", "EMPTY=", "LAST=1"};
  config.timeout = std::chrono::seconds(30);
  config.console = [&](int fd, std::string_view bytes) { (fd == 1 ? result.out : result.err).append(bytes); };
  result.outcome = run_guest(config);
  INFO(result.outcome.report() << result.out);
  REQUIRE(result.outcome.kind == OutcomeKind::kExited);
  CHECK(result.outcome.exit_code == 7);
  CHECK(result.out.find("env GREETING=hello there\nenv EMPTY=\nenv LAST=1\n") != std::string::npos);
}

TEST_CASE("an image's file tree is the guest's / on both boot paths, and must fit in its RAM") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  char dir_template[] = "/tmp/monocell-kvm-tree.XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string tree_path = std::string(dir_template) + "/tree";
  std::string big(5 * 1024 * 1024 + 3, '\0');
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>((i * 2654435761u) >> 13);
    hash = (hash ^ static_cast<unsigned char>(big[i])) * 0x100000001b3ull;
  }
  {
    monocell::image::FileTreeWriter writer;
    writer.add_file("etc/motd", "welcome to the image\n");
    writer.add_file("srv/big", big);
    writer.add_directory("srv/empty");
    monocell::image::StringSink sink;
    writer.write(sink);
    std::ofstream(tree_path, std::ios::binary) << sink.data;
  }
  const BootResult r = boot("test-image-files", {}, std::chrono::seconds(30), mode, 256, tree_path);
  INFO(r.outcome.report() << r.out << r.err);
  REQUIRE(r.outcome.kind == OutcomeKind::kExited);
  CHECK(r.outcome.exit_code == 0);
  char checksum[17];
  std::snprintf(checksum, sizeof checksum, "%016llx", static_cast<unsigned long long>(hash));
  CHECK(r.out == "motd: welcome to the image\nbig: 5242883 bytes, fnv1a " + std::string(checksum) +
                     "\n/srv: big empty\nopen for writing: Read-only file system\n");
  // Without a tree the same guest finds nothing there.
  const BootResult bare = boot("test-image-files", {}, std::chrono::seconds(30), mode);
  CHECK(bare.out.find("motd: (missing)") != std::string::npos);
  // A tree larger than the guest's RAM is refused before it boots, naming --memory.
  CHECK_THROWS_WITH(boot("test-image-files", {}, std::chrono::seconds(30), mode, 16, tree_path),
                    Catch::Contains("--memory"));
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("a guest allocates and checks 64 MiB through new and malloc") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  const BootResult r = boot("test-alloc", {}, std::chrono::seconds(30), mode);
  INFO(r.outcome.report() << r.out);
  REQUIRE(r.outcome.kind == OutcomeKind::kExited);
  CHECK(r.outcome.exit_code == 0);
  CHECK(r.out ==
        "new: 64 MiB ok\nmalloc: 64 MiB ok\ncalloc after free: zeroed ok\nsmall: ok\n");
}

TEST_CASE("a null dereference is reported as a page fault at address 0") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  const BootResult r = boot("test-null-deref", {}, std::chrono::seconds(30), mode);
  INFO(r.outcome.report());
  CHECK(r.out == "about to dereference null\n");
  REQUIRE(r.outcome.kind == OutcomeKind::kFault);
  CHECK(r.outcome.vector == 14);
  CHECK(r.outcome.registers.cr2 == 0);
  CHECK((r.outcome.error_code & 0x4) != 0);  // a user-mode access
  CHECK((r.outcome.registers.cs & 3) == 3);
  CHECK_FALSE(r.outcome.in_syscall_entry);
  CHECK(exit_status_for(r.outcome) == kExitGuestFault);
  CHECK(r.outcome.report().find("#PF page fault") != std::string::npos);
}

TEST_CASE("a fault inside the libOS syscall entry is reported without hanging the host") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  const auto start = std::chrono::steady_clock::now();
  const BootResult r = boot("test-entry-fault", {}, std::chrono::seconds(20), mode);
  INFO(r.outcome.report());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  REQUIRE(r.outcome.kind == OutcomeKind::kFault);
  CHECK(r.outcome.vector == 14);
  CHECK(r.outcome.in_syscall_entry);
  // `syscall` enters ring 0 on hardware-style KVM (the rig) and stays in ring 3 on kvm_pvm.
  CHECK((r.outcome.registers.cs & 3) == (syscall_stays_in_ring3() ? 3u : 0u));
  CHECK(r.outcome.registers.cr2 == 0x00007f0000000000ull);  // the clobbered GS base
  CHECK(r.outcome.registers.gs_base == 0x00007f0000000000ull);
  CHECK(exit_status_for(r.outcome) == kExitGuestFault);
}

TEST_CASE("a fault the supervisor cannot take ends as a reported triple fault, not a hang") {
  if (!kvm_or_skip()) return;
  GuestConfig config;
  config.image_path = image_path("test-null-deref");
  config.timeout = std::chrono::seconds(20);
  std::string out;
  config.console = [&](int, std::string_view bytes) { out.append(bytes); };
  // An IDT too short for any vector: the #PF cannot be delivered, nor the #GP, nor the #DF.
  config.before_start = [](Vm&, Vcpu& vcpu) {
    kvm_sregs s = vcpu.sregs();
    s.idt.limit = 0;
    vcpu.set_sregs(s);
  };
  const auto start = std::chrono::steady_clock::now();
  const GuestOutcome o = run_guest(config);
  INFO(o.report());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  CHECK(out == "about to dereference null\n");
  REQUIRE(o.kind == OutcomeKind::kTripleFault);
  CHECK(exit_status_for(o) == kExitGuestFault);
  if (kvm_resets_vcpu_on_shutdown()) {
    // KVM on AMD SVM INITs the vCPU on a shutdown: the report must not pass off the reset
    // state (CS F000, RIP FFF0) as the guest's registers.
    CHECK_FALSE(o.has_registers);
    CHECK(o.report().find("registers are lost") != std::string::npos);
  } else {
    REQUIRE(o.has_registers);
    CHECK(o.registers.rip >= 0x400000);  // where the guest was when it died
  }
}

TEST_CASE("an exit the VMM does not handle stops the guest with a report") {
  if (!kvm_or_skip()) return;
  const BootResult r = boot("test-bad-mmio");
  INFO(r.outcome.report());
  CHECK(r.out == "about to poke a missing device\n");
  REQUIRE(r.outcome.kind == OutcomeKind::kUnhandledExit);
  CHECK(r.outcome.detail.find("MMIO write of 4 bytes at gpa 0xfe002000") != std::string::npos);
  REQUIRE(r.outcome.has_registers);
  CHECK(r.outcome.registers.cs == 0x33);
  CHECK(exit_status_for(r.outcome) == kExitGuestFault);
}

TEST_CASE("a guest spinning in ring 3 is stopped by the wall-clock limit") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  const auto start = std::chrono::steady_clock::now();
  const BootResult r = boot("test-spin", {}, std::chrono::milliseconds(300), mode);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  INFO(r.outcome.report());
  CHECK(r.out == "spinning\n");
  REQUIRE(r.outcome.kind == OutcomeKind::kTimeout);
  CHECK(elapsed >= std::chrono::milliseconds(300));
  CHECK(elapsed < std::chrono::seconds(5));
  REQUIRE(r.outcome.has_registers);
  CHECK(r.outcome.registers.cs == 0x33);  // caught in ring 3, in the app
  CHECK(r.outcome.registers.rip >= 0x400000);
  CHECK(exit_status_for(r.outcome) == kExitTimeout);
}

TEST_CASE("another thread stops a running guest at once with a GuestStopper") {
  if (!kvm_or_skip()) return;
  GuestConfig config;
  config.image_path = image_path("test-spin");
  config.timeout = std::chrono::seconds(30);
  config.console = [](int, std::string_view) {};
  config.stopper = std::make_shared<GuestStopper>();
  std::thread stopper([s = config.stopper] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    s->request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  const GuestOutcome outcome = run_guest(config);
  stopper.join();
  CHECK(outcome.kind == OutcomeKind::kStopped);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));  // not the 30 s limit
  CHECK(outcome.has_registers);

  // A stop asked for before the run stops it as soon as it starts.
  config.stopper = std::make_shared<GuestStopper>();
  config.stopper->request_stop();
  CHECK(run_guest(config).kind == OutcomeKind::kStopped);
}

TEST_CASE("an unknown syscall gets ENOSYS, the guest keeps running, and the count is reported") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  const BootResult r = boot("test-unknown-syscall", {}, std::chrono::seconds(30), mode);
  INFO(r.outcome.report() << r.out);
  REQUIRE(r.outcome.kind == OutcomeKind::kExited);
  CHECK(r.outcome.exit_code == 0);
  CHECK(r.out == "got ENOSYS 3 times, still running\n");
  CHECK(r.outcome.unknown_syscalls == 3);
  CHECK(r.outcome.last_unknown_syscall == __NR_io_uring_setup);
}

TEST_CASE("clock_gettime in the guest advances consistently with the host's clocks") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  const long long host_real_before = host_ns(CLOCK_REALTIME);
  const auto host_start = std::chrono::steady_clock::now();
  const BootResult r = boot("test-clock", {}, std::chrono::seconds(30), mode);
  const double host_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - host_start).count();
  const long long host_real_after = host_ns(CLOCK_REALTIME);
  INFO(r.outcome.report() << r.out);
  REQUIRE(r.outcome.kind == OutcomeKind::kExited);
  long long real0 = 0, real1 = 0, mono0 = 0, mono1 = 0, call_ns = 0;
  int vdso = 0;
  REQUIRE(std::sscanf(r.out.c_str(),
                      "realtime0=%lld realtime1=%lld monotonic0=%lld monotonic1=%lld vdso=%d call_ns=%lld",
                      &real0, &real1, &mono0, &mono1, &vdso, &call_ns) == 6);
  // Served by the guest's vDSO from pvclock, not by a syscall (~20 us each on kvm_pvm).
  CHECK(vdso == 1);
  CHECK(call_ns < 1000);
  // The guest's wall clock lies within the host's, give or take 50 ms of clock-offset error.
  const long long slack = 50'000'000;
  CHECK(real0 >= host_real_before - slack);
  CHECK(real1 <= host_real_after + slack);
  // The 200 ms sleep shows on both clocks, and no more time passed than the host saw.
  const long long mono_delta = mono1 - mono0;
  const long long real_delta = real1 - real0;
  CHECK(mono_delta >= 200'000'000);
  CHECK(static_cast<double>(mono_delta) <= host_seconds * 1e9);
  CHECK(std::llabs(real_delta - mono_delta) < 5'000'000);
}

TEST_CASE("getrandom gives every call and every guest its own bytes, and they look random") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  std::set<std::string> seen;
  for (int guest = 0; guest < 2; ++guest) {
    const BootResult r = boot("test-random", {}, std::chrono::seconds(30), mode);
    INFO(r.outcome.report() << r.out);
    REQUIRE(r.outcome.kind == OutcomeKind::kExited);
    REQUIRE(r.outcome.exit_code == 0);
    std::istringstream lines(r.out);
    std::string big, small, nonblock;
    REQUIRE(std::getline(lines, big));
    REQUIRE(std::getline(lines, small));
    REQUIRE(std::getline(lines, nonblock));
    REQUIRE(big.size() == 8192);
    REQUIRE(small.size() == 64);
    REQUIRE(nonblock.size() == 64);
    for (const std::string& s : {big.substr(0, 64), small, nonblock}) CHECK(seen.insert(s).second);
    // 4096 bytes of a uniform source hold nearly every byte value, each about 16 times.
    std::map<std::string, int> counts;
    for (size_t i = 0; i < big.size(); i += 2) ++counts[big.substr(i, 2)];
    CHECK(counts.size() > 240);
    int most = 0;
    for (const auto& [value, n] : counts) most = std::max(most, n);
    CHECK(most < 48);
  }
}

TEST_CASE("the guest's doorbell reaches the host and the host's interrupt wakes the guest") {
  if (!kvm_or_skip()) return;
  const BootMode mode = GENERATE(BootMode::kDirect, BootMode::kPvh);
  INFO("--boot " << boot_name(mode));
  const int doorbell = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  const int interrupt = ::eventfd(0, EFD_CLOEXEC);
  REQUIRE(doorbell >= 0);
  REQUIRE(interrupt >= 0);
  GuestConfig config;
  config.image_path = image_path("test-notify");
  config.boot = mode;
  config.timeout = std::chrono::seconds(30);
  config.doorbell_fd = doorbell;
  config.interrupt_fd = interrupt;
  std::string out;
  uint64_t rings_when_ready = 0;
  std::thread interrupter;
  config.console = [&](int, std::string_view bytes) {
    out.append(bytes);
    if (bytes == "ready\n") {
      // The doorbell writes never left the kernel: count them. Then interrupt the guest once
      // it has been asleep for a while.
      (void)::read(doorbell, &rings_when_ready, sizeof rings_when_ready);
      interrupter = std::thread([interrupt] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const uint64_t one = 1;
        (void)::write(interrupt, &one, sizeof one);
      });
    }
  };
  const GuestOutcome o = run_guest(config);
  if (interrupter.joinable()) interrupter.join();
  ::close(doorbell);
  ::close(interrupt);
  INFO(o.report() << out);
  REQUIRE(o.kind == OutcomeKind::kExited);
  CHECK(o.exit_code == 0);
  CHECK(rings_when_ready == 5);
  long long waited_ms = -1;
  REQUIRE(std::sscanf(out.c_str(), "ready\nearly=0 woken=1 interrupts=1 waited_ms=%lld", &waited_ms) == 1);
  CHECK(waited_ms >= 150);  // it slept ...
  CHECK(waited_ms < 2000);  // ... and the interrupt, not the 10 s limit, woke it
}

TEST_CASE("100 boots in a row leave no fds and no memory behind") {
  if (!kvm_or_skip()) return;
  auto quiet_boot = [] {
    GuestConfig config;
    config.image_path = image_path("test-hello");
    config.args = {"3"};
    config.timeout = std::chrono::seconds(30);
    config.console = [](int, std::string_view) {};
    const GuestOutcome o = run_guest(config);
    REQUIRE(o.kind == OutcomeKind::kExited);
    REQUIRE(o.exit_code == 3);
  };
  for (int i = 0; i < 5; ++i) quiet_boot();  // warm up allocator caches and the CPUID query
  const int fds_before = open_fd_count();
  const long rss_before = status_kib("VmRSS");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) quiet_boot();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(background_releases_finish());
  const int fds_after = open_fd_count();
  const long rss_after = status_kib("VmRSS");
  INFO("rss before " << rss_before << " KiB, after " << rss_after << " KiB; "
                     << seconds * 10 << " ms per boot");
  CHECK(fds_after == fds_before);
  CHECK(rss_after - rss_before < 4096);
}

TEST_CASE("a destroyed VM is released in the background and leaves no fd, mapping or child") {
  if (!kvm_or_skip()) return;
  REQUIRE(background_releases_finish());
  const int fds_before = open_fd_count();
  const long address_space_before = status_kib("VmSize");
  for (int i = 0; i < 20; ++i) {
    const int doorbell = ::eventfd(0, EFD_CLOEXEC);
    REQUIRE(doorbell >= 0);
    {
      // With an irqchip and an ioeventfd: the VM whose destruction is slow (~7 ms here).
      Vm vm(64 << 20, /*irqchip=*/true);
      Vcpu vcpu(vm, 0);
      vm.add_doorbell(0x100000000ull, doorbell);
      vm.memory().populate(0, 1 << 20);
    }
    ::close(doorbell);
  }
  REQUIRE(background_releases_finish());
  CHECK(open_fd_count() == fds_before);
  CHECK(child_processes().empty());
  // 20 guests' RAM is 1280 MiB of address space: all of it unmapped again.
  CHECK(status_kib("VmSize") - address_space_before < (64 << 10));
}

TEST_CASE("the ELF loader survives corrupted headers and notes") {
  // Hostile images: random bytes in the ELF header, program headers and notes must give a
  // parsed image or an ImageError, never a crash (ASan builds check the reads).
  std::ifstream file(image_path("test-hello"), std::ios::binary);
  REQUIRE(file);
  const std::vector<uint8_t> original((std::istreambuf_iterator<char>(file)), {});
  REQUIRE(original.size() > 4096);
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int parsed = 0, refused = 0;
  for (int round = 0; round < 1000; ++round) {
    std::vector<uint8_t> bytes = original;
    const int flips = 1 + static_cast<int>(next() % 8);
    for (int i = 0; i < flips; ++i) bytes[next() % 1024] = static_cast<uint8_t>(next());
    if (round % 7 == 0) bytes.resize(next() % bytes.size());
    try {
      const ElfImage image = ElfImage::parse(std::move(bytes), "mutant");
      if (image.segments().empty()) FAIL("an image without segments was accepted");
      ++parsed;
    } catch (const ImageError&) {
      ++refused;
    }
  }
  CHECK(parsed + refused == 1000);
  CHECK(parsed > 0);
  CHECK(refused > 0);
}

TEST_CASE("the ELF loader refuses files that are not static x86-64 executables") {
  CHECK_THROWS_WITH(ElfImage::parse({'n', 'o', 'p', 'e'}, "tiny"),
                    Catch::Contains("too small for an ELF header"));
  std::vector<uint8_t> junk(4096, 0x41);
  CHECK_THROWS_WITH(ElfImage::parse(junk, "junk"), Catch::Contains("not an ELF file"));
  CHECK_THROWS_WITH(ElfImage::from_file("/nonexistent/image"),
                    Catch::Contains("cannot open guest image /nonexistent/image"));
  // A dynamically linked host binary is refused by name.
  CHECK_THROWS_AS(ElfImage::from_file("/bin/true"), ImageError);
  // An image without the libOS's note cannot boot.
  if (!kvm_or_skip()) return;
  GuestConfig config;
  config.image_path = "/bin/true";
  CHECK_THROWS_AS(run_guest(config), ImageError);
}
