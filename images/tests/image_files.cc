// Test guest: the image's file tree at / as a plain main() sees it on the libOS alone (no init,
// no runtime): prints /etc/motd, the size and a checksum of /srv/big, the names under /srv, and
// what a write into the tree answers.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

int main() {
  char motd[256] = {};
  const int fd = open("/etc/motd", O_RDONLY);
  const ssize_t n = fd >= 0 ? read(fd, motd, sizeof motd - 1) : -1;
  std::printf("motd: %s", n > 0 ? motd : "(missing)\n");
  if (fd >= 0) close(fd);

  const int big = open("/srv/big", O_RDONLY);
  uint64_t hash = 0xcbf29ce484222325ull;
  uint64_t size = 0;
  unsigned char buffer[4096];
  for (ssize_t got; big >= 0 && (got = read(big, buffer, sizeof buffer)) > 0; size += static_cast<uint64_t>(got)) {
    for (ssize_t i = 0; i < got; ++i) hash = (hash ^ buffer[i]) * 0x100000001b3ull;
  }
  if (big >= 0) close(big);
  std::printf("big: %llu bytes, fnv1a %016llx\n", static_cast<unsigned long long>(size),
              static_cast<unsigned long long>(hash));

  std::vector<std::string> names;
  if (DIR* dir = opendir("/srv")) {
    while (const dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    }
    closedir(dir);
  }
  std::sort(names.begin(), names.end());
  std::printf("/srv:");
  for (const std::string& name : names) std::printf(" %s", name.c_str());
  std::printf("\n");
  const int write_fd = open("/etc/motd", O_WRONLY);
  std::printf("open for writing: %s\n", write_fd < 0 ? std::strerror(errno) : "allowed");
  return 0;
}
