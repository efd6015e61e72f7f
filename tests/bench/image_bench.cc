// monocell-bench-image: images next to what they replace, measured side by side in one run.
//   hello_kib     the hello guest image's file (as `image save` writes it), next to its raw ELF
//   store_vs_elf  wall time of `monocell run hello:bench` (from the store) / `monocell run` of the
//                 raw ELF (medians of interleaved runs; KVM where /dev/kvm is usable, else the
//                 process backend with the process ELF)
//   lz4_vs_cli    the backends' decompression of the guest ELF (lz4 frame, sha256 check, into a
//                 sealed memfd: decompress_to_memfd) / `lz4 -d` of the same blob file into a
//                 fresh memfd, both in bytes per second over the blob 32 times (lz4's own
//                 process start-up, timed with `lz4 --version`, is not decompression and is
//                 taken out); lz4 -d into /dev/null is printed beside it
// usage: monocell-bench-image [--runs N]
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "hypervisors/kvm/kvm_system.h"
#include "images/format/image_reference.h"
#include "images/store/blob_memfd.h"
#include "images/store/image_store.h"
#include "tests/bench/echo_guest.h"

using namespace monocell;
namespace fs = std::filesystem;

namespace {

constexpr double kHelloTargetKib = 1024;
constexpr double kStoreTarget = 1.05;
constexpr double kLz4Target = 0.9;
constexpr char kLz4Cli[] = "/usr/bin/lz4";

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "bench: %s\n", why.c_str());
  std::exit(1);
}

double timed(const std::vector<std::string>& argv) {
  const double ms = bench::time_command(argv);
  if (ms < 0) {
    std::string text;
    for (const std::string& a : argv) text += (text.empty() ? "" : " ") + a;
    fail("`" + text + "` failed");
  }
  return ms;
}

// Seconds `argv` takes with its standard output in a fresh memfd, the memfd's pages freed
// again within the time, as decompress_to_memfd's memfds are in the loop it is compared with.
// Into /dev/null, lz4 would neither take nor fill a page of output; a reader that keeps the
// bytes (ours must: the backend boots them) pays for both.
double seconds_into_memfd(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto start = bench::Clock::now();
  const int out = memfd_create("bench-lz4-output", 0);  // inherited: the child's stdout
  if (out < 0) fail(std::string("memfd_create: ") + std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) fail(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_WRONLY);
    dup2(out, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(out);
  const double seconds = bench::seconds_since(start);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("`" + argv[0] + " -d` into a memfd failed");
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 15;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
  }
  const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path();
  const std::string monocell = (bin / "monocell").string();
  const std::string guest_elf = std::string(MONOCELL_IMAGE_DIR) + "/hello";
  const std::string process_elf = (bin / "apps" / "hello").string();
  if (access(kLz4Cli, X_OK) != 0) fail(std::string(kLz4Cli) + " is missing (ci/install-deps.sh installs lz4)");

  // A store and a state directory of this run's own.
  char dir_template[] = "/tmp/monocell-bench-image.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) fail(std::string("mkdtemp: ") + std::strerror(errno));
  const fs::path dir = dir_template;
  setenv("MONOCELL_IMAGE_STORE", (dir / "store").c_str(), 1);
  setenv("MONOCELL_STATE_DIR", (dir / "state").c_str(), 1);
  std::printf("== image ==\n");

  // The hello image as users build it (guest ELF only), and one carrying the process ELF too.
  timed({monocell, "image", "build", "-t", "hello:bench", guest_elf});
  timed({monocell, "image", "build", "-t", "hello-process:bench", "--process-elf", process_elf, guest_elf});
  const image::ImageStore store((dir / "store").string());
  std::string why;
  const auto id = store.find(*image::parse_reference("hello:bench", &why));
  if (!id) fail("the image hello:bench is not in the store after its build");
  const image::StoredImage hello = store.read(*id);
  const double hello_kib = static_cast<double>(hello.file_size()) / 1024;
  std::printf("hello image: %.0f KiB (raw guest ELF %.0f KiB)\n", hello_kib,
              static_cast<double>(fs::file_size(guest_elf)) / 1024);

  // monocell run from the store next to the raw ELF, interleaved so noise hits both alike.
  const bool kvm = kvm::KvmSystem::available();
  const std::string hypervisor = kvm ? "kvm" : "process";
  const std::string stored_ref = kvm ? "hello:bench" : "hello-process:bench";
  const std::string raw = kvm ? guest_elf : process_elf;
  std::vector<double> from_store, from_elf;
  for (int i = 0; i < runs; ++i) {
    from_store.push_back(timed({monocell, "run", "--hypervisor", hypervisor, stored_ref}));
    from_elf.push_back(timed({monocell, "run", "--hypervisor", hypervisor, raw}));
  }
  const double store_ms = median(from_store);
  const double elf_ms = median(from_elf);
  const double store_vs_elf = store_ms / elf_ms;
  std::printf("monocell run --hypervisor %s %s: median %.2f ms; of the raw ELF: %.2f ms (%d runs each)\n",
              hypervisor.c_str(), stored_ref.c_str(), store_ms, elf_ms, runs);

  // Decompression: the backends' path next to lz4's command line, on the same blob file.
  const image::BlobLocation* blob = nullptr;
  for (const image::BlobLocation& b : hello.blobs) {
    if (b.kind == image::v1::BLOB_KIND_GUEST_ELF) blob = &b;
  }
  if (blob == nullptr) fail("the hello image has no guest ELF blob");
  // Each measurement decompresses the blob kRepeats times, so that lz4's start-up (timed on
  // its own and taken out) is a small part of what its time says.
  constexpr int kRepeats = 32;
  const double bytes = static_cast<double>(blob->digest.size) * kRepeats;
  // One lz4 process decodes the blob file kRepeats times (-m: each argument a file of its own).
  std::vector<std::string> lz4_argv = {kLz4Cli, "-d", "-c", "-q", "-m"};
  for (int r = 0; r < kRepeats; ++r) lz4_argv.push_back(store.blob_path(*blob));
  std::vector<double> ours, cli, cli_null, cli_startup;
  for (int i = 0; i < std::max(3, runs / 3); ++i) {
    const auto start = bench::Clock::now();
    for (int r = 0; r < kRepeats; ++r) {
      const image::FileDescriptor memfd = image::decompress_to_memfd(store, hello, *blob, "bench-hello");
    }
    ours.push_back(bench::seconds_since(start));
    cli.push_back(seconds_into_memfd(lz4_argv));
    cli_null.push_back(timed(lz4_argv) / 1000);
    cli_startup.push_back(timed({kLz4Cli, "--version"}) / 1000);
  }
  const double ours_bps = bytes / median(ours);
  const double cli_s = std::max(median(cli) - median(cli_startup), 1e-6);
  const double cli_bps = bytes / cli_s;
  const double cli_null_bps = bytes / std::max(median(cli_null) - median(cli_startup), 1e-6);
  const double lz4_vs_cli = ours_bps / cli_bps;
  std::printf("decompressing the guest ELF (%.0f KiB) %d times: %.0f MB/s in the backends (with its sha256), "
              "%.0f MB/s with lz4 -d into a memfd (%.2f ms, less %.2f ms of its start-up); "
              "lz4 -d into /dev/null: %.0f MB/s\n",
              static_cast<double>(blob->digest.size) / 1024, kRepeats, ours_bps / 1e6, cli_bps / 1e6,
              median(cli) * 1000, median(cli_startup) * 1000, cli_null_bps / 1e6);

  std::printf("targets: hello_kib <= %.0f %s, store_vs_elf <= %.2f %s, lz4_vs_cli >= %.1f %s\n", kHelloTargetKib,
              hello_kib <= kHelloTargetKib ? "PASS" : "MISS", kStoreTarget,
              store_vs_elf <= kStoreTarget ? "PASS" : "MISS", kLz4Target, lz4_vs_cli >= kLz4Target ? "PASS" : "MISS");
  std::printf("image: hello_kib=%.0f store_vs_elf=%.3f lz4_vs_cli=%.2f\n", hello_kib, store_vs_elf, lz4_vs_cli);
  fs::remove_all(dir);
  return 0;
}
