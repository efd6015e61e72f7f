// Checking manifests field by field.
#include "images/format/manifest_check.h"

#include <string_view>

#include "images/format/image_limits.h"
#include "images/format/image_reference.h"

namespace monocell::image {
namespace {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<uint8_t>(text[i]);
    size_t length;
    uint32_t min;
    uint32_t code;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2, min = 0x80, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, min = 0x800, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, min = 0x10000, code = c & 0x07;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = code << 6 | (next & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

std::string string_problem(std::string_view text, const std::string& field) {
  if (text.size() > limits::kMaxStringSize) {
    return field + " is " + std::to_string(text.size()) + " bytes, more than " + std::to_string(limits::kMaxStringSize);
  }
  if (text.find('\0') != std::string_view::npos) return field + " holds a NUL byte";
  if (!valid_utf8(text)) return field + " is not valid UTF-8";
  return {};
}

}  // namespace

std::string blob_kind_name(int kind) {
  switch (kind) {
    case v1::BLOB_KIND_GUEST_ELF:
      return "guest ELF";
    case v1::BLOB_KIND_FILE_TREE:
      return "file tree";
    case v1::BLOB_KIND_PROCESS_ELF:
      return "process ELF";
    default:
      return "kind " + std::to_string(kind);
  }
}

std::string run_defaults_problem(const v1::RunDefaults& defaults) {
  if (static_cast<uint64_t>(defaults.argv_size()) > limits::kMaxArgs) {
    return "defaults: " + std::to_string(defaults.argv_size()) + " arguments, more than " +
           std::to_string(limits::kMaxArgs);
  }
  for (int i = 0; i < defaults.argv_size(); ++i) {
    if (auto p = string_problem(defaults.argv(i), "defaults: argument " + std::to_string(i + 1)); !p.empty()) return p;
  }
  if (static_cast<uint64_t>(defaults.env_size()) > limits::kMaxArgs) {
    return "defaults: " + std::to_string(defaults.env_size()) + " environment entries, more than " +
           std::to_string(limits::kMaxArgs);
  }
  for (int i = 0; i < defaults.env_size(); ++i) {
    const std::string field = "defaults: environment entry " + std::to_string(i + 1);
    if (auto p = string_problem(defaults.env(i), field); !p.empty()) return p;
    const size_t equals = defaults.env(i).find('=');
    if (equals == std::string::npos || equals == 0) return field + " is not KEY=VALUE";
  }
  if (auto p = string_problem(defaults.cwd(), "defaults: working directory"); !p.empty()) return p;
  if (!defaults.cwd().empty() && defaults.cwd().front() != '/') {
    return "defaults: working directory \"" + defaults.cwd() + "\" is not absolute";
  }
  const uint64_t memory = defaults.memory_mib();
  if (memory != 0 && (memory < limits::kMinMemoryMib || memory > limits::kMaxMemoryMib)) {
    return "defaults: memory " + std::to_string(memory) + " MiB is outside " + std::to_string(limits::kMinMemoryMib) +
           ".." + std::to_string(limits::kMaxMemoryMib);
  }
  return {};
}

std::string manifest_problem(const v1::Manifest& manifest, uint64_t blob_area_size) {
  std::string why;
  if (!valid_image_name(manifest.name(), &why) || !valid_image_tag(manifest.tag(), &why)) return why;
  if (manifest.created_unix_seconds() < 0) {
    return "creation time " + std::to_string(manifest.created_unix_seconds()) + " is before 1970";
  }
  if (auto p = run_defaults_problem(manifest.defaults()); !p.empty()) return p;

  const int count = manifest.blobs_size();
  if (count == 0 || static_cast<uint32_t>(count) > limits::kMaxBlobs) {
    return std::to_string(count) + " blobs, expected 1.." + std::to_string(limits::kMaxBlobs);
  }
  bool seen[4] = {};
  uint64_t next_offset = 0;
  for (int i = 0; i < count; ++i) {
    const v1::Blob& blob = manifest.blobs(i);
    const std::string field = "blob " + std::to_string(i) + " (" + blob_kind_name(blob.kind()) + ")";
    if (blob.kind() < v1::BLOB_KIND_GUEST_ELF || blob.kind() > v1::BLOB_KIND_PROCESS_ELF) {
      return field + ": unknown blob kind (this monocell knows guest ELF, file tree, process ELF)";
    }
    if (seen[blob.kind()]) return field + ": a second blob of this kind";
    seen[blob.kind()] = true;
    if (blob.sha256().size() != 32) {
      return field + ": sha256 is " + std::to_string(blob.sha256().size()) + " bytes, expected 32";
    }
    if (blob.size() > limits::kMaxBlobSize) {
      return field + ": size " + std::to_string(blob.size()) + " is more than " + std::to_string(limits::kMaxBlobSize);
    }
    if (blob.offset() != next_offset) {
      return field + ": offset " + std::to_string(blob.offset()) + ", expected " + std::to_string(next_offset) +
             " (blobs lie back to back in manifest order)";
    }
    if (blob.compressed_size() == 0 || blob.compressed_size() > blob_area_size - next_offset) {
      return field + ": compressed size " + std::to_string(blob.compressed_size()) + " at offset " +
             std::to_string(blob.offset()) + " does not fit in the " + std::to_string(blob_area_size) +
             " bytes after the manifest";
    }
    next_offset += blob.compressed_size();
  }
  if (next_offset != blob_area_size) {
    return std::to_string(blob_area_size - next_offset) + " bytes after the last blob belong to none";
  }
  if (!seen[v1::BLOB_KIND_GUEST_ELF] && !seen[v1::BLOB_KIND_PROCESS_ELF]) {
    return "no guest ELF and no process ELF: nothing to run";
  }
  if (seen[v1::BLOB_KIND_GUEST_ELF] && manifest.guest_abi_version() == 0) {
    return "guest ABI version is 0 (an image with a guest ELF names the boot ABI it was built for)";
  }
  return {};
}

}  // namespace monocell::image
