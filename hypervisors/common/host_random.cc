// getrandom(2) until the buffer is full.
#include "hypervisors/common/host_random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace monocell {

void fill_host_random(void* buffer, size_t length) {
  auto* p = static_cast<uint8_t*>(buffer);
  while (length > 0) {
    const ssize_t n = ::getrandom(p, length, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    p += n;
    length -= static_cast<size_t>(n);
  }
}

}  // namespace monocell
