// Random bytes from the host's kernel (getrandom), for what the host hands a guest: the seed of
// its CSPRNG, its AT_RANDOM bytes.
#pragma once

#include <cstddef>

namespace monocell {

// Fills `buffer` with `length` bytes; throws std::system_error when the kernel cannot.
void fill_host_random(void* buffer, size_t length);

}  // namespace monocell
