// Tests for images/format/file_tree_*.h: trees from memory and from host directories through
// the blob layout and back, the path rules, and a hostile tree refused by the rule it breaks.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "images/format/file_tree_abi.h"
#include "images/format/file_tree_path.h"
#include "images/format/file_tree_reader.h"
#include "images/format/file_tree_writer.h"
#include "images/format/image_reference.h"
#include "tests/support/command.h"
#include "tests/unit/image_test_support.h"

using namespace monocell::image;
using namespace monocell::image::testing;
namespace fs = std::filesystem;

namespace {

std::string written(const FileTreeWriter& tree) {
  StringSink out;
  tree.write(out);
  return out.data;
}

// Every file's content by path, read back through the reader.
std::map<std::string, std::string> contents_of(const std::string& blob, std::vector<FileTreeEntry>* entries = nullptr) {
  std::map<std::string, std::string> files;
  const auto read = read_file_tree(as_bytes(blob), "tree", [&files](const FileTreeEntry& e, std::span<const uint8_t> bytes) {
    files[e.path].append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  });
  for (const FileTreeEntry& e : read) {
    if (!e.is_directory()) files[e.path];  // empty files too
  }
  if (entries != nullptr) *entries = read;
  return files;
}

// A tree laid out by hand: `paths` with modes and sizes, data of 'x's.
struct RawEntry {
  std::string path;
  uint32_t mode;
  uint64_t size = 0;
};

std::string raw_tree(const std::vector<RawEntry>& raw) {
  std::string table, names, data;
  for (const RawEntry& r : raw) {
    file_tree::Entry e{};
    e.name_offset = static_cast<uint32_t>(names.size());
    e.name_size = static_cast<uint32_t>(r.path.size());
    e.mode = r.mode;
    e.data_offset = (r.mode & file_tree::kTypeMask) == file_tree::kTypeRegular ? data.size() : 0;
    e.size = r.size;
    table.append(reinterpret_cast<const char*>(&e), sizeof e);
    names += r.path;
    data.append(r.size, 'x');
  }
  file_tree::Header h{};
  std::memcpy(h.magic, file_tree::kMagic, 8);
  h.version = file_tree::kVersion;
  h.entry_count = static_cast<uint32_t>(raw.size());
  h.names_size = names.size();
  h.data_size = data.size();
  return std::string(reinterpret_cast<const char*>(&h), sizeof h) + table + names + data;
}

void require_tree_corrupt(const std::string& blob, const std::string& needle) {
  std::string message;
  const auto kind = error_kind_of([&] { read_file_tree(as_bytes(blob), "tree"); }, &message);
  INFO(message);
  REQUIRE(kind == ImageError::Kind::kCorrupt);
  REQUIRE(message.find(needle) != std::string::npos);
}

constexpr uint32_t kDir = file_tree::kTypeDirectory | 0755;
constexpr uint32_t kFile = file_tree::kTypeRegular | 0644;

}  // namespace

TEST_CASE("a file tree from memory goes through the blob layout and back, sorted, parents added") {
  FileTreeWriter tree;
  tree.add_file("etc/app.conf", "a = 1\n");
  tree.add_file("bin/tool", std::string(100000, 'z'), 0755);
  tree.add_file("empty", "");
  tree.add_directory("var/cache", 0700);
  std::vector<FileTreeEntry> entries;
  const auto files = contents_of(written(tree), &entries);
  std::vector<std::string> paths;
  for (const auto& e : entries) paths.push_back(e.path);
  CHECK(paths == std::vector<std::string>{"bin", "bin/tool", "empty", "etc", "etc/app.conf", "var", "var/cache"});
  CHECK(entries[0].mode == (file_tree::kTypeDirectory | 0755));
  CHECK(entries[1].mode == (file_tree::kTypeRegular | 0755));
  CHECK(entries[6].mode == (file_tree::kTypeDirectory | 0700));
  CHECK(files.at("etc/app.conf") == "a = 1\n");
  CHECK(files.at("bin/tool") == std::string(100000, 'z'));
  CHECK(files.at("empty").empty());
  CHECK(tree.content_size() == 100006);
}

TEST_CASE("a file tree from a host directory keeps files, directories and permissions") {
  monocell::testing::TempDir dir;
  fs::create_directories(dir.path() + "/src/conf/deep");
  std::ofstream(dir.path() + "/src/conf/a.txt") << "alpha";
  std::ofstream(dir.path() + "/src/conf/deep/b.txt") << "beta";
  std::ofstream(dir.path() + "/src/run.sh") << "#!/bin/sh\n";
  chmod((dir.path() + "/src/run.sh").c_str(), 0750);
  std::ofstream(dir.path() + "/extra") << "extra";

  FileTreeWriter tree;
  tree.add_host_directory("", dir.path() + "/src");
  tree.add_host_file("opt/extra", dir.path() + "/extra");
  std::vector<FileTreeEntry> entries;
  const auto files = contents_of(written(tree), &entries);
  CHECK(files.size() == 4);
  CHECK(files.at("conf/a.txt") == "alpha");
  CHECK(files.at("conf/deep/b.txt") == "beta");
  CHECK(files.at("opt/extra") == "extra");
  for (const auto& e : entries) {
    if (e.path == "run.sh") CHECK(e.mode == (file_tree::kTypeRegular | 0750));
  }

  SECTION("a symlink or a special file is refused by name") {
    symlink("a.txt", (dir.path() + "/src/conf/link").c_str());
    FileTreeWriter refused;
    std::string message;
    CHECK(error_kind_of([&] { refused.add_host_directory("", dir.path() + "/src"); }, &message) ==
          ImageError::Kind::kInvalidInput);
    CHECK(message.find("conf/link is neither a regular file nor a directory") != std::string::npos);
  }
  SECTION("a file that changes size between adding and writing is refused") {
    FileTreeWriter changing;
    changing.add_host_file("x", dir.path() + "/extra");
    std::ofstream(dir.path() + "/extra", std::ios::app) << "more";
    std::string message;
    CHECK(error_kind_of([&] { written(changing); }, &message) == ImageError::Kind::kInvalidInput);
    CHECK(message.find("changed size") != std::string::npos);
  }
}

TEST_CASE("the writer refuses duplicates, bad paths, and files used as directories") {
  std::string message;
  FileTreeWriter tree;
  tree.add_file("a", "1");
  CHECK(error_kind_of([&] { tree.add_file("a", "2"); }, &message) == ImageError::Kind::kInvalidInput);
  CHECK(message.find("\"a\" is given twice") != std::string::npos);
  CHECK(error_kind_of([&] { tree.add_file("a/b", "2"); }, &message) == ImageError::Kind::kInvalidInput);
  CHECK(message.find("not a directory") != std::string::npos);
  CHECK(error_kind_of([&] { tree.add_file("../x", "2"); }, &message) == ImageError::Kind::kInvalidInput);
  CHECK(message.find("\"..\" component") != std::string::npos);
  tree.add_file("d/f", "");
  tree.add_directory("d", 0700);  // an explicit mode for a directory already implied is fine
  CHECK(error_kind_of([&] { tree.add_directory("d"); }, &message) == ImageError::Kind::kInvalidInput);
  CHECK(message.find("\"d\" is given twice") != std::string::npos);
}

TEST_CASE("tree paths: relative, normalised, inside the tree") {
  std::string why;
  CHECK(valid_tree_path("a", &why));
  CHECK(valid_tree_path("a/b.c/d", &why));
  CHECK(valid_tree_path("...", &why));
  for (const char* bad : {"", "/a", "a/", "a//b", "./a", "a/./b", "a/..", "../a"}) {
    INFO(bad);
    CHECK_FALSE(valid_tree_path(bad, &why));
  }
  CHECK_FALSE(valid_tree_path(std::string("a\0b", 3), &why));
  CHECK_FALSE(valid_tree_path(std::string(256, 'n'), &why));
  CHECK(valid_tree_path(std::string(255, 'n'), &why));
  std::string long_path = std::string(200, 'n');
  while (long_path.size() <= 4096) long_path += "/" + std::string(200, 'n');
  CHECK_FALSE(valid_tree_path(long_path, &why));
  CHECK(why.find("more than 4096") != std::string::npos);
  CHECK(tree_path_for_guest_path("/etc/app.conf", &why) == "etc/app.conf");
  CHECK(tree_path_for_guest_path("etc/app.conf", &why) == "etc/app.conf");
  CHECK_FALSE(tree_path_for_guest_path("/", &why));
  CHECK_FALSE(tree_path_for_guest_path("//etc", &why));
  CHECK_FALSE(tree_path_for_guest_path("/etc/../../x", &why));
  CHECK(parent_of("a/b/c") == "a/b");
  CHECK(parent_of("a").empty());
}

TEST_CASE("a hostile file tree is refused by the rule it breaks") {
  CHECK(contents_of(raw_tree({{"a", kDir}, {"a/f", kFile, 3}})).at("a/f") == "xxx");
  CHECK(contents_of(raw_tree({})).empty());

  require_tree_corrupt(raw_tree({{"b", kFile}, {"a", kFile}}), "not after \"b\"");
  require_tree_corrupt(raw_tree({{"a", kFile}, {"a", kFile}}), "not after \"a\"");
  require_tree_corrupt(raw_tree({{"a/f", kFile}}), "its parent \"a\" is not a directory before it");
  require_tree_corrupt(raw_tree({{"a", kFile}, {"a/f", kFile}}), "its parent \"a\" is not a directory");
  require_tree_corrupt(raw_tree({{"../etc", kFile}}), "\"..\" component");
  require_tree_corrupt(raw_tree({{"/etc", kFile}}), "absolute");
  require_tree_corrupt(raw_tree({{"l", file_tree::kTypeRegular | 04755}}), "mode 104755");
  require_tree_corrupt(raw_tree({{"l", 0120777}}), "mode 120777");
  require_tree_corrupt(raw_tree({{"d", kDir, 5}}), "a directory with data");

  const std::string good = raw_tree({{"a", kDir}, {"a/f", kFile, 3}, {"g", kFile, 2}});
  auto entry_at = [](std::string blob, size_t index, auto change) {
    file_tree::Entry e;
    std::memcpy(&e, blob.data() + 32 + 32 * index, sizeof e);
    change(e);
    std::memcpy(blob.data() + 32 + 32 * index, &e, sizeof e);
    return blob;
  };
  auto header_of = [](std::string blob, auto change) {
    file_tree::Header h;
    std::memcpy(&h, blob.data(), sizeof h);
    change(h);
    std::memcpy(blob.data(), &h, sizeof h);
    return blob;
  };
  require_tree_corrupt(entry_at(good, 1, [](auto& e) { e.reserved = 1; }), "reserved");
  require_tree_corrupt(entry_at(good, 1, [](auto& e) { e.name_offset = 0; }), "path offset 0, expected 1");
  require_tree_corrupt(entry_at(good, 2, [](auto& e) { e.name_size = 1000; }), "does not fit");
  require_tree_corrupt(entry_at(good, 2, [](auto& e) { e.data_offset = 0; }), "data offset 0, expected 3");
  require_tree_corrupt(entry_at(good, 2, [](auto& e) { e.size = 1u << 30; }), "runs past the data area");
  require_tree_corrupt(header_of(good, [](auto& h) { h.magic[0] = 'X'; }), "not a file tree");
  require_tree_corrupt(header_of(good, [](auto& h) { h.version = 2; }), "file tree version 2");
  require_tree_corrupt(header_of(good, [](auto& h) { h.entry_count = 1u << 30; }), "more than 65536");
  require_tree_corrupt(header_of(good, [](auto& h) { h.names_size = 1ull << 40; }), "its paths take");
  require_tree_corrupt(header_of(good, [](auto& h) { h.data_size = 1ull << 40; }), "more than 2147483648");
  require_tree_corrupt(good + "!", "follow the end of the file tree");
  for (size_t length = 0; length < good.size(); ++length) {
    INFO("length " << length);
    require_tree_corrupt(good.substr(0, length), "truncated");
  }
}

TEST_CASE("image references: NAME[:TAG], latest by default") {
  std::string why;
  auto parsed = parse_reference("hello", &why);
  REQUIRE(parsed);
  CHECK(parsed->name == "hello");
  CHECK(parsed->tag == "latest");
  parsed = parse_reference("my-app.v2:1.0_rc-1", &why);
  REQUIRE(parsed);
  CHECK(parsed->text() == "my-app.v2:1.0_rc-1");
  for (const char* bad : {"", ":tag", "Hello", "-x", "a/b", "a:", "a:b:c", "a:.b", "a b"}) {
    INFO(bad);
    CHECK_FALSE(parse_reference(bad, &why));
  }
}
