// What the host holds, read from /proc.
#include "tests/bench/host_census.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace monocell::bench {
namespace fs = std::filesystem;

namespace {

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (const dirent* entry = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0') pids.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return pids;
}

// comm, state and ppid from /proc/PID/stat; false once the process is gone.
bool read_stat(pid_t pid, ProcessUsage* p) {
  const std::string stat = read_whole("/proc/" + std::to_string(pid) + "/stat");
  const size_t open = stat.find('(');
  const size_t close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 4 >= stat.size()) return false;
  p->pid = pid;
  p->comm = stat.substr(open + 1, close - open - 1);
  p->state = stat[close + 2];
  p->ppid = static_cast<pid_t>(std::strtol(stat.c_str() + close + 4, nullptr, 10));
  return true;
}

bool environment_holds(pid_t pid, const std::string& tag) {
  const std::string environment = read_whole("/proc/" + std::to_string(pid) + "/environ");
  size_t at = 0;
  while (at < environment.size()) {
    const size_t end = environment.find('\0', at);
    const size_t length = (end == std::string::npos ? environment.size() : end) - at;
    if (environment.compare(at, length, tag) == 0) return true;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return false;
}

long field_kib(const std::string& text, const char* name) {
  const size_t at = text.find(std::string("\n") + name);
  if (at == std::string::npos) return 0;
  return std::strtol(text.c_str() + at + 1 + std::strlen(name), nullptr, 10);
}

void read_details(ProcessUsage* p) {
  const std::string base = "/proc/" + std::to_string(p->pid);
  const std::string rollup = "\n" + read_whole(base + "/smaps_rollup");
  p->pss_kib = field_kib(rollup, "Pss:");
  p->pss_anon_kib = field_kib(rollup, "Pss_Anon:");
  p->pss_file_kib = field_kib(rollup, "Pss_File:");
  p->pss_shmem_kib = field_kib(rollup, "Pss_Shmem:");
  p->anonymous_kib = field_kib(rollup, "Anonymous:");
  std::error_code ec;
  for (const auto& task : fs::directory_iterator(base + "/task", ec)) {
    (void)task;
    ++p->threads;
  }
  for (const auto& fd : fs::directory_iterator(base + "/fd", ec)) {
    ++p->fds;
    char target[256];
    const ssize_t n = readlink(fd.path().c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    if (std::strcmp(target, "anon_inode:kvm-vm") == 0) ++p->kvm_vm_fds;
    if (std::strncmp(target, "socket:", 7) == 0) ++p->socket_fds;
  }
}

}  // namespace

std::vector<ProcessUsage> tagged_processes(const std::string& tag, bool detailed) {
  const pid_t self = getpid();
  std::unordered_map<pid_t, ProcessUsage> everyone;
  std::unordered_set<pid_t> ours;
  for (const pid_t pid : all_pids()) {
    ProcessUsage p;
    if (pid == self || !read_stat(pid, &p)) continue;
    if (environment_holds(pid, tag)) ours.insert(pid);
    everyone.emplace(pid, std::move(p));
  }
  // Descendants, until no process is added (a child may be listed before its parent).
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, p] : everyone) {
      if (!ours.count(pid) && ours.count(p.ppid)) {
        ours.insert(pid);
        grew = true;
      }
    }
  }
  std::vector<ProcessUsage> found;
  for (const pid_t pid : ours) {
    ProcessUsage p = everyone.at(pid);
    if (detailed) read_details(&p);
    found.push_back(std::move(p));
  }
  return found;
}

long largest_anonymous_mapping_rss_kib(pid_t pid) {
  std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
  std::string line;
  unsigned long largest_size = 0;
  unsigned long size = 0;
  bool anonymous = false;
  long rss = 0;
  while (std::getline(smaps, line)) {
    unsigned long start = 0;
    unsigned long end = 0;
    char perms[8] = {};
    unsigned long offset = 0;
    char device[16] = {};
    unsigned long inode = 0;
    int consumed = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %lx %15s %lu %n", &start, &end, perms, &offset, device, &inode,
                    &consumed) == 6) {
      size = end - start;
      // Readable, writable, private, no file and no [heap]/[stack] name.
      anonymous = inode == 0 && perms[0] == 'r' && perms[1] == 'w' && perms[3] == 'p' && line.find('[') == std::string::npos &&
                  line.find('/') == std::string::npos;
      continue;
    }
    if (anonymous && size > largest_size && line.rfind("Rss:", 0) == 0) {
      largest_size = size;
      rss = std::strtol(line.c_str() + 4, nullptr, 10);
    }
  }
  return rss;
}

HostMemory read_host_memory() {
  const std::string meminfo = "\n" + read_whole("/proc/meminfo");
  HostMemory m;
  m.mem_total = field_kib(meminfo, "MemTotal:");
  m.mem_available = field_kib(meminfo, "MemAvailable:");
  m.slab_unreclaimable = field_kib(meminfo, "SUnreclaim:");
  m.kernel_stack = field_kib(meminfo, "KernelStack:");
  m.page_tables = field_kib(meminfo, "PageTables:");
  m.sec_page_tables = field_kib(meminfo, "SecPageTables:");
  return m;
}

long kvm_vcpu_objects() {
  std::ifstream slabinfo("/proc/slabinfo");
  std::string name;
  long active = 0;
  std::string line;
  while (std::getline(slabinfo, line)) {
    std::istringstream fields(line);
    if (fields >> name >> active && name == "kvm_vcpu") return active;
  }
  return -1;
}

long allocated_file_handles() {
  std::ifstream file_nr("/proc/sys/fs/file-nr");
  long allocated = -1;
  file_nr >> allocated;
  return allocated;
}

int bound_unix_sockets_under(const std::string& dir) {
  std::ifstream unix_sockets("/proc/net/unix");
  std::string line;
  int count = 0;
  const std::string prefix = " " + dir + "/";
  while (std::getline(unix_sockets, line)) {
    if (line.find(prefix) != std::string::npos) ++count;
  }
  return count;
}

long entries_under(const std::string& dir) {
  long count = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) ++count;
  return count;
}

int kvm_vm_fds_on_host() {
  int count = 0;
  for (const pid_t pid : all_pids()) {
    std::error_code ec;
    for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
      char target[64];
      const ssize_t n = readlink(fd.path().c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      target[n] = '\0';
      if (std::strcmp(target, "anon_inode:kvm-vm") == 0) ++count;
    }
  }
  return count;
}

}  // namespace monocell::bench
