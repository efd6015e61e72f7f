// The console the standard streams start on (sys_io.cc): stream 1 is stdout, 2 stderr, both
// to the host; sys_file.cc reaches it through the descriptors that refer to it.
#pragma once

#include <stdint.h>

#include "syscalls.h"
#include "vfs.h"

namespace monocell::libos {

// write and writev to stream 1 or 2, the user's buffers checked here.
SysResult console_write(uint64_t stream, uint64_t buffer, uint64_t count);
SysResult console_writev(uint64_t stream, uint64_t iov, uint64_t iovcnt);
// What fstat says of the console: a terminal-like character device.
void console_stat(uint64_t stream, vfs::NodeStat* out);

}  // namespace monocell::libos
