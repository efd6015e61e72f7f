// The guest's file tree (guest-libos/src/vfs.*, tmpfs.*, fd_table.*, dev_files.*) on the host:
// names and Linux's errors, file bytes, /tmp's limit, descriptors. Pages come from the heap.
#include <catch2/catch.hpp>

#include <linux/errno.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "guest-libos/src/dev_files.h"
#include "guest-libos/src/fd_table.h"
#include "guest-libos/src/image_tree.h"
#include "guest-libos/src/random_pool.h"
#include "guest-libos/src/vfs.h"
#include "images/format/byte_stream.h"
#include "images/format/file_tree_abi.h"
#include "images/format/file_tree_writer.h"

namespace vfs = monocell::libos::vfs;
using monocell::libos::FileKind;
using monocell::libos::OpenFile;

// The CSPRNG is tested on its own (chacha20_test.cc); the devices only need bytes.
void monocell::libos::random_fill(uint8_t* out, uint64_t length) {
  for (uint64_t i = 0; i < length; ++i) out[i] = static_cast<uint8_t>(0xA5 ^ i);
}

namespace {

constexpr uint64_t kTmpPages = 256;  // 1 MiB of /tmp

void* heap_page() {
  void* page = std::aligned_alloc(vfs::kPageSize, vfs::kPageSize);
  if (page != nullptr) std::memset(page, 0, vfs::kPageSize);
  return page;
}

uint64_t fake_now() { return 1'700'000'000'000'000'000ull; }

// An image's file tree as the host's image builder writes it.
std::string tree_blob(const monocell::image::FileTreeWriter& writer) {
  monocell::image::StringSink sink;
  writer.write(sink);
  return sink.data;
}

// The image's files the tree starts with: /etc/app.conf, /srv/data/big (two pages and a bit).
const std::string& image_blob() {
  static const std::string blob = [] {
    monocell::image::FileTreeWriter writer;
    writer.add_file("etc/app.conf", "greeting = hi\n", 0640);
    writer.add_file("srv/data/big", std::string(2 * 4096 + 100, 'x'), 0444);
    writer.add_directory("srv/empty", 0700);
    return tree_blob(writer);
  }();
  return blob;
}

// The tree, built once per process; each test works in a directory of its own under /tmp.
void tree() {
  static bool built = false;
  if (built) return;
  const vfs::TreeConfig config{
      .pages = {heap_page},
      .now_ns = fake_now,
      .exe_path = "/hello",
      .tmp_page_limit = kTmpPages,
      .file_tree = image_blob().data(),
      .file_tree_size = image_blob().size(),
  };
  REQUIRE(vfs::tree_init(config) == 0);
  built = true;
}

struct Scratch {
  std::string dir;
  explicit Scratch(const std::string& name) : dir("/tmp/" + name) {
    tree();
    REQUIRE(vfs::mkdir(vfs::root(), dir.c_str(), 0755) == 0);
  }
  std::string at(const std::string& name) const { return dir + "/" + name; }
};

vfs::Node* open_node(const std::string& path, uint32_t flags, int64_t* rc = nullptr) {
  vfs::Node* node = nullptr;
  const int64_t r = vfs::open(vfs::root(), path.c_str(), flags, 0644, &node);
  if (rc != nullptr) *rc = r;
  return r == 0 ? node : nullptr;
}

int64_t open_error(const std::string& path, uint32_t flags) {
  int64_t rc = 0;
  vfs::Node* node = open_node(path, flags, &rc);
  if (node != nullptr) vfs::node_release(node);
  return rc;
}

// Creates `path` holding `content`.
void make_file(const std::string& path, const std::string& content) {
  vfs::Node* node = open_node(path, 0101 /* O_CREAT|O_WRONLY */);
  REQUIRE(node != nullptr);
  REQUIRE(vfs::file_write(node, 0, content.data(), content.size()) == static_cast<int64_t>(content.size()));
  vfs::node_release(node);
}

std::string read_all(const std::string& path) {
  vfs::Node* node = open_node(path, 0);
  REQUIRE(node != nullptr);
  std::string out(node->size, '\0');
  REQUIRE(vfs::file_read(node, 0, out.data(), out.size()) == static_cast<int64_t>(out.size()));
  vfs::node_release(node);
  return out;
}

std::vector<std::string> list(const std::string& path) {
  vfs::Node* dir = nullptr;
  REQUIRE(vfs::lookup(vfs::root(), path.c_str(), true, &dir) == 0);
  std::vector<std::string> names;
  for (vfs::Node* n = vfs::dir_next(dir, 0); n != nullptr; n = vfs::dir_next(dir, n->cookie)) names.push_back(n->name);
  vfs::node_release(dir);
  return names;
}

bool exists(const std::string& path) {
  vfs::Node* node = nullptr;
  if (vfs::lookup(vfs::root(), path.c_str(), false, &node) != 0) return false;
  vfs::node_release(node);
  return true;
}

}  // namespace

TEST_CASE("libos vfs: the tree at boot: /tmp, /dev and /proc/self/exe") {
  tree();
  const std::vector<std::string> top = list("/");
  CHECK(top == std::vector<std::string>{"tmp", "dev", "proc", "etc", "srv"});
  CHECK(list("/dev") == std::vector<std::string>{"null", "zero", "random", "urandom"});
  char target[64] = {};
  CHECK(vfs::readlink(vfs::root(), "/proc/self/exe", target, sizeof target) == 6);
  CHECK(std::string(target) == "/hello");
  CHECK(vfs::readlink(vfs::root(), "/proc/self/exe", target, 3) == 3);  // cut short, as Linux does
  CHECK(vfs::readlink(vfs::root(), "/tmp", target, sizeof target) == -EINVAL);
  vfs::NodeStat st;
  vfs::stat(vfs::tmp_root(), &st);
  CHECK(st.mode == (0040000 | 01777));
  vfs::Node* null_dev = nullptr;
  REQUIRE(vfs::lookup(vfs::root(), "/dev/null", true, &null_dev) == 0);
  vfs::stat(null_dev, &st);
  CHECK(st.mode == (0020000 | 0666));
  CHECK(st.rdev == 0x103);
  vfs::node_release(null_dev);
}

TEST_CASE("libos vfs: the image's files are at /, read-only, with their modes and bytes") {
  tree();
  CHECK(read_all("/etc/app.conf") == "greeting = hi\n");
  CHECK(read_all("/srv/data/big") == std::string(2 * 4096 + 100, 'x'));
  CHECK(list("/srv") == std::vector<std::string>{"data", "empty"});
  vfs::Node* node = nullptr;
  REQUIRE(vfs::lookup(vfs::root(), "/etc/app.conf", true, &node) == 0);
  vfs::NodeStat st;
  vfs::stat(node, &st);
  CHECK(st.mode == (0100000 | 0640));
  CHECK(st.size == 14);
  CHECK(st.blocks == 8);
  char middle[4] = {};
  CHECK(vfs::file_read(node, 12, middle, sizeof middle) == 2);  // stops at the end
  CHECK(std::string(middle, 2) == "i\n");
  vfs::node_release(node);
  REQUIRE(vfs::lookup(vfs::root(), "/srv/empty", true, &node) == 0);
  vfs::stat(node, &st);
  CHECK(st.mode == (0040000 | 0700));
  vfs::node_release(node);
  CHECK(open_error("/etc/app.conf", 01) == -EROFS);
  CHECK(open_error("/etc/app.conf", 01000) == -EROFS);  // O_TRUNC asks for a write even when read-only
  CHECK(open_error("/etc/new", 0101) == -EROFS);
  CHECK(vfs::unlink(vfs::root(), "/etc/app.conf") == -EROFS);
  CHECK(vfs::mkdir(vfs::root(), "/srv/more", 0755) == -EROFS);
  CHECK(vfs::rename(vfs::root(), "/etc/app.conf", vfs::root(), "/tmp/app.conf", 0) == -EXDEV);
}

TEST_CASE("libos vfs: a damaged or hostile image tree is refused, never read out of bounds") {
  tree();
  Scratch scratch("image-trees");
  vfs::Node* dir = nullptr;
  REQUIRE(vfs::lookup(vfs::root(), scratch.dir.c_str(), true, &dir) == 0);
  const std::string good = image_blob();
  namespace ft = monocell::image::file_tree;
  auto header_of = [](std::string blob) {
    ft::Header h;
    std::memcpy(&h, blob.data(), sizeof h);
    return h;
  };
  auto with_header = [&](ft::Header h) {
    std::string blob = good;
    std::memcpy(blob.data(), &h, sizeof h);
    return blob;
  };
  auto with_entry = [&](uint32_t index, auto edit) {
    std::string blob = good;
    ft::Entry e;
    std::memcpy(&e, blob.data() + sizeof(ft::Header) + index * sizeof e, sizeof e);
    edit(e);
    std::memcpy(blob.data() + sizeof(ft::Header) + index * sizeof e, &e, sizeof e);
    return blob;
  };
  std::vector<std::string> bad;
  bad.push_back(good.substr(0, 16));  // shorter than a header
  ft::Header h = header_of(good);
  h.magic[0] = 'X';
  bad.push_back(with_header(h));
  h = header_of(good);
  h.version = 2;
  bad.push_back(with_header(h));
  h = header_of(good);
  h.entry_count = 0xFFFFFFFF;
  bad.push_back(with_header(h));
  h = header_of(good);
  h.names_size = ~0ull;
  bad.push_back(with_header(h));
  h = header_of(good);
  h.data_size += 1;
  bad.push_back(with_header(h));
  bad.push_back(good.substr(0, good.size() - 1));  // the data cut short
  bad.push_back(with_entry(0, [](ft::Entry& e) { e.name_offset = 0xFFFFFFF0; }));
  bad.push_back(with_entry(0, [](ft::Entry& e) { e.mode = 0120777; }));  // a symlink type
  bad.push_back(with_entry(1, [](ft::Entry& e) { e.size = ~0ull; }));  // etc/app.conf past the data
  bad.push_back(with_entry(1, [](ft::Entry& e) { e.name_size = 3; }));  // "etc" again: a duplicate
  for (size_t i = 0; i < bad.size(); ++i) {
    INFO("damaged tree " << i);
    // Each in a directory of its own, so that one case's early entries do not decide the next.
    const std::string own = scratch.at(std::to_string(i));
    REQUIRE(vfs::mkdir(vfs::root(), own.c_str(), 0755) == 0);
    vfs::Node* own_dir = nullptr;
    REQUIRE(vfs::lookup(vfs::root(), own.c_str(), true, &own_dir) == 0);
    CHECK(vfs::add_image_tree(own_dir, bad[i].data(), bad[i].size()) == -EINVAL);
    vfs::node_release(own_dir);
  }
  // The guest's own directories cannot come from an image.
  std::string tmp_tree(sizeof(ft::Header) + sizeof(ft::Entry) + 3, '\0');
  ft::Header th{};
  std::memcpy(th.magic, ft::kMagic, sizeof th.magic);
  th.version = ft::kVersion;
  th.entry_count = 1;
  th.names_size = 3;
  std::memcpy(tmp_tree.data(), &th, sizeof th);
  ft::Entry te{};
  te.name_size = 3;
  te.mode = ft::kTypeDirectory | 0755;
  std::memcpy(tmp_tree.data() + sizeof th, &te, sizeof te);
  std::memcpy(tmp_tree.data() + sizeof th + sizeof te, "tmp", 3);
  CHECK(vfs::add_image_tree(vfs::root(), tmp_tree.data(), tmp_tree.size()) == -EINVAL);
  std::memcpy(tmp_tree.data() + sizeof th + sizeof te, "tmq", 3);
  CHECK(vfs::add_image_tree(dir, tmp_tree.data(), tmp_tree.size()) == 0);  // anywhere else: fine
  CHECK(exists(scratch.at("tmq")));
  vfs::node_release(dir);
}

TEST_CASE("libos vfs: the read-only root refuses writes with EROFS") {
  tree();
  CHECK(vfs::mkdir(vfs::root(), "/opt", 0755) == -EROFS);
  CHECK(vfs::mkdir(vfs::root(), "/dev", 0755) == -EEXIST);  // the name exists: that comes first
  CHECK(open_error("/newfile", 0101) == -EROFS);
  CHECK(vfs::unlink(vfs::root(), "/dev/null") == -EROFS);
  CHECK(vfs::unlink(vfs::root(), "/nothing") == -EROFS);  // as Linux: the mount is checked first
  CHECK(vfs::rmdir(vfs::root(), "/proc") == -EROFS);
  CHECK(vfs::rmdir(vfs::root(), "/tmp") == -EBUSY);
  CHECK(vfs::rmdir(vfs::root(), "/") == -EBUSY);
  CHECK(vfs::rename(vfs::root(), "/tmp", vfs::root(), "/tmp2", 0) == -EBUSY);
  CHECK(vfs::symlink("/tmp", vfs::root(), "/t") == -EROFS);
  // Devices stay writable on a read-only file system.
  CHECK(open_error("/dev/null", 02) == 0);
  CHECK(open_error("/proc/self/exe", 0) == -ENOENT);  // its target is not in the tree
}

TEST_CASE("libos vfs: create, write, read back, read past the end") {
  const Scratch s("rw");
  make_file(s.at("a.txt"), "hello, files");
  CHECK(read_all(s.at("a.txt")) == "hello, files");
  vfs::Node* node = open_node(s.at("a.txt"), 0);
  REQUIRE(node != nullptr);
  char buffer[32];
  CHECK(vfs::file_read(node, 7, buffer, sizeof buffer) == 5);
  CHECK(std::string(buffer, 5) == "files");
  CHECK(vfs::file_read(node, 12, buffer, sizeof buffer) == 0);
  CHECK(vfs::file_read(node, 1000, buffer, sizeof buffer) == 0);
  vfs::NodeStat st;
  vfs::stat(node, &st);
  CHECK(st.mode == (0100000 | 0644));
  CHECK(st.size == 12);
  CHECK(st.nlink == 1);
  CHECK(st.dev == 2);
  vfs::node_release(node);

  // O_TRUNC empties it; O_EXCL refuses it; O_DIRECTORY refuses a file.
  CHECK(open_error(s.at("a.txt"), 01001) == 0);
  CHECK(read_all(s.at("a.txt")).empty());
  CHECK(open_error(s.at("a.txt"), 0301) == -EEXIST);
  CHECK(open_error(s.at("a.txt"), 0200000) == -ENOTDIR);
  CHECK(open_error(s.at("missing"), 0) == -ENOENT);
  CHECK(open_error(s.at("missing/x"), 0101) == -ENOENT);
  CHECK(open_error(s.at("a.txt/x"), 0) == -ENOTDIR);
  CHECK(open_error(s.at("a.txt/"), 0) == -ENOTDIR);
  CHECK(open_error(s.at("new/"), 0101) == -EISDIR);
  CHECK(open_error(s.dir, 01) == -EISDIR);
  CHECK(open_error(s.dir, 0100) == -EISDIR);
  CHECK(open_error(s.dir, 0200000) == 0);
  CHECK(open_error(s.at(std::string(256, 'n')), 0101) == -ENAMETOOLONG);
  CHECK(open_error(s.at(std::string(255, 'n')), 0101) == 0);
  CHECK(open_error("", 0) == -ENOENT);
}

TEST_CASE("libos vfs: a file spans pages; truncate grows with zeros and shrinks") {
  const Scratch s("pages");
  std::string big(3 * vfs::kPageSize + 100, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
  make_file(s.at("big"), big);
  CHECK(read_all(s.at("big")) == big);

  vfs::Node* node = open_node(s.at("big"), 02);
  REQUIRE(node != nullptr);
  // Writing past the end leaves a hole that reads as zeros.
  CHECK(vfs::file_write(node, 10 * vfs::kPageSize, "end", 3) == 3);
  CHECK(node->size == 10 * vfs::kPageSize + 3);
  char hole[16];
  CHECK(vfs::file_read(node, 5 * vfs::kPageSize, hole, sizeof hole) == 16);
  CHECK(std::string(hole, 16) == std::string(16, '\0'));
  CHECK(node->pages == 5);  // four for the bytes, one for "end": the hole takes none

  // Shrink into the middle of a page, then grow: what was cut reads as zeros.
  CHECK(vfs::file_truncate(node, 10) == 0);
  CHECK(node->pages == 1);
  CHECK(vfs::file_truncate(node, 20) == 0);
  char head[20];
  CHECK(vfs::file_read(node, 0, head, sizeof head) == 20);
  CHECK(std::string(head, 10) == big.substr(0, 10));
  CHECK(std::string(head + 10, 10) == std::string(10, '\0'));
  CHECK(vfs::file_truncate(node, 0) == 0);
  CHECK(node->pages == 0);
  CHECK(vfs::file_truncate(node, 5 * vfs::kPageSize) == 0);
  CHECK(node->pages == 0);
  vfs::node_release(node);
}

TEST_CASE("libos vfs: mkdir, rmdir and unlink, with Linux's errors") {
  const Scratch s("dirs");
  CHECK(vfs::mkdir(vfs::root(), s.at("d").c_str(), 0755) == 0);
  CHECK(vfs::mkdir(vfs::root(), s.at("d").c_str(), 0755) == -EEXIST);
  CHECK(vfs::mkdir(vfs::root(), s.at("d/e/f").c_str(), 0755) == -ENOENT);
  CHECK(vfs::mkdir(vfs::root(), s.at("d/e/").c_str(), 0755) == 0);  // a trailing slash is fine
  make_file(s.at("d/file"), "x");
  CHECK(vfs::mkdir(vfs::root(), s.at("d/file/sub").c_str(), 0755) == -ENOTDIR);
  CHECK(vfs::rmdir(vfs::root(), s.at("d").c_str()) == -ENOTEMPTY);
  CHECK(vfs::rmdir(vfs::root(), s.at("d/file").c_str()) == -ENOTDIR);
  CHECK(vfs::rmdir(vfs::root(), s.at("d/.").c_str()) == -EINVAL);
  CHECK(vfs::rmdir(vfs::root(), s.at("d/..").c_str()) == -ENOTEMPTY);
  CHECK(vfs::rmdir(vfs::root(), s.at("nothing").c_str()) == -ENOENT);
  CHECK(vfs::unlink(vfs::root(), s.at("d/e").c_str()) == -EISDIR);
  CHECK(vfs::unlink(vfs::root(), s.at("d/nothing").c_str()) == -ENOENT);
  CHECK(vfs::unlink(vfs::root(), s.at("d/file").c_str()) == 0);
  CHECK(vfs::rmdir(vfs::root(), s.at("d/e").c_str()) == 0);
  CHECK(vfs::rmdir(vfs::root(), s.at("d").c_str()) == 0);
  CHECK(!exists(s.at("d")));
  vfs::NodeStat st;
  vfs::Node* dir = nullptr;
  REQUIRE(vfs::lookup(vfs::root(), s.dir.c_str(), true, &dir) == 0);
  vfs::stat(dir, &st);
  CHECK(st.nlink == 2);
  vfs::node_release(dir);
}

TEST_CASE("libos vfs: rename over files and directories") {
  const Scratch s("rename");
  make_file(s.at("a"), "A");
  make_file(s.at("b"), "B");
  CHECK(vfs::rename(vfs::root(), s.at("a").c_str(), vfs::root(), s.at("b").c_str(), 0) == 0);
  CHECK(read_all(s.at("b")) == "A");
  CHECK(!exists(s.at("a")));
  CHECK(vfs::rename(vfs::root(), s.at("a").c_str(), vfs::root(), s.at("c").c_str(), 0) == -ENOENT);
  CHECK(vfs::rename(vfs::root(), s.at("b").c_str(), vfs::root(), s.at("b").c_str(), 0) == 0);

  make_file(s.at("c"), "C");
  CHECK(vfs::rename(vfs::root(), s.at("c").c_str(), vfs::root(), s.at("b").c_str(), 1) == -EEXIST);  // NOREPLACE
  CHECK(vfs::rename(vfs::root(), s.at("c").c_str(), vfs::root(), s.at("b").c_str(), 2) == -EINVAL);  // EXCHANGE

  REQUIRE(vfs::mkdir(vfs::root(), s.at("d").c_str(), 0755) == 0);
  REQUIRE(vfs::mkdir(vfs::root(), s.at("full").c_str(), 0755) == 0);
  make_file(s.at("full/x"), "x");
  REQUIRE(vfs::mkdir(vfs::root(), s.at("empty").c_str(), 0755) == 0);
  CHECK(vfs::rename(vfs::root(), s.at("c").c_str(), vfs::root(), s.at("d").c_str(), 0) == -EISDIR);
  CHECK(vfs::rename(vfs::root(), s.at("d").c_str(), vfs::root(), s.at("c").c_str(), 0) == -ENOTDIR);
  CHECK(vfs::rename(vfs::root(), s.at("d").c_str(), vfs::root(), s.at("full").c_str(), 0) == -ENOTEMPTY);
  CHECK(vfs::rename(vfs::root(), s.at("d").c_str(), vfs::root(), s.at("d/inside").c_str(), 0) == -EINVAL);
  CHECK(vfs::rename(vfs::root(), s.at("d").c_str(), vfs::root(), s.at("empty").c_str(), 0) == 0);
  CHECK(!exists(s.at("d")));
  CHECK(vfs::rename(vfs::root(), s.at("full").c_str(), vfs::root(), s.at("empty/moved").c_str(), 0) == 0);
  CHECK(read_all(s.at("empty/moved/x")) == "x");
  CHECK(vfs::rename(vfs::root(), s.at("c").c_str(), vfs::root(), "/dev/c", 0) == -EXDEV);
  CHECK(vfs::rename(vfs::root(), s.at("c").c_str(), vfs::root(), s.at("nodir/c").c_str(), 0) == -ENOENT);
  CHECK(vfs::rename(vfs::root(), s.at("c/").c_str(), vfs::root(), s.at("e").c_str(), 0) == -ENOTDIR);
  CHECK(vfs::rename(vfs::root(), s.at(".").c_str(), vfs::root(), s.at("e").c_str(), 0) == -EBUSY);
  CHECK(list(s.dir) == std::vector<std::string>{"b", "c", "empty"});
}

TEST_CASE("libos vfs: a listing's cookies survive entries coming and going") {
  const Scratch s("listing");
  for (const char* name : {"1", "2", "3", "4"}) make_file(s.at(name), name);
  vfs::Node* dir = nullptr;
  REQUIRE(vfs::lookup(vfs::root(), s.dir.c_str(), true, &dir) == 0);
  vfs::Node* second = vfs::dir_next(dir, vfs::dir_next(dir, 0)->cookie);
  REQUIRE(std::string(second->name) == "2");
  const uint64_t resume = second->cookie;
  CHECK(vfs::unlink(vfs::root(), s.at("1").c_str()) == 0);
  CHECK(vfs::unlink(vfs::root(), s.at("2").c_str()) == 0);
  CHECK(std::string(vfs::dir_next(dir, resume)->name) == "3");
  vfs::node_release(dir);
}

TEST_CASE("libos vfs: an open file outlives its name, a removed directory has no path") {
  const Scratch s("orphans");
  make_file(s.at("f"), "still here");
  vfs::Node* node = open_node(s.at("f"), 0);
  REQUIRE(node != nullptr);
  CHECK(vfs::unlink(vfs::root(), s.at("f").c_str()) == 0);
  char buffer[16];
  CHECK(vfs::file_read(node, 0, buffer, sizeof buffer) == 10);
  vfs::NodeStat st;
  vfs::stat(node, &st);
  CHECK(st.nlink == 0);
  const uint64_t used = vfs::tmp_root()->fs->pages_used;
  vfs::node_release(node);
  CHECK(vfs::tmp_root()->fs->pages_used < used);  // the last holder gave the pages back

  REQUIRE(vfs::mkdir(vfs::root(), s.at("gone").c_str(), 0755) == 0);
  vfs::Node* dir = nullptr;
  REQUIRE(vfs::lookup(vfs::root(), s.at("gone").c_str(), true, &dir) == 0);
  char path[vfs::kPathMax];
  CHECK(vfs::path_of(dir, path, sizeof path) == static_cast<int64_t>(s.at("gone").size() + 1));
  CHECK(std::string(path) == s.at("gone"));
  CHECK(vfs::path_of(dir, path, 4) == -ERANGE);
  CHECK(vfs::rmdir(vfs::root(), s.at("gone").c_str()) == 0);
  CHECK(vfs::path_of(dir, path, sizeof path) == -ENOENT);
  CHECK(vfs::mkdir(dir, "child", 0755) == -ENOENT);  // nothing is made in a removed directory
  vfs::Node* up = nullptr;
  CHECK(vfs::lookup(dir, "..", true, &up) == -ENOENT);  // and there is no way up from it
  vfs::node_release(dir);
  CHECK(vfs::path_of(vfs::root(), path, sizeof path) == 2);
  CHECK(std::string(path) == "/");
}

TEST_CASE("libos vfs: symlinks are followed, loops end with ELOOP") {
  const Scratch s("links");
  make_file(s.at("target"), "T");
  CHECK(vfs::symlink("target", vfs::root(), s.at("rel").c_str()) == 0);
  CHECK(vfs::symlink(s.dir.c_str(), vfs::root(), s.at("up").c_str()) == 0);
  CHECK(vfs::symlink("loop", vfs::root(), s.at("loop").c_str()) == 0);
  CHECK(read_all(s.at("rel")) == "T");
  CHECK(read_all(s.at("up/up/up/target")) == "T");
  CHECK(open_error(s.at("loop"), 0) == -ELOOP);
  CHECK(open_error(s.at("rel"), 0400000) == -ELOOP);  // O_NOFOLLOW
  CHECK(open_error(s.at("rel"), 0301) == -EEXIST);  // O_CREAT|O_EXCL does not follow
  vfs::Node* link = nullptr;
  REQUIRE(vfs::lookup(vfs::root(), s.at("rel").c_str(), false, &link) == 0);
  vfs::NodeStat st;
  vfs::stat(link, &st);
  CHECK(st.mode == (0120000 | 0777));
  CHECK(st.size == 6);
  vfs::node_release(link);
  CHECK(vfs::unlink(vfs::root(), s.at("rel").c_str()) == 0);  // the link goes, not its target
  CHECK(exists(s.at("target")));
}

TEST_CASE("libos vfs: /tmp full: ENOSPC, nothing corrupted, space back after unlink") {
  const Scratch s("full");
  std::string mib(2 << 20, 'z');
  vfs::Node* node = open_node(s.at("big"), 0101);
  REQUIRE(node != nullptr);
  const int64_t written = vfs::file_write(node, 0, mib.data(), mib.size());
  CHECK(written > 0);
  CHECK(written < static_cast<int64_t>(mib.size()));  // short: the limit came part way
  CHECK(vfs::file_write(node, static_cast<uint64_t>(written), mib.data(), 4096) == -ENOSPC);
  CHECK(node->size == static_cast<uint64_t>(written));
  std::string back(static_cast<size_t>(written), '\0');
  CHECK(vfs::file_read(node, 0, back.data(), back.size()) == written);
  CHECK(back == mib.substr(0, back.size()));
  vfs::node_release(node);
  CHECK(vfs::unlink(vfs::root(), s.at("big").c_str()) == 0);
  make_file(s.at("small"), "fits again");
  CHECK(read_all(s.at("small")) == "fits again");
}

TEST_CASE("libos vfs: the devices") {
  char buffer[8];
  std::memset(buffer, 1, sizeof buffer);
  CHECK(vfs::device_read(vfs::Device::kNull, buffer, sizeof buffer) == 0);
  CHECK(vfs::device_read(vfs::Device::kZero, buffer, sizeof buffer) == 8);
  CHECK(std::string(buffer, 8) == std::string(8, '\0'));
  CHECK(vfs::device_read(vfs::Device::kURandom, buffer, sizeof buffer) == 8);
  CHECK(vfs::device_write(vfs::Device::kNull, 1234) == 1234);
}

TEST_CASE("libos fd table: 0-2 are the console, dup shares, exhaustion is EMFILE") {
  tree();
  OpenFile* out = monocell::libos::fd_get(1);
  REQUIRE(out != nullptr);
  CHECK(out->kind == FileKind::kConsole);
  CHECK(out->console == 1);
  CHECK(monocell::libos::fd_get(3) == nullptr);
  CHECK(monocell::libos::fd_close(77) == -EBADF);

  const int64_t copy = monocell::libos::fd_dup(1, 0, false);
  CHECK(copy == 3);
  CHECK(monocell::libos::fd_get(3) == out);
  CHECK(monocell::libos::fd_dup_to(2, 3, true) == 3);
  CHECK(monocell::libos::fd_get(3)->console == 2);
  CHECK(monocell::libos::fd_close_on_exec(3));
  CHECK(monocell::libos::fd_dup_to(1, monocell::libos::kMaxFds, false) == -EBADF);
  CHECK(monocell::libos::fd_dup(1, monocell::libos::kMaxFds, false) == -EINVAL);

  std::vector<int64_t> fds;
  for (;;) {
    OpenFile* f = monocell::libos::file_new();
    REQUIRE(f != nullptr);
    f->node = vfs::tmp_root();
    vfs::node_hold(f->node);
    const int64_t fd = monocell::libos::fd_install(f, false);
    if (fd < 0) {
      CHECK(fd == -EMFILE);
      break;
    }
    fds.push_back(fd);
  }
  CHECK(fds.size() == monocell::libos::kMaxFds - 4);
  CHECK(monocell::libos::fd_dup(1, 0, false) == -EMFILE);
  CHECK(monocell::libos::fd_close(static_cast<uint64_t>(fds[10])) == 0);
  CHECK(monocell::libos::fd_dup(1, 0, false) == fds[10]);  // the lowest free number
  for (const int64_t fd : fds) monocell::libos::fd_close(static_cast<uint64_t>(fd));
  CHECK(monocell::libos::fd_close(3) == 0);
  CHECK(monocell::libos::fd_get(1) == out);
  CHECK(out->refs == 1);
}
