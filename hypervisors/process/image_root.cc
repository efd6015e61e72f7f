// Extracting an image's file tree into the process target's root directory (image_root.h).
#include "hypervisors/process/image_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "images/format/file_tree_abi.h"
#include "images/format/file_tree_reader.h"

namespace monocell::process_confinement {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& step, int error = errno) {
  throw std::runtime_error("preparing the image's files for the process target: " + step + ": " +
                           std::strerror(error));
}

// Writes the tree's files under `root` as they stream out of the tree file.
void extract_tree(const std::string& file_tree_path, const std::string& root, std::set<std::string>* top_names) {
  const int in = ::open(file_tree_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) fail("opening " + file_tree_path);
  int out = -1;
  const image::FileTreeEntry* writing = nullptr;
  auto on_table = [&](const std::vector<image::FileTreeEntry>& entries) {
    for (const image::FileTreeEntry& e : entries) {
      const std::string path = root + "/" + e.path;
      top_names->insert(e.path.substr(0, e.path.find('/')));
      if (e.is_directory()) {
        if (::mkdir(path.c_str(), 0700) != 0) fail("mkdir " + path);
      } else {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) fail("creating " + path);
        ::close(fd);
      }
    }
  };
  auto on_data = [&](const image::FileTreeEntry& e, std::span<const uint8_t> bytes) {
    if (writing != &e) {
      if (out >= 0) ::close(out);
      const std::string path = root + "/" + e.path;
      out = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (out < 0) fail("opening " + path);
      writing = &e;
    }
    for (size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(out, bytes.data() + done, bytes.size() - done);
      if (n < 0) fail("writing " + root + "/" + e.path);
      done += static_cast<size_t>(n);
    }
  };
  image::FileTreeReader reader(file_tree_path, on_table, on_data);
  std::vector<uint8_t> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0) fail("reading " + file_tree_path);
    if (n == 0) break;
    reader.write(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)));
  }
  ::close(in);
  if (out >= 0) ::close(out);
  reader.finish();
  // Modes last: a directory the image keeps read-only was still written into above.
  for (auto it = reader.entries().rbegin(); it != reader.entries().rend(); ++it) {
    const std::string path = root + "/" + it->path;
    if (::chmod(path.c_str(), it->mode & image::file_tree::kPermissionMask) != 0) fail("chmod " + path);
  }
}

}  // namespace

std::unique_ptr<ImageRoot> ImageRoot::extract(const std::string& file_tree_path, const std::string& parent) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    base = tmpdir != nullptr && tmpdir[0] == '/' ? tmpdir : "/tmp";
  }
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) fail("creating " + base, ec.value());
  std::string dir_template = base + "/monocell-root.XXXXXX";
  if (::mkdtemp(dir_template.data()) == nullptr) fail("mkdtemp in " + base);
  std::unique_ptr<ImageRoot> root(new ImageRoot());
  RootPlan& plan = root->plan_;
  plan.dir = dir_template;
  ::chmod(plan.dir.c_str(), 0755);

  std::set<std::string> image_top;
  extract_tree(file_tree_path, plan.dir, &image_top);

  // The guest's own directories, then every host top-level directory the image does not
  // replace (a symlink such as /lib64 -> usr/lib64 is copied as it is).
  for (const char* own : {"dev", "proc", "tmp"}) {
    const std::string target = plan.dir + "/" + own;
    if (::mkdir(target.c_str(), 0755) != 0) fail("mkdir " + target);
    if (std::strcmp(own, "tmp") != 0) plan.binds.push_back({std::string("/") + own, target});
  }
  plan.tmp = plan.dir + "/tmp";
  DIR* host_root = ::opendir("/");
  if (host_root == nullptr) fail("reading /");
  while (const dirent* d = ::readdir(host_root)) {
    const std::string name = d->d_name;
    if (name == "." || name == ".." || name == "dev" || name == "proc" || name == "tmp" || image_top.count(name) != 0) {
      continue;
    }
    const std::string source = "/" + name;
    const std::string target = plan.dir + "/" + name;
    struct stat st {};
    if (::lstat(source.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      std::error_code link_error;
      const fs::path to = fs::read_symlink(source, link_error);
      if (!link_error) fs::create_symlink(to, target, link_error);
    } else if (S_ISDIR(st.st_mode)) {
      if (::mkdir(target.c_str(), 0755) != 0) {
        ::closedir(host_root);
        fail("mkdir " + target);
      }
      plan.binds.push_back({source, target});
    }
  }
  ::closedir(host_root);
  return root;
}

ImageRoot::~ImageRoot() {
  std::error_code ec;
  // Give the owner back write access to read-only directories of the image before removing.
  for (auto it = fs::recursive_directory_iterator(plan_.dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
  }
  fs::permissions(plan_.dir, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(plan_.dir, ec);
}

}  // namespace monocell::process_confinement
