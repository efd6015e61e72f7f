// File syscalls: fd 1 and 2 go to the host as frames on the stdio ring once the runtime attached
// it (stdio_ring.h), and to the host's console before that (one host call per write/writev);
// fd 0 is at end of file, and there is no file system yet.
#include <asm/stat.h>
#include <asm/termbits.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <monocell/libos.h>
#include <monocell/stdio_ring.h>

#include "boot_info.h"
#include "freestanding.h"
#include "hostcall.h"
#include "protocol/ring/region.h"
#include "protocol/ring/ring.h"
#include "syscalls.h"

namespace monocell::libos {
namespace {

bool is_console(uint64_t fd) { return fd == 1 || fd == 2; }
bool is_std_fd(uint64_t fd) { return fd <= 2; }

// The host drains the stdio ring continuously; a writer that finds it full sleeps this long at
// most before it looks again.
constexpr uint64_t kSpaceWaitNs = 100'000'000;

class DoorbellNotifier final : public ring::Notifier {
 public:
  void notify() override { monocell_ring_doorbell(); }
};

// The stdio ring's one producer, once attached. One vCPU, one thread: no lock.
DoorbellNotifier stdio_doorbell;
ring::RingProducer stdio_producer;
bool stdio_attached = false;

// Stages `length` bytes as frames of `type`, publishing each, and waits for space when the
// ring is full. Returns the bytes written (fewer only if the ring broke).
uint64_t ring_write_bytes(uint32_t type, const uint8_t* data, uint64_t length) {
  uint64_t done = 0;
  while (done < length) {
    const uint64_t rest = length - done;
    const uint32_t chunk = rest < stdio_producer.max_frame() ? static_cast<uint32_t>(rest) : stdio_producer.max_frame();
    const ring::Status s = stdio_producer.write(type, data + done, chunk);
    if (s.ok()) {
      done += chunk;
      stdio_producer.publish();
      continue;
    }
    if (s.code != ring::Errc::kNoSpace) break;
    if (stdio_producer.prepare_wait_for_space(chunk)) {
      monocell_wait_for_host(kSpaceWaitNs);
      stdio_producer.finish_wait();
    }
  }
  return done;
}

SysResult ring_write(uint64_t fd, const hostcall::IoVec* iov, uint32_t count) {
  const uint32_t type = static_cast<uint32_t>(fd == 1 ? ring::FrameType::kStdout : ring::FrameType::kStderr);
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t n = ring_write_bytes(type, reinterpret_cast<const uint8_t*>(iov[i].base), iov[i].len);
    total += n;
    if (n < iov[i].len) break;
  }
  stdio_producer.publish();
  return total == 0 && count != 0 ? -EIO : static_cast<SysResult>(total);
}

SysResult console_write(uint64_t fd, const hostcall::IoVec* iov, uint32_t count) {
  if (stdio_attached) return ring_write(fd, iov, count);
  hostcall::Request request{};
  request.op = static_cast<uint32_t>(hostcall::Op::kConsoleWrite);
  request.count = count;
  request.arg[0] = fd;
  request.arg[1] = reinterpret_cast<uint64_t>(iov);
  return host_call(request);
}

void fill_char_device_stat(struct stat* st, uint64_t fd) {
  zero_bytes(st, sizeof *st);
  st->st_dev = 5;
  st->st_ino = fd + 1;
  st->st_mode = 0020000 | 0620;  // S_IFCHR, rw--w----
  st->st_nlink = 1;
  st->st_rdev = (136u << 8) | 0;  // a pty, as a terminal would be
  st->st_blksize = 4096;  // stdio buffers this much between host calls
}

}  // namespace

SysResult sys_write(uint64_t fd, uint64_t buffer, uint64_t count) {
  if (!is_console(fd)) return -EBADF;
  if (count == 0) return 0;
  if (!user_range_ok(buffer, count)) return -EFAULT;
  hostcall::IoVec iov{buffer, count};
  return console_write(fd, &iov, 1);
}

SysResult sys_writev(uint64_t fd, uint64_t iov_address, uint64_t iovcnt) {
  if (!is_console(fd)) return -EBADF;
  if (iovcnt > 1024) return -EINVAL;
  if (iovcnt == 0) return 0;
  if (!user_range_ok(iov_address, iovcnt * sizeof(hostcall::IoVec))) return -EFAULT;
  // struct iovec and hostcall::IoVec share a layout; copy so the app cannot change what the
  // host is told after the checks.
  hostcall::IoVec iov[hostcall::kMaxIoVecs];
  const uint32_t count = iovcnt < hostcall::kMaxIoVecs ? static_cast<uint32_t>(iovcnt)
                                                       : hostcall::kMaxIoVecs;
  copy_bytes(iov, reinterpret_cast<const void*>(iov_address), count * sizeof(hostcall::IoVec));
  uint32_t used = 0;
  for (; used < count; ++used) {
    if (!user_range_ok(iov[used].base, iov[used].len)) {
      if (used == 0) return -EFAULT;
      break;  // write what was valid, like a short write
    }
  }
  return console_write(fd, iov, used);
}

SysResult sys_read(uint64_t fd, uint64_t buffer, uint64_t count) {
  (void)buffer;
  (void)count;
  if (fd == 0) return 0;  // stdin is empty until the stdio ring arrives
  return -EBADF;
}

SysResult sys_fstat(uint64_t fd, uint64_t stat_buffer) {
  if (!is_std_fd(fd)) return -EBADF;
  auto* st = reinterpret_cast<struct stat*>(stat_buffer);
  if (!user_object_ok(st)) return -EFAULT;
  fill_char_device_stat(st, fd);
  return 0;
}

SysResult sys_newfstatat(uint64_t dirfd, uint64_t path, uint64_t stat_buffer, uint64_t flags) {
  const char* p = reinterpret_cast<const char*>(path);
  if (!user_range_ok(path, 1)) return -EFAULT;
  if ((flags & AT_EMPTY_PATH) && p[0] == '\0') return sys_fstat(dirfd, stat_buffer);
  return -ENOENT;
}

SysResult sys_readlink(uint64_t path, uint64_t buffer, uint64_t size) {
  if (!user_range_ok(path, 1)) return -EFAULT;
  const char* p = reinterpret_cast<const char*>(path);
  if (!string_equal(p, "/proc/self/exe", 15)) return -ENOENT;
  const char* exe = boot_info().exe_path;
  const uint64_t length = string_length(exe, boot::kExePathMax - 1);
  const uint64_t n = length < size ? length : size;
  if (!user_range_ok(buffer, n)) return -EFAULT;
  copy_bytes(reinterpret_cast<void*>(buffer), exe, n);
  return static_cast<SysResult>(n);  // readlink does not NUL-terminate
}

SysResult sys_ioctl(uint64_t fd, uint64_t request, uint64_t argument) {
  (void)argument;
  if (!is_std_fd(fd)) return -EBADF;
  (void)request;  // TCGETS and all others: not a terminal, so stdio buffers fully
  return -ENOTTY;
}

SysResult sys_openat(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mode) {
  (void)dirfd;
  (void)flags;
  (void)mode;
  if (!user_range_ok(path, 1)) return -EFAULT;
  return -ENOENT;  // no files in the image yet
}

SysResult sys_close(uint64_t fd) { return is_std_fd(fd) ? 0 : -EBADF; }

SysResult sys_lseek(uint64_t fd, uint64_t offset, uint64_t whence) {
  (void)offset;
  (void)whence;
  return is_std_fd(fd) ? -ESPIPE : -EBADF;
}

// The image's file system is its root directory alone: "/" is the one place to go.
SysResult sys_chdir(uint64_t path) {
  if (!user_range_ok(path, 2)) return -EFAULT;
  const char* p = reinterpret_cast<const char*>(path);
  return string_equal(p, "/", 2) ? 0 : -ENOENT;
}

}  // namespace monocell::libos

extern "C" int monocell_stdio_attach_ring(void* region, uint64_t region_size) {
  if (monocell::libos::stdio_attached) return -EBUSY;
  if (!monocell::libos::user_range_ok(reinterpret_cast<uint64_t>(region), region_size)) return -EINVAL;
  const auto layout = monocell::ring::validate_region(region, region_size);
  if (!layout.ok()) return -EINVAL;
  const monocell::ring::RingLayout* stdio = layout->find(monocell::ring::RingId::kStdioToHost);
  if (stdio == nullptr) return -EINVAL;
  auto producer = monocell::ring::RingProducer::attach(region, *stdio, &monocell::libos::stdio_doorbell);
  if (!producer.ok()) return -EINVAL;
  monocell::libos::stdio_producer = producer.value();
  monocell::libos::stdio_attached = true;
  return 0;
}

extern "C" int monocell_stdio_ring_attached(void) { return monocell::libos::stdio_attached ? 1 : 0; }
