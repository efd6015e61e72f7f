// Tests for images/store: building into a store, references, IDs, save and load between
// stores, garbage collection, damaged entries reported and ignored, concurrent builds.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "images/format/image_error.h"
#include "images/store/image_build.h"
#include "images/store/image_store.h"
#include "images/store/image_transfer.h"
#include "images/store/store_lock.h"
#include "tests/support/command.h"
#include "tests/unit/image_test_support.h"

using namespace monocell::image;
using namespace monocell::image::testing;
using monocell::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

size_t files_under(const std::string& dir) {
  size_t count = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_regular_file()) ++count;
  }
  return count;
}

struct StoreFixture {
  TempDir dir;
  ImageStore store{dir.path() + "/store"};
  std::string elf = write_file(dir.path() + "/app.elf", fake_elf(300000));
  std::string other_elf = write_file(dir.path() + "/other.elf", fake_elf(5000));

  Sha256Digest build(const std::string& reference, const std::string& elf_path, int64_t created = 1700000000,
                     const FileTreeWriter* files = nullptr) {
    std::string why;
    BuildInputs inputs;
    inputs.reference = *parse_reference(reference, &why);
    inputs.guest_elf = elf_path;
    inputs.guest_abi_version = 1;
    inputs.files = files;
    inputs.defaults.add_argv("x");
    inputs.created_unix_seconds = created;
    return build_image(store, inputs);
  }
  ImageReference ref(const std::string& text) {
    std::string why;
    return *parse_reference(text, &why);
  }
};

}  // namespace

TEST_CASE_METHOD(StoreFixture, "an image built into the store is found by name, name:tag and ID, and reads back") {
  FileTreeWriter files;
  files.add_file("etc/greeting", "hello\n");
  const Sha256Digest id = build("hello", elf, 1700000000, &files);
  CHECK(store.resolve("hello") == id);
  CHECK(store.resolve("hello:latest") == id);
  CHECK(store.resolve(image_id_text(id)) == id);
  CHECK(store.resolve(to_hex(id).substr(0, 12)) == id);
  CHECK(store.resolve("sha256:" + to_hex(id).substr(0, 20)) == id);

  const StoredImage image = store.read(id);
  CHECK(image.manifest.name() == "hello");
  CHECK(image.manifest.defaults().argv(0) == "x");
  REQUIRE(image.blobs.size() == 2);
  CHECK(image.content_size() == 300000 + image.blobs[1].digest.size);
  for (const BlobLocation& blob : image.blobs) {
    const FileSource frame = store.open_blob(blob);
    StringSink out;
    decode_blob(frame, 0, blob.digest, out, "blob");
    if (blob.kind == v1::BLOB_KIND_GUEST_ELF) CHECK(out.data == fake_elf(300000));
  }

  std::string message;
  CHECK(error_kind_of([&] { store.resolve("nothere"); }, &message) == ImageError::Kind::kNoSuchImage);
  CHECK(message.find("no such image: nothere:latest") != std::string::npos);
  CHECK(error_kind_of([&] { store.resolve("Not/A/Name"); }, &message) == ImageError::Kind::kInvalidInput);
  CHECK(error_kind_of([&] { store.resolve("abcdef"); }, &message) == ImageError::Kind::kNoSuchImage);
  CHECK(error_kind_of([&] { store.resolve(std::string(12, 'f')); }, &message) == ImageError::Kind::kNoSuchImage);
}

TEST_CASE_METHOD(StoreFixture, "rebuilding a name moves it, tag adds a name, rm and prune collect what nothing uses") {
  const Sha256Digest first = build("app:v1", elf, 1);
  const Sha256Digest second = build("app:v1", elf, 2);  // same ELF, new manifest
  CHECK(first != second);
  CHECK(store.resolve("app:v1") == second);
  store.set_reference(ref("app:stable"), second);
  CHECK(store.references_to(second).size() == 2);

  std::vector<std::string> problems;
  CHECK(store.references(&problems).size() == 2);
  CHECK(problems.empty());

  {
    // The first build is dangling: prune removes its manifest but not the blob both share.
    const auto removal = store.collect_garbage(std::nullopt);
    CHECK(removal.images == 1);
    CHECK(removal.blobs == 0);
    CHECK_THROWS_AS(store.read(first), ImageError);
    store.read(second);
  }
  const Sha256Digest other = build("other", other_elf);
  CHECK(store.remove_reference(ref("app:v1")));
  CHECK_FALSE(store.remove_reference(ref("app:v1")));
  CHECK(store.collect_garbage(second).images == 0);  // app:stable still points at it
  CHECK(store.remove_reference(ref("app:stable")));
  const auto removal = store.collect_garbage(second);
  CHECK(removal.images == 1);
  CHECK(removal.blobs == 1);
  CHECK(removal.bytes > 0);
  CHECK_FALSE(fs::exists(store.root() + "/refs/app"));
  // The other image is untouched.
  const StoredImage kept = store.read(other);
  store.open_blob(kept.blobs[0]);
}

TEST_CASE_METHOD(StoreFixture, "save then load into another store keeps the image's ID and bytes") {
  FileTreeWriter files;
  files.add_file("a/b", random_bytes(70000, 4));
  const Sha256Digest id = build("moved:1.0", elf, 5, &files);
  const std::string file_path = dir.path() + "/moved.img";
  {
    AtomicFile out(dir.path());
    save_image(store, store.read(id), out.sink());
    out.commit(file_path);
  }
  CHECK(fs::file_size(file_path) == store.read(id).file_size());

  ImageStore other(dir.path() + "/other-store");
  const FileSource file = FileSource::open(file_path);
  std::vector<uint64_t> progress;
  const LoadedImage loaded = load_image(other, file, std::nullopt, [&](const std::string&, uint64_t done, uint64_t total) {
    progress.push_back(done);
    CHECK(total == file.size());
  });
  CHECK(loaded.id == id);
  CHECK(loaded.reference.text() == "moved:1.0");
  CHECK(other.resolve("moved:1.0") == id);
  CHECK(!progress.empty());
  CHECK(std::is_sorted(progress.begin(), progress.end()));

  const LoadedImage renamed = load_image(other, file, ref("copy:x"));
  CHECK(renamed.id == id);
  CHECK(other.resolve("copy:x") == id);
}

TEST_CASE_METHOD(StoreFixture, "a corrupt image file loads nothing into the store") {
  const Sha256Digest id = build("good", elf);
  std::string image;
  {
    StringSink out;
    save_image(store, store.read(id), out);
    image = out.data;
  }
  ImageStore target(dir.path() + "/target");
  for (const size_t at : {size_t{3}, size_t{40}, size_t{100}, image.size() / 2, image.size() - 5}) {
    std::string damaged = image;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    MemorySource source(as_bytes(damaged), "damaged.img");
    std::string message;
    INFO("byte " << at);
    CHECK(error_kind_of([&] { load_image(target, source, std::nullopt); }, &message) == ImageError::Kind::kCorrupt);
    CHECK(message.find("damaged.img") != std::string::npos);
    CHECK(files_under(target.root()) == 0);
  }
}

TEST_CASE_METHOD(StoreFixture, "damaged store entries are reported and ignored, never trusted") {
  const Sha256Digest id = build("victim", elf);
  build("bystander", other_elf);
  const StoredImage image = store.read(id);
  std::vector<std::string> problems;
  std::string message;

  SECTION("a reference that is not a digest") {
    write_file(store.root() + "/refs/victim/latest", "garbage\n");
    const auto refs = store.references(&problems);
    REQUIRE(refs.size() == 1);
    CHECK(refs[0].reference.name == "bystander");
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].find("reference victim:latest") != std::string::npos);
    CHECK(error_kind_of([&] { store.resolve("victim"); }, &message) == ImageError::Kind::kCorrupt);
  }
  SECTION("a foreign file among the references") {
    write_file(store.root() + "/refs/victim/Bad Tag", "x");
    store.references(&problems);
    CHECK(problems.size() == 1);
  }
  SECTION("a manifest whose bytes changed") {
    const std::string path = store.root() + "/manifests/sha256/" + to_hex(id);
    std::string bytes = image.manifest_bytes;
    bytes[5] = static_cast<char>(bytes[5] ^ 1);
    write_file(path, bytes);
    CHECK(error_kind_of([&] { store.read(id); }, &message) == ImageError::Kind::kCorrupt);
    CHECK(message.find("sha256 is not its name") != std::string::npos);
  }
  SECTION("a missing manifest") {
    fs::remove(store.root() + "/manifests/sha256/" + to_hex(id));
    CHECK(error_kind_of([&] { store.read(id); }, &message) == ImageError::Kind::kCorrupt);
    CHECK(message.find("is not in the store") != std::string::npos);
    // prune reports it and carries on.
    const auto removal = store.collect_garbage(std::nullopt);
    CHECK(removal.problems.empty());
  }
  SECTION("a truncated blob") {
    fs::resize_file(store.blob_path(image.blobs[0]), 100);
    CHECK(error_kind_of([&] { store.open_blob(image.blobs[0]); }, &message) == ImageError::Kind::kCorrupt);
    CHECK(message.find("is 100 bytes") != std::string::npos);
  }
  SECTION("a blob whose bytes changed is refused by save") {
    const std::string path = store.blob_path(image.blobs[0]);
    std::string frame;
    {
      std::ifstream in(path, std::ios::binary);
      frame.assign(std::istreambuf_iterator<char>(in), {});
    }
    frame[frame.size() / 2] = static_cast<char>(frame[frame.size() / 2] ^ 1);
    write_file(path, frame);
    StringSink out;
    CHECK(error_kind_of([&] { save_image(store, image, out); }, &message) == ImageError::Kind::kCorrupt);
    CHECK(message.find("stored") != std::string::npos);
  }
  SECTION("a temporary file left by a crash is removed by prune") {
    fs::create_directories(store.root() + "/tmp");
    write_file(store.root() + "/tmp/.tmp-abandoned", "half");
    write_file(store.root() + "/refs/victim/.tmp-abandoned", "sha");
    CHECK(store.references(&problems).size() == 2);
    CHECK(problems.empty());
    CHECK(store.collect_garbage(std::nullopt).temp_files == 2);
  }
}

TEST_CASE_METHOD(StoreFixture, "concurrent builds of one name: the last writer wins, nothing is torn") {
  constexpr int kRounds = 8;
  std::vector<std::thread> builders;
  for (int t = 0; t < 3; ++t) {
    builders.emplace_back([this, t] {
      ImageStore mine(store.root());
      for (int i = 0; i < kRounds; ++i) {
        StoreLock lock(mine.lock_path(), StoreLock::Mode::kShared);
        std::string why;
        BuildInputs inputs;
        inputs.reference = *parse_reference("raced", &why);
        inputs.guest_elf = t == 0 ? elf : other_elf;
        inputs.guest_abi_version = 1;
        inputs.created_unix_seconds = t * 100 + i;
        build_image(mine, inputs);
      }
    });
  }
  // Meanwhile: prune (exclusive) and read (shared) in turn.
  for (int i = 0; i < kRounds; ++i) {
    {
      StoreLock lock(store.lock_path(), StoreLock::Mode::kExclusive);
      store.collect_garbage(std::nullopt);
    }
    StoreLock lock(store.lock_path(), StoreLock::Mode::kShared);
    try {
      const StoredImage image = store.read(store.resolve("raced"));
      for (const BlobLocation& blob : image.blobs) store.open_blob(blob);
    } catch (const ImageError& e) {
      CHECK(e.kind() == ImageError::Kind::kNoSuchImage);  // before the first build finished
    }
  }
  for (auto& b : builders) b.join();
  const StoredImage image = store.read(store.resolve("raced"));
  CHECK(image.manifest.created_unix_seconds() % 100 == kRounds - 1);
  for (const BlobLocation& blob : image.blobs) {
    const FileSource frame = store.open_blob(blob);
    NullSink nothing;
    decode_blob(frame, 0, blob.digest, nothing, "blob");
  }
  std::vector<std::string> problems;
  CHECK(store.references(&problems).size() == 1);
  CHECK(problems.empty());
  CHECK(files_under(store.root() + "/tmp") == 0);
}

TEST_CASE("the store's root: MONOCELL_IMAGE_STORE, else by user") {
  const char* saved = std::getenv("MONOCELL_IMAGE_STORE");
  const std::string restore = saved ? saved : "";
  setenv("MONOCELL_IMAGE_STORE", "/somewhere/images", 1);
  CHECK(ImageStore::default_root() == "/somewhere/images");
  unsetenv("MONOCELL_IMAGE_STORE");
  if (geteuid() == 0) {
    CHECK(ImageStore::default_root() == "/var/lib/monocell/images");
  } else {
    setenv("XDG_DATA_HOME", "/xdg", 1);
    CHECK(ImageStore::default_root() == "/xdg/monocell/images");
  }
  if (!restore.empty()) setenv("MONOCELL_IMAGE_STORE", restore.c_str(), 1);
}

TEST_CASE_METHOD(StoreFixture, "build refuses what is not an ELF, and defaults that break the rules") {
  std::string message;
  const std::string script = write_file(dir.path() + "/script", "#!/bin/sh\necho hi\n");
  CHECK(error_kind_of([&] { build("bad", script); }, &message) == ImageError::Kind::kInvalidInput);
  CHECK(message.find("is not an ELF file") != std::string::npos);
  CHECK(error_kind_of([&] { build("bad", dir.path() + "/missing"); }, &message) == ImageError::Kind::kNotFound);
  BuildInputs inputs;
  inputs.reference = ref("bad");
  inputs.guest_elf = elf;
  inputs.guest_abi_version = 1;
  inputs.defaults.set_cwd("relative");
  CHECK(error_kind_of([&] { build_image(store, inputs); }, &message) == ImageError::Kind::kInvalidInput);
  CHECK(message.find("not absolute") != std::string::npos);
  CHECK(files_under(store.root()) == 0);
}
