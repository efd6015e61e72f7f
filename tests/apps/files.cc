// test-files: files inside the guest, through std::filesystem, std::fstream and the syscalls
// themselves: writes /tmp, reads it back, lists, renames, truncates, removes, and prints what
// each step saw, errors by their errno name. Nothing printed depends on the hypervisor (no
// inode numbers, times or host paths; listings sorted), so the same lines are expected on all.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "guest-libos/runtime/app.h"

namespace fs = std::filesystem;

namespace {

const char* errno_name(int e) {
  switch (e) {
    case 0: return "ok";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EBADF: return "EBADF";
    case EROFS: return "EROFS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EINVAL: return "EINVAL";
    case ESPIPE: return "ESPIPE";
    case EXDEV: return "EXDEV";
    case EBUSY: return "EBUSY";
    case ENOSPC: return "ENOSPC";
    case EFAULT: return "EFAULT";
    default: return "other";
  }
}

// "name: result" for a call that returns -1 and sets errno on failure.
void report(const char* what, long result) {
  std::printf("%s: %s\n", what, result >= 0 ? "ok" : errno_name(errno));
}

std::vector<std::string> sorted_listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string() + (e.is_directory() ? "/" : ""));
  }
  std::sort(names.begin(), names.end());
  return names;
}

void print_listing(const char* what, const fs::path& dir) {
  std::printf("%s:", what);
  for (const std::string& name : sorted_listing(dir)) std::printf(" %s", name.c_str());
  std::printf("\n");
}

void with_filesystem() {
  const fs::path base = fs::temp_directory_path() / "files";
  std::printf("temp directory: %s\n", fs::temp_directory_path().c_str());
  std::printf("create_directories: %d\n", fs::create_directories(base / "sub" / "deeper"));
  {
    std::ofstream out(base / "a.txt");
    out << "line one\nline two\n";
  }
  {
    std::ofstream out(base / "a.txt", std::ios::app);
    out << "line three\n";
  }
  std::ifstream in(base / "a.txt");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) std::printf("read line %d: %s\n", ++lines, line.c_str());
  in.close();
  std::printf("file_size: %ju\n", static_cast<uintmax_t>(fs::file_size(base / "a.txt")));

  {
    std::fstream both(base / "b.bin", std::ios::in | std::ios::out | std::ios::trunc | std::ios::binary);
    both << "0123456789";
    both.seekg(4);
    char four[4] = {};
    both.read(four, 4);
    std::printf("fstream seek and read: %.4s at %lld\n", four, static_cast<long long>(both.tellg()));
  }
  print_listing("listing", base);

  fs::rename(base / "a.txt", base / "sub" / "renamed.txt");
  std::printf("after rename: a.txt %s, sub/renamed.txt %s\n", fs::exists(base / "a.txt") ? "exists" : "gone",
              fs::exists(base / "sub" / "renamed.txt") ? "exists" : "gone");
  fs::resize_file(base / "b.bin", 4);
  std::printf("resize_file to 4: %ju\n", static_cast<uintmax_t>(fs::file_size(base / "b.bin")));
  fs::resize_file(base / "b.bin", 8192);
  std::printf("resize_file to 8192: %ju\n", static_cast<uintmax_t>(fs::file_size(base / "b.bin")));
  std::printf("canonical: %s\n", fs::canonical(base / "sub" / ".." / "sub" / "deeper").c_str());

  int entries = 0;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(base)) {
    (void)e;
    ++entries;
  }
  std::printf("recursive entries: %d\n", entries);

  std::error_code ec;
  fs::remove(base / "sub", ec);
  std::printf("remove non-empty directory: %s\n", errno_name(ec.value()));
  (void)fs::file_size(base / "missing", ec);
  std::printf("file_size of a missing file: %s\n", errno_name(ec.value()));
  fs::create_directory("/not-writable", ec);
  std::printf("create_directory outside /tmp: %s\n", errno_name(ec.value()));
  std::printf("remove_all: %ju\n", static_cast<uintmax_t>(fs::remove_all(base)));
  std::printf("exists after remove_all: %d\n", fs::exists(base));
  fs::current_path("/tmp");
  std::printf("current_path: %s\n", fs::current_path().c_str());
  fs::current_path("/");
}

void with_syscalls() {
  const char* dir = "/tmp/raw";
  report("mkdir", mkdir(dir, 0755));
  report("mkdir again", mkdir(dir, 0755));
  const int fd = open("/tmp/raw/f", O_CREAT | O_RDWR | O_EXCL, 0600);
  report("open O_CREAT|O_EXCL", fd);
  report("open O_CREAT|O_EXCL again", open("/tmp/raw/f", O_CREAT | O_RDWR | O_EXCL, 0600));
  char first[] = "hello ";
  char second[] = "world";
  iovec iov[2] = {{first, 6}, {second, 5}};
  std::printf("writev: %zd\n", writev(fd, iov, 2));
  std::printf("lseek SEEK_END: %lld\n", static_cast<long long>(lseek(fd, 0, SEEK_END)));
  std::printf("lseek SEEK_SET 6: %lld\n", static_cast<long long>(lseek(fd, 6, SEEK_SET)));
  char buffer[32] = {};
  std::printf("read: %zd %s\n", read(fd, buffer, sizeof buffer), buffer);
  std::printf("read at the end: %zd\n", read(fd, buffer, sizeof buffer));
  std::printf("pwrite at 0: %zd\n", pwrite(fd, "J", 1, 0));
  std::memset(buffer, 0, sizeof buffer);
  std::printf("pread at 0: %zd %s\n", pread(fd, buffer, 5, 0), buffer);
  char a[3] = {};
  char b[3] = {};
  iovec in[2] = {{a, 2}, {b, 2}};
  lseek(fd, 0, SEEK_SET);
  std::printf("readv: %zd %.2s|%.2s\n", readv(fd, in, 2), a, b);
  struct stat st{};
  report("fstat", fstat(fd, &st));
  std::printf("fstat: regular %d, size %lld, mode %o\n", S_ISREG(st.st_mode), static_cast<long long>(st.st_size),
              st.st_mode & 07777);
  report("ftruncate to 3", ftruncate(fd, 3));
  report("stat", stat("/tmp/raw/f", &st));
  std::printf("stat size: %lld\n", static_cast<long long>(st.st_size));
  const int copy = dup(fd);
  std::printf("dup shares the offset: %lld\n", static_cast<long long>(lseek(copy, 0, SEEK_CUR)));
  report("dup2 to 40", dup2(fd, 40));
  report("dup3 same fd", dup3(fd, fd, 0));
  std::printf("F_GETFD after dup3 O_CLOEXEC: %d\n", fcntl(dup3(fd, 41, O_CLOEXEC), F_GETFD));
  std::printf("F_GETFL access mode: %d\n", fcntl(fd, F_GETFL) & O_ACCMODE);
  std::printf("F_DUPFD from 50: %d\n", fcntl(fd, F_DUPFD, 50));
  for (const int f : {fd, copy, 40, 41, 50}) close(f);
  report("read a closed fd", read(fd, buffer, 1));
  report("close a closed fd", close(fd));

  report("open a missing file", open("/tmp/raw/missing", O_RDONLY));
  report("open a directory for writing", open(dir, O_WRONLY));
  report("open a file as a directory", open("/tmp/raw/f", O_RDONLY | O_DIRECTORY));
  report("open through a file", open("/tmp/raw/f/x", O_RDONLY));
  report("create in the read-only root", open("/new-file", O_CREAT | O_WRONLY, 0644));
  report("access F_OK", access("/tmp/raw/f", F_OK));
  report("access missing", access("/tmp/raw/nothing", F_OK));
  report("rename", rename("/tmp/raw/f", "/tmp/raw/g"));
  report("rename missing", rename("/tmp/raw/f", "/tmp/raw/h"));
  report("mkdir sub", mkdir("/tmp/raw/sub", 0755));
  report("rename file over directory", rename("/tmp/raw/g", "/tmp/raw/sub"));
  report("rmdir non-empty", rmdir(dir));
  report("unlink a directory", unlink("/tmp/raw/sub"));
  report("rmdir a file", rmdir("/tmp/raw/g"));
  report("unlink", unlink("/tmp/raw/g"));
  report("unlink again", unlink("/tmp/raw/g"));
  report("rmdir sub", rmdir("/tmp/raw/sub"));
  report("rmdir", rmdir(dir));
  report("chdir to a missing directory", chdir("/tmp/raw"));

  const int null_fd = open("/dev/null", O_RDWR);
  std::printf("/dev/null: write %zd, read %zd\n", write(null_fd, "x", 1), read(null_fd, buffer, 8));
  close(null_fd);
  const int zero_fd = open("/dev/zero", O_RDONLY);
  std::memset(buffer, 1, sizeof buffer);
  const ssize_t zeros = read(zero_fd, buffer, 16);
  std::printf("/dev/zero: read %zd, zeros %d\n", zeros, std::all_of(buffer, buffer + 16, [](char c) { return c == 0; }));
  close(zero_fd);
  for (const char* path : {"/dev/urandom", "/dev/random"}) {
    std::ifstream random(path, std::ios::binary);
    unsigned char bytes[16] = {};
    random.read(reinterpret_cast<char*>(bytes), sizeof bytes);
    std::printf("%s: read %lld\n", path, static_cast<long long>(random.gcount()));
  }
  struct stat dev{};
  stat("/dev/null", &dev);
  std::printf("/dev/null: character device %d, rdev %u:%u\n", S_ISCHR(dev.st_mode), major(dev.st_rdev),
              minor(dev.st_rdev));
  char exe[256] = {};
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::printf("/proc/self/exe: %s\n",
              n > 0 && std::string(exe).ends_with("test-files") ? "names this program" : "wrong");
  report("readlink of a non-link", readlink("/tmp", exe, sizeof exe));
  {
    std::ofstream("/tmp/mapped") << "bytes through mmap";
    const int map_fd = open("/tmp/mapped", O_RDONLY);
    void* map = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, map_fd, 0);
    std::printf("mmap of a file: %.18s\n", map != MAP_FAILED ? static_cast<const char*>(map) : "failed");
    if (map != MAP_FAILED) munmap(map, 4096);
    close(map_fd);
    unlink("/tmp/mapped");
  }
  char cwd[64] = {};
  std::printf("getcwd: %s\n", getcwd(cwd, sizeof cwd));

  // Pointers nobody may follow: the app gets EFAULT, the libOS carries on.
  // (Read through a volatile, so the compiler does not see the address and object to it.)
  char* volatile bad_address = reinterpret_cast<char*>(16);
  char* nowhere = bad_address;
  report("open a bad path pointer", open(nowhere, O_RDONLY));
  const int probe = open("/tmp/probe", O_CREAT | O_RDWR, 0600);
  report("write from a bad buffer", write(probe, nowhere, 8));
  report("write 8 bytes", write(probe, "abcdefgh", 8));
  lseek(probe, 0, SEEK_SET);
  report("read into a bad buffer", read(probe, nowhere, 8));
  report("stat into a bad buffer", stat("/tmp", reinterpret_cast<struct stat*>(nowhere)));
  close(probe);
  unlink("/tmp/probe");
}

// /tmp is memory, and only so much of it: filling it ends in ENOSPC, and removing the file
// gives the space back.
void until_full() {
  const int fd = open("/tmp/fill", O_CREAT | O_WRONLY | O_TRUNC, 0600);
  const std::string mib(1 << 20, 'f');
  uint64_t total = 0;
  ssize_t n;
  while ((n = write(fd, mib.data(), mib.size())) > 0) total += static_cast<uint64_t>(n);
  const int error = n < 0 ? errno : 0;
  close(fd);
  std::printf("filling /tmp: %s after more than 8 MiB: %d\n", errno_name(error), total > (8u << 20));
  report("unlink the full file", unlink("/tmp/fill"));
  const int again = open("/tmp/again", O_CREAT | O_WRONLY | O_TRUNC, 0600);
  std::printf("write after unlink: %zd\n", write(again, mib.data(), mib.size()));
  close(again);
  unlink("/tmp/again");
}

// FNV-1a over `length` bytes: a checksum the test computes on the host too.
uint64_t fnv1a(const unsigned char* bytes, size_t length, uint64_t hash = 0xcbf29ce484222325ull) {
  for (size_t i = 0; i < length; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ull;
  return hash;
}

// The image's file tree, read-only at /: its files under /srv/app (the e2e test builds them),
// read every way an app reads, and every write refused with EROFS.
void image_files() {
  const fs::path app = "/srv/app";
  for (const char* top : {"srv", "tmp", "dev", "proc"}) {
    std::printf("/%s: %s\n", top, fs::is_directory(fs::path("/") / top) ? "directory" : "missing");
  }
  std::vector<std::string> lines;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(app)) {
    struct stat st {};
    stat(e.path().c_str(), &st);
    char line[512];
    const bool dir = S_ISDIR(st.st_mode);
    std::snprintf(line, sizeof line, "%s %s %04o %jd", e.path().c_str(), dir ? "dir" : "file",
                  static_cast<unsigned>(st.st_mode & 07777), static_cast<intmax_t>(dir ? 0 : st.st_size));
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  for (const std::string& line : lines) std::printf("tree: %s\n", line.c_str());

  std::ifstream greeting(app / "greeting.txt");
  std::string line;
  while (std::getline(greeting, line)) std::printf("greeting.txt: %s\n", line.c_str());
  std::ifstream deep(app / "sub" / "deep.txt");
  std::getline(deep, line);
  std::printf("sub/deep.txt: %s\n", line.c_str());

  // The big file: read in odd pieces, by pread at its middle, and mapped.
  const int fd = open((app / "big.bin").c_str(), O_RDONLY);
  std::vector<unsigned char> bytes;
  unsigned char piece[1000];
  for (ssize_t n; (n = read(fd, piece, sizeof piece)) > 0;) bytes.insert(bytes.end(), piece, piece + n);
  std::printf("big.bin read: %zu bytes, fnv1a %016jx\n", bytes.size(),
              static_cast<uintmax_t>(fnv1a(bytes.data(), bytes.size())));
  const off_t end = lseek(fd, 0, SEEK_END);
  std::printf("big.bin lseek end: %jd\n", static_cast<intmax_t>(end));
  unsigned char middle[16];
  const ssize_t got = pread(fd, middle, sizeof middle, end / 2);
  std::printf("big.bin pread at middle: %zd bytes, same as read: %s\n", got,
              got == 16 && std::memcmp(middle, bytes.data() + end / 2, 16) == 0 ? "yes" : "no");
  void* mapped = mmap(nullptr, static_cast<size_t>(end), PROT_READ, MAP_PRIVATE, fd, 0);
  const bool same = mapped != MAP_FAILED && std::memcmp(mapped, bytes.data(), bytes.size()) == 0;
  std::printf("big.bin mmap: %s\n", same ? "same bytes" : "differs");
  if (mapped != MAP_FAILED) munmap(mapped, static_cast<size_t>(end));
  close(fd);

  // Read-only: every change is refused, as on a read-only mount.
  report("open greeting.txt for writing", open((app / "greeting.txt").c_str(), O_WRONLY));
  report("create a file in /srv/app", open((app / "new.txt").c_str(), O_CREAT | O_WRONLY, 0644));
  report("unlink greeting.txt", unlink((app / "greeting.txt").c_str()));
  report("mkdir in /srv/app", mkdir((app / "newdir").c_str(), 0755));
  report("rename greeting.txt", rename((app / "greeting.txt").c_str(), (app / "moved.txt").c_str()));
  report("truncate greeting.txt", truncate((app / "greeting.txt").c_str(), 0));
  report("access greeting.txt R_OK", access((app / "greeting.txt").c_str(), R_OK));
  report("open missing.txt", open((app / "missing.txt").c_str(), O_RDONLY));
  // And /tmp is still the guest's own.
  std::ofstream(fs::path("/tmp") / "copy.txt") << "copied\n";
  std::printf("/tmp/copy.txt: %ju bytes\n", static_cast<uintmax_t>(fs::file_size("/tmp/copy.txt")));
}

int files_main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "image") == 0) {
    try {
      image_files();
    } catch (const std::exception& e) {
      std::printf("exception: %s\n", e.what());
      return 1;
    }
    std::printf("image files: done\n");
    return 0;
  }
  try {
    with_filesystem();
    with_syscalls();
    until_full();
  } catch (const std::exception& e) {
    std::printf("exception: %s\n", e.what());
    return 1;
  }
  // Left behind on purpose: the test looks for it on the host, where it must never appear.
  std::ofstream("/tmp/monocell-test-files-left-behind") << "from the guest\n";
  std::printf("files: done\n");
  return 0;
}

const monocell::app::Registration registration{{
    .name = "test-files",
    .main = files_main,
    .calls = {},
    .on_signal = nullptr,
}};

}  // namespace
