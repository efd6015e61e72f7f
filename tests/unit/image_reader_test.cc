// Tests for images/format/image_reader.h and image_file_writer.h: an image through the file
// format and back, and each class of corruption a hostile file can carry, refused by name.
#include <catch2/catch.hpp>

#include "images/format/file_tree_writer.h"
#include "images/format/image_limits.h"
#include "tests/unit/image_test_support.h"

using namespace monocell::image;
using namespace monocell::image::testing;

namespace {

std::string sample_tree() {
  FileTreeWriter tree;
  tree.add_file("etc/app.conf", "greeting = hi\n");
  tree.add_file("data/empty", "");
  tree.add_file("data/blob.bin", random_bytes(5000, 1), 0600);
  StringSink out;
  tree.write(out);
  return out.data;
}

std::string sample_image() {
  return make_image(sample_manifest(), {{v1::BLOB_KIND_GUEST_ELF, fake_elf(20000)}, {v1::BLOB_KIND_FILE_TREE, sample_tree()}});
}

// The manifest of `image`, for tests that change a field and re-sign the header.
v1::Manifest manifest_of(const std::string& image) {
  MemorySource source(as_bytes(image), "test.img");
  return ImageReader(source).manifest();
}

std::string blob_area_of(const std::string& image) {
  MemorySource source(as_bytes(image), "test.img");
  ImageReader reader(source);
  return image.substr(kHeaderSize + reader.manifest_bytes().size());
}

std::string with_manifest(const std::string& image, const v1::Manifest& manifest) {
  return image_with_manifest_bytes(manifest.SerializeAsString(), blob_area_of(image));
}

}  // namespace

TEST_CASE("an image goes through the file format and back: manifest, blobs, digests") {
  const std::string elf = fake_elf(100000);
  const std::string tree = sample_tree();
  const std::string image = make_image(sample_manifest(), {{v1::BLOB_KIND_GUEST_ELF, elf}, {v1::BLOB_KIND_FILE_TREE, tree}});
  MemorySource source(as_bytes(image), "test.img");
  ImageReader reader(source);
  const v1::Manifest& manifest = reader.manifest();
  CHECK(manifest.name() == "hello");
  CHECK(manifest.tag() == "latest");
  CHECK(manifest.created_unix_seconds() == 1700000000);
  CHECK(manifest.guest_abi_version() == 1);
  CHECK(manifest.defaults().argv_size() == 2);
  CHECK(manifest.defaults().env(0) == "LANG=C");
  CHECK(manifest.defaults().memory_mib() == 64);
  CHECK(reader.manifest_digest() == Sha256::of(reader.manifest_bytes()));
  REQUIRE(reader.blobs().size() == 2);
  CHECK(reader.blobs()[0].file_offset == kHeaderSize + reader.manifest_bytes().size());
  CHECK(reader.blobs()[1].file_offset == reader.blobs()[0].file_offset + reader.blobs()[0].digest.compressed_size);

  StringSink elf_out;
  reader.read_blob(*reader.find(v1::BLOB_KIND_GUEST_ELF), elf_out);
  CHECK(elf_out.data == elf);
  StringSink tree_out;
  reader.read_blob(*reader.find(v1::BLOB_KIND_FILE_TREE), tree_out);
  CHECK(tree_out.data == tree);
  CHECK(reader.find(v1::BLOB_KIND_PROCESS_ELF) == nullptr);
  reader.verify_blobs();
}

TEST_CASE("an image truncated at any byte is refused") {
  const std::string image = sample_image();
  for (size_t length = 0; length < image.size(); ++length) {
    INFO("length " << length);
    require_corrupt(image.substr(0, length));
  }
}

TEST_CASE("a byte flipped anywhere in an image is refused") {
  const std::string image = sample_image();
  const size_t manifest_end = kHeaderSize + manifest_of(image).ByteSizeLong();
  for (size_t at = 0; at < image.size(); ++at) {
    std::string flipped = image;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x04);
    INFO("byte " << at);
    if (at < 8) {
      require_corrupt(flipped, "not a monocell image");
    } else if (at >= 24 && at < 56) {
      require_corrupt(flipped, "the header gives");  // the manifest's digest
    } else if (at >= kHeaderSize && at < manifest_end) {
      require_corrupt(flipped, "manifest's sha256");
    } else {
      require_corrupt(flipped);
    }
  }
}

TEST_CASE("an image with bytes after its last blob is refused") {
  require_corrupt(sample_image() + "x", "after the last blob");
}

TEST_CASE("the header's fields are checked: version, size, reserved, manifest bounds") {
  const std::string image = sample_image();
  auto patched = [&image](size_t at, std::string bytes) {
    std::string copy = image;
    copy.replace(at, bytes.size(), bytes);
    return copy;
  };
  require_corrupt(patched(8, std::string("\x02\0\0\0", 4)), "format version 2 is not supported");
  require_corrupt(patched(12, std::string("\x80\0\0\0", 4)), "header size 128");
  require_corrupt(patched(56, std::string("\x01", 1)), "reserved");
  require_corrupt(patched(16, std::string("\0\0\0\0\0\0\0\0", 8)), "manifest size 0");
  require_corrupt(patched(16, std::string("\x01\0\x10\0\0\0\0\0", 8)), "manifest size 1048577 is outside 1..1048576");
  require_corrupt(patched(16, std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8)), "is outside 1..1048576");
  require_corrupt(patched(16, std::string("\0\0\x08\0\0\0\0\0", 8)), "runs past the end of the file");
  require_corrupt(std::string(10, 'M'), "shorter than an image header");
}

TEST_CASE("a manifest that is not protobuf, or breaks a rule, is refused by field") {
  const std::string image = sample_image();
  require_corrupt(image_with_manifest_bytes("\xff\xff\xff", blob_area_of(image)), "not a valid protobuf Manifest");

  v1::Manifest manifest = manifest_of(image);
  auto refused = [&image](const v1::Manifest& changed, const std::string& needle) {
    require_corrupt(with_manifest(image, changed), needle);
  };
  SECTION("name and tag") {
    manifest.set_name("Hello");
    refused(manifest, "image name \"Hello\"");
    manifest.set_name("");
    refused(manifest, "image name is empty");
    manifest.set_name("a/b");
    refused(manifest, "does not match");
    manifest.set_name("ok");
    manifest.set_tag(".x");
    refused(manifest, "tag \".x\"");
    manifest.set_tag(std::string(129, 'a'));
    refused(manifest, "more than 128");
  }
  SECTION("run defaults") {
    manifest.mutable_defaults()->add_env("NOEQUALS");
    refused(manifest, "environment entry 2 is not KEY=VALUE");
    manifest.mutable_defaults()->clear_env();
    manifest.mutable_defaults()->add_argv(std::string("a\0b", 3));
    refused(manifest, "argument 3 holds a NUL byte");
    manifest.mutable_defaults()->clear_argv();
    manifest.mutable_defaults()->add_argv(std::string(40000, 'a'));
    refused(manifest, "argument 1 is 40000 bytes");
    manifest.mutable_defaults()->clear_argv();
    manifest.mutable_defaults()->set_cwd("relative");
    refused(manifest, "is not absolute");
    manifest.mutable_defaults()->set_cwd("/");
    manifest.mutable_defaults()->set_memory_mib(8);
    refused(manifest, "memory 8 MiB");
    manifest.mutable_defaults()->set_memory_mib(1 << 20);
    refused(manifest, "outside 16..65536");
  }
  SECTION("creation time and guest ABI") {
    manifest.set_created_unix_seconds(-1);
    refused(manifest, "before 1970");
    manifest.set_created_unix_seconds(0);
    manifest.set_guest_abi_version(0);
    refused(manifest, "guest ABI version is 0");
  }
  SECTION("blob table") {
    v1::Manifest m = manifest;
    m.mutable_blobs(0)->set_kind(static_cast<v1::BlobKind>(9));
    refused(m, "blob 0 (kind 9): unknown blob kind");
    m = manifest;
    m.mutable_blobs(1)->set_kind(v1::BLOB_KIND_GUEST_ELF);
    refused(m, "a second blob of this kind");
    m = manifest;
    m.mutable_blobs(0)->set_kind(v1::BLOB_KIND_UNSPECIFIED);
    refused(m, "unknown blob kind");
    m = manifest;
    m.mutable_blobs(0)->set_sha256("short");
    refused(m, "sha256 is 5 bytes");
    m = manifest;
    m.mutable_blobs(0)->set_size(limits::kMaxBlobSize + 1);
    refused(m, "more than 2147483648");
    m = manifest;
    m.mutable_blobs(1)->set_offset(m.blobs(1).offset() + 1);
    refused(m, "blobs lie back to back");
    m = manifest;
    m.mutable_blobs(1)->set_compressed_size(uint64_t{1} << 62);
    refused(m, "does not fit in the");
    m = manifest;
    m.mutable_blobs(1)->set_compressed_size(m.blobs(1).compressed_size() - 1);
    refused(m, "1 bytes after the last blob belong to none");
    m = manifest;
    m.mutable_blobs(0)->set_compressed_size(0);
    refused(m, "compressed size 0");
    m = manifest;
    m.clear_blobs();
    refused(m, "0 blobs");
  }
}

TEST_CASE("blobs whose content is wrong are refused when read: digest, size, ELF magic, tree rules") {
  const std::string image = sample_image();
  v1::Manifest manifest = manifest_of(image);
  SECTION("a wrong sha256") {
    std::string sha = manifest.blobs(0).sha256();
    sha[0] = static_cast<char>(sha[0] ^ 1);
    manifest.mutable_blobs(0)->set_sha256(sha);
    require_corrupt(with_manifest(image, manifest), "blob 0 (guest ELF): its content's sha256");
  }
  SECTION("a wrong size") {
    manifest.mutable_blobs(1)->set_size(manifest.blobs(1).size() + 10);
    require_corrupt(with_manifest(image, manifest), "blob 1 (file tree): decompresses to");
  }
  SECTION("an ELF blob that is no ELF") {
    require_corrupt(make_image(sample_manifest(), {{v1::BLOB_KIND_GUEST_ELF, "#!/bin/sh\n"}}), "not an ELF file");
    require_corrupt(make_image(sample_manifest(), {{v1::BLOB_KIND_GUEST_ELF, ""}}), "not an ELF file (0 bytes)");
  }
  SECTION("a file tree blob that breaks the tree's rules") {
    require_corrupt(make_image(sample_manifest(), {{v1::BLOB_KIND_GUEST_ELF, fake_elf()}, {v1::BLOB_KIND_FILE_TREE, "junk"}}),
                    "file tree is truncated");
  }
}

TEST_CASE("an image needs something to run, and a process ELF alone will do") {
  const std::string tree = sample_tree();
  BlobDigest digest;
  const std::string frame = encode_blob(as_bytes(tree), &digest);
  v1::Manifest tree_only = sample_manifest();
  v1::Blob* blob = tree_only.add_blobs();
  blob->set_kind(v1::BLOB_KIND_FILE_TREE);
  blob->set_size(digest.size);
  blob->set_compressed_size(digest.compressed_size);
  blob->set_sha256(std::string(digest.sha256.begin(), digest.sha256.end()));
  require_corrupt(image_with_manifest_bytes(tree_only.SerializeAsString(), frame), "nothing to run");
  v1::Manifest manifest = sample_manifest();
  manifest.set_guest_abi_version(0);
  const std::string image = make_image(manifest, {{v1::BLOB_KIND_PROCESS_ELF, fake_elf()}});
  MemorySource source(as_bytes(image), "test.img");
  ImageReader reader(source);
  reader.verify_blobs();
  CHECK(reader.find(v1::BLOB_KIND_PROCESS_ELF) != nullptr);
}

TEST_CASE("the writer refuses a manifest that breaks a rule, before writing anything") {
  v1::Manifest manifest = sample_manifest();
  manifest.set_name("Not Valid");
  std::string message;
  CHECK(error_kind_of([&] { make_image(manifest, {{v1::BLOB_KIND_GUEST_ELF, fake_elf()}}); }, &message) ==
        ImageError::Kind::kInvalidInput);
  CHECK(message.find("image name") != std::string::npos);
}
