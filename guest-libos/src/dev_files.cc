// The character devices under /dev (dev_files.h).
#include "dev_files.h"

#include "freestanding.h"
#include "random_pool.h"

namespace monocell::libos::vfs {

int64_t device_read(Device device, void* out, uint64_t length) {
  switch (device) {
    case Device::kZero:
      zero_bytes(out, length);
      return static_cast<int64_t>(length);
    case Device::kRandom:
    case Device::kURandom:
      // Linux hands out at most 32 MiB per read of these, too.
      if (length > (1u << 25)) length = 1u << 25;
      random_fill(static_cast<uint8_t*>(out), length);
      return static_cast<int64_t>(length);
    case Device::kNull:
    case Device::kNone:
      break;
  }
  return 0;
}

int64_t device_write(Device device, uint64_t length) {
  (void)device;  // writing to random devices stirs Linux's pool; ours is keyed by the host
  return static_cast<int64_t>(length);
}

}  // namespace monocell::libos::vfs
