// brk, mmap/munmap (anonymous, and files as copies: sys_file.cc), mprotect and madvise on top of
// the page pool.
#include <asm/mman.h>
#include <linux/errno.h>

#include "boot_info.h"
#include "page_pool.h"
#include "syscalls.h"

namespace monocell::libos {

SysResult sys_brk(uint64_t address) {
  PagePool& pool = page_pool();
  if (address == 0) return static_cast<SysResult>(pool.brk());
  return static_cast<SysResult>(pool.set_brk(address));
}

SysResult sys_mmap(uint64_t address, uint64_t length, uint64_t prot, uint64_t flags, uint64_t fd,
                   uint64_t offset) {
  (void)address;  // a hint only; MAP_FIXED is refused below
  // `prot` matters only for a file's pages: every page of the one process is readable,
  // writable and executable.
  if (length == 0) return -EINVAL;
  if (flags & MAP_FIXED) return -EINVAL;
  const bool file = (flags & MAP_ANONYMOUS) == 0;
  if (file) {
    const SysResult checked = file_map_check(fd, offset, flags, prot);
    if (checked < 0) return checked;
  }
  const uint64_t mapped = page_pool().map(length);
  if (mapped == 0) return -ENOMEM;
  if (file) file_map_fill(fd, offset, mapped, length);
  return static_cast<SysResult>(mapped);
}

SysResult sys_munmap(uint64_t address, uint64_t length) {
  if (address % 4096 != 0 || length == 0) return -EINVAL;
  if (!page_pool().unmap(address, length)) return -EINVAL;
  return 0;
}

SysResult sys_mprotect(uint64_t address, uint64_t length, uint64_t prot) {
  (void)prot;  // protections are not enforced inside the one process
  if (address % 4096 != 0) return -EINVAL;
  if (!user_range_ok(address, length)) return -ENOMEM;
  return 0;
}

SysResult sys_madvise(uint64_t address, uint64_t length, uint64_t advice) {
  (void)advice;  // advisory: ignoring it is always correct
  if (address % 4096 != 0) return -EINVAL;
  if (!user_range_ok(address, length)) return -ENOMEM;
  return 0;
}

}  // namespace monocell::libos
