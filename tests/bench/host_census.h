// What the host holds, read from /proc: the processes a benchmark started (found by a tag in
// their environment, and by descent from a tagged process), with their memory, threads and
// fds; and the system-wide counters a leak would also move (kernel memory, KVM vCPUs, files,
// bound unix sockets).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace monocell::bench {

struct ProcessUsage {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';  // from /proc/PID/stat: R, S, Z...
  std::string comm;
  // From smaps_rollup, in KiB (detailed census only). PSS shares each page among the processes
  // mapping it, so summing PSS over processes counts every page once.
  long pss_kib = 0;
  long pss_anon_kib = 0;
  long pss_file_kib = 0;
  long pss_shmem_kib = 0;
  long anonymous_kib = 0;  // private anonymous memory, whole (a KVM guest's touched RAM is here)
  int threads = 0;         // entries of /proc/PID/task (a KVM VM's kernel worker is one)
  int fds = 0;
  int kvm_vm_fds = 0;      // fds on anon_inode:kvm-vm
  int socket_fds = 0;
};

// The processes whose environment holds `tag` ("NAME=VALUE"), and their descendants (a guest
// process started with an environment of its own, a zombie), this process excluded.
// `detailed`: also their memory, threads and fds (slower).
std::vector<ProcessUsage> tagged_processes(const std::string& tag, bool detailed);

// The resident KiB of the process's largest private anonymous mapping (/proc/PID/smaps): on
// KVM, the guest's RAM as far as it was touched.
long largest_anonymous_mapping_rss_kib(pid_t pid);

// /proc/meminfo, in KiB.
struct HostMemory {
  long mem_total = 0;
  long mem_available = 0;
  long slab_unreclaimable = 0;
  long kernel_stack = 0;
  long page_tables = 0;
  long sec_page_tables = 0;  // the hypervisor's page tables for its guests (EPT/NPT)
  long kernel_kib() const { return slab_unreclaimable + kernel_stack + page_tables + sec_page_tables; }
};
HostMemory read_host_memory();

// Active objects of the kvm_vcpu slab cache (every VM's vCPUs on this host); -1 if unreadable.
long kvm_vcpu_objects();
// Open file handles on the host (the first field of /proc/sys/fs/file-nr).
long allocated_file_handles();
// Unix sockets bound to a path under `dir` (/proc/net/unix).
int bound_unix_sockets_under(const std::string& dir);
// Files, directories and sockets under `dir`, recursively.
long entries_under(const std::string& dir);
// Every process with a KVM VM fd on this host (anyone's): the system-wide count.
int kvm_vm_fds_on_host();

}  // namespace monocell::bench
