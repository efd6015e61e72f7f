// The console behind the standard streams: stdout and stderr go to the host as frames on the
// stdio ring once the runtime attached it (stdio_ring.h), and to the host's console before that
// (one host call per write/writev); stdin is at end of file (sys_file.cc).
#include <linux/errno.h>
#include <monocell/libos.h>
#include <monocell/stdio_ring.h>

#include "boot_info.h"
#include "console.h"
#include "freestanding.h"
#include "hostcall.h"
#include "protocol/ring/region.h"
#include "protocol/ring/ring.h"
#include "syscalls.h"

namespace monocell::libos {
namespace {

bool is_console(uint64_t fd) { return fd == 1 || fd == 2; }

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

SysResult console_write_iov(uint64_t fd, const hostcall::IoVec* iov, uint32_t count) {
  if (stdio_attached) return ring_write(fd, iov, count);
  hostcall::Request request{};
  request.op = static_cast<uint32_t>(hostcall::Op::kConsoleWrite);
  request.count = count;
  request.arg[0] = fd;
  request.arg[1] = reinterpret_cast<uint64_t>(iov);
  return host_call(request);
}

}  // namespace

SysResult console_write(uint64_t stream, uint64_t buffer, uint64_t count) {
  if (!is_console(stream)) return -EBADF;
  if (count == 0) return 0;
  if (!user_range_ok(buffer, count)) return -EFAULT;
  hostcall::IoVec iov{buffer, count};
  return console_write_iov(stream, &iov, 1);
}

SysResult console_writev(uint64_t stream, uint64_t iov_address, uint64_t iovcnt) {
  if (!is_console(stream)) return -EBADF;
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
  return console_write_iov(stream, iov, used);
}

void console_stat(uint64_t stream, vfs::NodeStat* st) {
  zero_bytes(st, sizeof *st);
  st->dev = 5;
  st->ino = stream + 1;
  st->mode = 0020000 | 0620;  // S_IFCHR, rw--w----
  st->nlink = 1;
  st->rdev = (136u << 8) | 0;  // a pty, as a terminal would be
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
