// Helpers for the image format tests: sample manifests and contents, images made in memory,
// and a check that an operation fails as corrupt with a message that says why.
#pragma once

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "images/format/image_error.h"
#include "images/format/image_file_writer.h"
#include "images/format/image_header.h"
#include "images/format/image_reader.h"

namespace monocell::image::testing {

// Bytes that pass as an ELF blob (the reader checks the magic only).
inline std::string fake_elf(size_t size = 4096) {
  std::string elf = "\x7f" "ELF";
  std::mt19937 random(static_cast<unsigned>(size));
  while (elf.size() < size) elf.push_back(static_cast<char>(random() % 7));  // compressible
  elf.resize(size);
  return elf;
}

inline std::string random_bytes(size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

inline v1::Manifest sample_manifest() {
  v1::Manifest manifest;
  manifest.set_name("hello");
  manifest.set_tag("latest");
  manifest.set_created_unix_seconds(1700000000);
  manifest.set_guest_abi_version(1);
  manifest.mutable_defaults()->add_argv("--greeting");
  manifest.mutable_defaults()->add_argv("hi");
  manifest.mutable_defaults()->add_env("LANG=C");
  manifest.mutable_defaults()->set_cwd("/");
  manifest.mutable_defaults()->set_memory_mib(64);
  return manifest;
}

// An image file whose header is right for `manifest_bytes`, followed by `blob_area`: lets a
// test hand the reader any manifest, however wrong, past the header's digest check.
inline std::string image_with_manifest_bytes(const std::string& manifest_bytes, const std::string& blob_area) {
  ImageHeader header;
  header.manifest_size = manifest_bytes.size();
  header.manifest_sha256 = Sha256::of(manifest_bytes);
  const auto head = encode_header(header);
  return std::string(head.begin(), head.end()) + manifest_bytes + blob_area;
}

inline ImageError::Kind error_kind_of(const std::function<void()>& operation, std::string* message) {
  try {
    operation();
  } catch (const ImageError& e) {
    *message = e.what();
    return e.kind();
  }
  FAIL("expected an ImageError");
  return ImageError::Kind::kIo;
}

// Reads `bytes` as an image and checks every blob; REQUIREs a kCorrupt error mentioning `needle`.
inline void require_corrupt(const std::string& bytes, const std::string& needle = "") {
  std::string message;
  const ImageError::Kind kind = error_kind_of(
      [&] {
        MemorySource source(as_bytes(bytes), "test.img");
        ImageReader reader(source);
        reader.verify_blobs();
      },
      &message);
  INFO(message);
  REQUIRE(kind == ImageError::Kind::kCorrupt);
  REQUIRE(message.find("test.img") != std::string::npos);
  if (!needle.empty()) REQUIRE(message.find(needle) != std::string::npos);
}

}  // namespace monocell::image::testing
