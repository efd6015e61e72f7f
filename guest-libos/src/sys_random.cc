// getrandom: the libOS's CSPRNG (random_pool.h). Never blocks: the pool is keyed from the
// host's seed at first use, so GRND_NONBLOCK and GRND_RANDOM change nothing.
#include <linux/errno.h>
#include <linux/random.h>

#include "boot_info.h"
#include "random_pool.h"
#include "syscalls.h"

namespace monocell::libos {

SysResult sys_getrandom(uint64_t buffer, uint64_t length, uint64_t flags) {
  if ((flags & ~uint64_t{GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE}) != 0) return -EINVAL;
  if (length > (1u << 25)) length = 1u << 25;  // Linux, too, returns at most 32 MiB per call
  if (!user_range_ok(buffer, length)) return -EFAULT;
  random_fill(reinterpret_cast<uint8_t*>(buffer), length);
  return static_cast<SysResult>(length);
}

}  // namespace monocell::libos
