// Guests of one image share its read-only pages through a shared copy (shared_image_file.h) once
// more than one of them runs: what each guest sees is exactly what a private load gives it, a
// write stays with its writer, and guests booted side by side from one copy run as they do alone.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "elf_image.h"
#include "guest_memory.h"
#include "vm.h"
#include "kvm_test_support.h"

using namespace monocell::kvm;
using namespace monocell::kvm::test;
namespace fs = std::filesystem;

namespace {

class CopiesDir {
 public:
  CopiesDir() {
    char path[] = "/tmp/monocell-kvm-shared-XXXXXX";
    REQUIRE(mkdtemp(path) != nullptr);
    root_ = path;
  }
  ~CopiesDir() { fs::remove_all(root_); }
  std::string path() const { return root_ + "/copies"; }
  size_t count() const {
    std::error_code ec;
    return fs::exists(path(), ec) ? static_cast<size_t>(std::distance(fs::directory_iterator(path()), {})) : 0;
  }

 private:
  std::string root_;
};

bool same_bytes(const GuestMemory& a, const GuestMemory& b, uint64_t gpa, uint64_t length) {
  return std::memcmp(a.host_base() + gpa, b.host_base() + gpa, length) == 0;
}

// Whether some page of `ram` is mapped from a file in `directory` (/proc/self/maps).
bool maps_from(const GuestMemory& ram, const std::string& directory) {
  std::ifstream maps("/proc/self/maps");
  const auto begin = reinterpret_cast<uintptr_t>(ram.host_base());
  const uintptr_t end = begin + ram.size();
  std::string line;
  while (std::getline(maps, line)) {
    const uintptr_t start = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
    if (start >= begin && start < end && line.find(directory + "/") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a guest loaded from the shared copy sees what a private load gives it, and its writes stay its own") {
  CopiesDir copies;
  const std::string path = image_path("echo");
  const ElfImage alone = ElfImage::from_file(path);
  const ElfImage running = ElfImage::from_file(path, {copies.path(), ""});  // the image's only guest yet
  const ElfImage first = ElfImage::from_file(path, {copies.path(), ""});
  const ElfImage second = ElfImage::from_file(path, {copies.path(), ""});
  REQUIRE_FALSE(alone.shares_pages());
  REQUIRE_FALSE(running.shares_pages());
  REQUIRE(first.shares_pages());
  REQUIRE(second.shares_pages());
  CHECK(copies.count() == 2);  // the users file and one copy

  GuestMemory private_ram(64 << 20);
  GuestMemory lone_ram(64 << 20);
  GuestMemory ram_a(64 << 20);
  GuestMemory ram_b(64 << 20);
  alone.load(private_ram);
  running.load(lone_ram);
  first.load(ram_a);
  second.load(ram_b);
  const uint64_t low = alone.lowest_address();
  const uint64_t span = alone.end_address() - low;
  REQUIRE(same_bytes(private_ram, lone_ram, low, span));
  REQUIRE(same_bytes(private_ram, ram_a, low, span));
  REQUIRE(same_bytes(private_ram, ram_b, low, span));
  CHECK(maps_from(ram_a, copies.path()));
  CHECK(maps_from(ram_b, copies.path()));
  CHECK_FALSE(maps_from(private_ram, copies.path()));
  CHECK_FALSE(maps_from(lone_ram, copies.path()));

  // The entry point lies in the text, a read-only segment: its page comes from the copy.
  const uint64_t entry = alone.entry();
  ram_a.host_base()[entry] ^= 0xff;
  CHECK(ram_a.host_base()[entry] != private_ram.host_base()[entry]);
  CHECK(ram_b.host_base()[entry] == private_ram.host_base()[entry]);
  const ElfImage third = ElfImage::from_file(path, {copies.path(), ""});
  GuestMemory ram_c(64 << 20);
  third.load(ram_c);
  CHECK(same_bytes(private_ram, ram_c, low, span));  // the copy itself did not change
}

TEST_CASE("guests booted side by side from one shared copy run as they do alone, and leave no copy") {
  if (!kvm_or_skip()) return;
  CopiesDir copies;
  const auto config_for = [&](BootResult* result) {
    GuestConfig config;
    config.image_path = image_path("test-hello");
    config.page_sharing = {copies.path(), ""};
    config.args = {"5", "side by side"};
    config.timeout = std::chrono::seconds(30);
    config.console = [result](int fd, std::string_view bytes) { (fd == 1 ? result->out : result->err).append(bytes); };
    config.before_start = [&copies, result](Vm& vm, Vcpu&) {
      result->err += copies.count() == 2 && maps_from(vm.memory(), copies.path()) ? "" : "not shared\n";
    };
    return config;
  };
  const BootResult alone = boot("test-hello", {"5", "side by side"});
  // A guest of the image already running, so that both guests below map the copy.
  std::optional<ElfImage> running = ElfImage::from_file(image_path("test-hello"), {copies.path(), ""});
  BootResult a;
  BootResult b;
  std::thread second([&] { b.outcome = run_guest(config_for(&b)); });
  a.outcome = run_guest(config_for(&a));
  second.join();
  for (const BootResult* r : {&a, &b}) {
    INFO(r->outcome.report() << r->out);
    REQUIRE(r->outcome.kind == OutcomeKind::kExited);
    CHECK(r->outcome.exit_code == 5);
    CHECK(r->out == alone.out);
    CHECK(r->err == alone.err);
  }
  CHECK(copies.count() == 1);  // the running guest's users file, and no copy
  running.reset();
  CHECK_FALSE(fs::exists(copies.path()));
}
