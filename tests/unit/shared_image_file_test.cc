// The read-only image copies that guests of one image share: not made for a guest that runs
// alone, made once for the others, shared by every holder, removed by the last, and never
// confused with another file or a changed source.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "hypervisors/common/shared_image_file.h"

using monocell::SharedImageFile;
namespace fs = std::filesystem;

namespace {

class Scratch {
 public:
  Scratch() {
    char path[] = "/tmp/monocell-shared-image-XXXXXX";
    REQUIRE(mkdtemp(path) != nullptr);
    root_ = path;
  }
  ~Scratch() { fs::remove_all(root_); }
  std::string copies() const { return root_ + "/copies"; }
  std::string file(const std::string& name, const std::string& content) const {
    const std::string path = root_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

 private:
  std::string root_;
};

struct OpenFile {
  explicit OpenFile(const std::string& path) : fd(open(path.c_str(), O_RDONLY | O_CLOEXEC)) { REQUIRE(fd >= 0); }
  ~OpenFile() { close(fd); }
  int fd;
};

std::string content_of(int fd) {
  struct stat st {};
  REQUIRE(fstat(fd, &st) == 0);
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  REQUIRE(pread(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
  return bytes;
}

ino_t inode_of(int fd) {
  struct stat st {};
  REQUIRE(fstat(fd, &st) == 0);
  return st.st_ino;
}

size_t entries(const std::string& directory) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(directory), fs::directory_iterator()));
}

std::optional<SharedImageFile> join(const Scratch& scratch, const OpenFile& source, const std::string& key = "") {
  const std::string name = key.empty() ? SharedImageFile::key_for(source.fd, "") : key;
  return SharedImageFile::join(scratch.copies(), name, source.fd, content_of(source.fd).size());
}

// A guest of `source` that maps the copy: the one that joins after `first`, already running.
std::optional<SharedImageFile> share(const Scratch& scratch, const OpenFile& source, const std::string& key = "") {
  std::optional<SharedImageFile> shared = join(scratch, source, key);
  if (shared) REQUIRE(shared->fd() >= 0);
  return shared;
}

}  // namespace

TEST_CASE("a guest alone makes no copy; the guests that join it share one, which the last one removes") {
  Scratch scratch;
  const std::string image = std::string(70000, 'x') + "end";
  const OpenFile source(scratch.file("app", image));
  std::optional<SharedImageFile> alone = join(scratch, source);
  REQUIRE(alone);
  CHECK(alone->fd() < 0);  // it loads privately
  CHECK(entries(scratch.copies()) == 1);  // its users file, and no copy

  std::optional<SharedImageFile> first = share(scratch, source);
  std::optional<SharedImageFile> second = share(scratch, source);
  REQUIRE((first && second));
  CHECK(inode_of(first->fd()) == inode_of(second->fd()));
  CHECK(inode_of(first->fd()) != inode_of(source.fd));
  CHECK(content_of(second->fd()) == image);
  struct stat st {};
  REQUIRE(fstat(first->fd(), &st) == 0);
  CHECK((st.st_mode & 0222) == 0);  // nobody writes it, not even its maker
  CHECK(entries(scratch.copies()) == 2);

  first.reset();
  CHECK(entries(scratch.copies()) == 2);  // the second guest still holds the copy
  second.reset();
  CHECK(entries(scratch.copies()) == 1);  // the copy went with its last holder
  alone.reset();
  CHECK_FALSE(fs::exists(scratch.copies()));

  // Guests one after another are each alone again.
  std::optional<SharedImageFile> next = join(scratch, source);
  REQUIRE(next);
  CHECK(next->fd() < 0);
}

TEST_CASE("a changed image file gets a copy of its own; a stored image is named by its content") {
  Scratch scratch;
  const std::string path = scratch.file("app", "version one");
  const OpenFile before(path);
  const std::string old_key = SharedImageFile::key_for(before.fd, "");
  const std::optional<SharedImageFile> old_alone = join(scratch, before);
  std::optional<SharedImageFile> old_copy = share(scratch, before);
  REQUIRE(old_copy);

  usleep(10'000);  // a later change time
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "version two";
  const OpenFile after(path);
  const std::string new_key = SharedImageFile::key_for(after.fd, "");
  CHECK(new_key != old_key);
  const std::optional<SharedImageFile> new_alone = join(scratch, after);
  REQUIRE(new_alone);
  CHECK(new_alone->fd() < 0);  // a guest of the changed file is not among the old file's guests
  std::optional<SharedImageFile> new_copy = share(scratch, after);
  REQUIRE(new_copy);
  CHECK(content_of(new_copy->fd()) == "version two");
  CHECK(content_of(old_copy->fd()) == "version one");  // a running guest keeps what it booted

  const std::string digest(64, 'a');
  CHECK(SharedImageFile::key_for(before.fd, digest) == "sha256-" + digest);
  CHECK(SharedImageFile::key_for(after.fd, digest) == "sha256-" + digest);
}

TEST_CASE("a copy left by a killed monitor is removed; one a guest holds is kept") {
  Scratch scratch;
  const OpenFile source(scratch.file("app", "held image"));
  std::optional<SharedImageFile> alone = join(scratch, source);
  std::optional<SharedImageFile> held = share(scratch, source);
  REQUIRE((alone && held));
  // What SIGKILLed monitors leave: a named copy and a users file that no one holds.
  const std::string left = scratch.copies() + "/file-left-by-a-killed-monitor";
  std::ofstream(left) << "stale";
  std::ofstream(left + ".users");

  SharedImageFile::remove_unheld(scratch.copies());
  CHECK_FALSE(fs::exists(left));
  CHECK_FALSE(fs::exists(left + ".users"));
  CHECK(entries(scratch.copies()) == 2);
  held.reset();
  alone.reset();
  CHECK_FALSE(fs::exists(scratch.copies()));
}

TEST_CASE("a shared copy is refused, not trusted, when its name does not fit") {
  Scratch scratch;
  const OpenFile source(scratch.file("app", "twelve bytes"));
  // Another guest of each key below is running, so a copy is looked for.
  const std::optional<SharedImageFile> running = join(scratch, source);
  const std::optional<SharedImageFile> wrong_size = join(scratch, source, "file-wrong-size");
  const std::optional<SharedImageFile> writable = join(scratch, source, "file-writable");
  REQUIRE((running && wrong_size && writable));
  SECTION("a key that is not a plain file name") {
    CHECK_FALSE(share(scratch, source, "../escape"));
    CHECK_FALSE(share(scratch, source, "a/b"));
    CHECK_FALSE(share(scratch, source, ".hidden"));
    CHECK_FALSE(fs::exists(scratch.copies() + "/../escape"));
  }
  SECTION("a file under the key whose size is not the image's") {
    std::ofstream(scratch.copies() + "/file-wrong-size") << "short";
    chmod((scratch.copies() + "/file-wrong-size").c_str(), 0400);
    CHECK_FALSE(share(scratch, source, "file-wrong-size"));
  }
  SECTION("a file under the key that someone can still write") {
    std::ofstream(scratch.copies() + "/file-writable") << "twelve bytes";
    chmod((scratch.copies() + "/file-writable").c_str(), 0644);
    CHECK_FALSE(share(scratch, source, "file-writable"));
  }
  SECTION("a users file that someone can write") {
    std::ofstream(scratch.copies() + "/file-open-users.users");
    chmod((scratch.copies() + "/file-open-users.users").c_str(), 0644);
    CHECK_FALSE(join(scratch, source, "file-open-users"));
  }
  SECTION("a directory that other users can write") {
    chmod(scratch.copies().c_str(), 0777);
    CHECK_FALSE(share(scratch, source));
    CHECK_FALSE(fs::exists(scratch.copies() + "/" + SharedImageFile::key_for(source.fd, "")));  // no copy made in it
  }
  SECTION("no directory to keep copies in") {
    CHECK_FALSE(SharedImageFile::join("", "file-x", source.fd, 12));
  }
}
