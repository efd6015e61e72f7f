#include "tests/support/process_alive.h"

#include <dirent.h>

#include <fstream>
#include <string>

namespace monocell::testing {
namespace {

bool thread_running(const std::string& stat_path) {
  std::ifstream in(stat_path);
  std::string line;
  if (!std::getline(in, line)) return false;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z' && line[paren + 2] != 'X';
}

}  // namespace

bool process_alive(pid_t pid) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return false;
  bool alive = false;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    if (thread_running(tasks + "/" + entry->d_name + "/stat")) {
      alive = true;
      break;
    }
  }
  closedir(dir);
  return alive;
}

}  // namespace monocell::testing
