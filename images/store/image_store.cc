// The image store on disk.
#include "images/store/image_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "images/format/image_error.h"
#include "images/format/image_header.h"
#include "images/format/image_limits.h"
#include "images/format/manifest_check.h"

namespace monocell::image {
namespace {

constexpr char kIdPrefix[] = "sha256:";
constexpr size_t kMinIdPrefixDigits = 12;

// Names in a directory (not "." or ".."); none if it does not exist.
std::vector<std::string> directory_entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return names;
    throw_errno("read directory", dir);
  }
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_small_file(const std::string& path, uint64_t limit, const std::string& what) {
  FileSource file = [&] {
    try {
      return FileSource::open(path);
    } catch (const ImageError& e) {
      // Something other than a regular file where the store keeps one: a damaged entry.
      if (e.kind() == ImageError::Kind::kInvalidInput) throw_corrupt(what + " " + path + " is not a regular file");
      throw;
    }
  }();
  if (file.size() > limit) {
    throw_corrupt(what + " " + path + " is " + std::to_string(file.size()) + " bytes, more than " + std::to_string(limit));
  }
  std::string bytes(file.size(), '\0');
  file.read_at(0, {reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()});
  return bytes;
}

// "sha256:<64 hex>\n" -> the digest.
std::optional<Sha256Digest> parse_reference_file(const std::string& text) {
  const std::string_view view(text);
  const size_t prefix = sizeof kIdPrefix - 1;
  if (view.size() != prefix + 64 + 1 || view.substr(0, prefix) != kIdPrefix || view.back() != '\n') return std::nullopt;
  Sha256Digest id;
  if (!parse_hex(view.substr(prefix, 64), &id)) return std::nullopt;
  return id;
}

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Removes a file and adds its size to `bytes`; false if it was not there.
bool remove_file(const std::string& path, uint64_t* bytes) {
  struct stat st {};
  const bool known = ::lstat(path.c_str(), &st) == 0;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return false;
    throw_errno("remove", path);
  }
  if (known) *bytes += static_cast<uint64_t>(st.st_size);
  return true;
}

}  // namespace

uint64_t StoredImage::file_size() const {
  uint64_t size = kHeaderSize + manifest_bytes.size();
  for (const BlobLocation& blob : blobs) size += blob.digest.compressed_size;
  return size;
}

uint64_t StoredImage::content_size() const {
  uint64_t size = 0;
  for (const BlobLocation& blob : blobs) size += blob.digest.size;
  return size;
}

std::string image_id_text(const Sha256Digest& id) { return kIdPrefix + to_hex(id); }

std::string ImageStore::default_root() {
  if (const char* chosen = std::getenv("MONOCELL_IMAGE_STORE"); chosen != nullptr && *chosen != '\0') return chosen;
  if (::geteuid() == 0) return "/var/lib/monocell/images";
  if (const char* data = std::getenv("XDG_DATA_HOME"); data != nullptr && data[0] == '/') {
    return std::string(data) + "/monocell/images";
  }
  // (HOME, not the password database: the CLI is linked statically, without NSS.)
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] != '/') {
    throw_invalid("cannot place the image store: neither MONOCELL_IMAGE_STORE, XDG_DATA_HOME nor HOME is set");
  }
  return std::string(home) + "/.local/share/monocell/images";
}

ImageStore::ImageStore(std::string root) : root_(std::move(root)) {}

std::string ImageStore::lock_path() const { return root_ + "/lock"; }
std::string ImageStore::temp_dir() const { return root_ + "/tmp"; }
std::string ImageStore::manifest_path(const Sha256Digest& id) const { return root_ + "/manifests/sha256/" + to_hex(id); }
std::string ImageStore::reference_path(const ImageReference& reference) const {
  return root_ + "/refs/" + reference.name + "/" + reference.tag;
}
std::string ImageStore::blob_path(const BlobLocation& blob) const {
  return root_ + "/blobs/sha256/" + to_hex(blob.digest.sha256) + "." + std::to_string(blob.digest.compressed_size) + ".lz4";
}

std::optional<Sha256Digest> ImageStore::find(const ImageReference& reference) const {
  const std::string path = reference_path(reference);
  // Most runs name an app that is not in the store: answer that without an exception (the first
  // one thrown in a process costs about a millisecond of unwinder set-up).
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) return std::nullopt;
  std::string text;
  try {
    text = read_small_file(path, 128, "reference");
  } catch (const ImageError& e) {
    if (e.kind() == ImageError::Kind::kNotFound) return std::nullopt;
    throw;
  }
  auto id = parse_reference_file(text);
  if (!id) throw_corrupt("reference " + reference.text() + " (" + path + ") does not hold \"sha256:<64 hex digits>\"");
  return id;
}

Sha256Digest ImageStore::resolve(const std::string& text) const {
  std::string why;
  const auto reference = parse_reference(text, &why);
  if (reference) {
    if (auto id = find(*reference)) return *id;
  }
  std::string_view digits(text);
  if (digits.starts_with(kIdPrefix)) digits.remove_prefix(sizeof kIdPrefix - 1);
  const bool id_like = digits.size() >= kMinIdPrefixDigits && digits.size() <= 64 && is_hex(digits);
  if (id_like) {
    std::vector<Sha256Digest> matches;
    for (const std::string& name : directory_entries(root_ + "/manifests/sha256")) {
      Sha256Digest id;
      if (name.starts_with(digits) && parse_hex(name, &id)) matches.push_back(id);
    }
    if (matches.size() == 1) return matches.front();
    if (matches.size() > 1) throw_invalid("image ID " + text + " is ambiguous: " + std::to_string(matches.size()) + " images start with it");
  }
  if (reference || id_like) {
    throw ImageError(ImageError::Kind::kNoSuchImage,
                     "no such image: " + (reference ? reference->text() : text) + " (in the image store " + root_ + ")");
  }
  throw_invalid("\"" + text + "\" is neither NAME[:TAG] nor an image ID: " + why);
}

StoredImage ImageStore::read(const Sha256Digest& id) const {
  const std::string path = manifest_path(id);
  StoredImage image;
  image.id = id;
  try {
    image.manifest_bytes = read_small_file(path, limits::kMaxManifestSize, "manifest");
  } catch (const ImageError& e) {
    if (e.kind() == ImageError::Kind::kNotFound) {
      throw_corrupt("image " + image_id_text(id) + " is not in the store (" + path + " is missing)");
    }
    throw;
  }
  const std::string what = "stored image " + image_id_text(id) + " (" + path + ")";
  if (Sha256::of(image.manifest_bytes) != id) throw_corrupt(what + ": the manifest's sha256 is not its name");
  if (!image.manifest.ParseFromString(image.manifest_bytes)) throw_corrupt(what + ": not a valid protobuf Manifest");
  uint64_t area = 0;
  for (const v1::Blob& blob : image.manifest.blobs()) {
    if (blob.compressed_size() > limits::kMaxImageFileSize) throw_corrupt(what + ": a blob larger than an image may be");
    area += blob.compressed_size();
  }
  if (const std::string problem = manifest_problem(image.manifest, area); !problem.empty()) {
    throw_corrupt(what + ": manifest: " + problem);
  }
  image.blobs = blob_locations(image.manifest, kHeaderSize + image.manifest_bytes.size());
  return image;
}

std::vector<StoredReference> ImageStore::references(std::vector<std::string>* problems) const {
  std::vector<StoredReference> found;
  for (const std::string& name : directory_entries(root_ + "/refs")) {
    std::string why;
    if (!valid_image_name(name, &why)) {
      problems->push_back("ignored " + root_ + "/refs/" + name + ": " + why);
      continue;
    }
    for (const std::string& tag : directory_entries(root_ + "/refs/" + name)) {
      if (!valid_image_tag(tag, &why)) {
        if (!tag.starts_with(".tmp-")) problems->push_back("ignored " + root_ + "/refs/" + name + "/" + tag + ": " + why);
        continue;
      }
      const ImageReference reference{name, tag};
      try {
        if (auto id = find(reference)) found.push_back({reference, *id});
      } catch (const ImageError& e) {
        problems->push_back(e.what());
      }
    }
  }
  return found;
}

std::vector<ImageReference> ImageStore::references_to(const Sha256Digest& id) const {
  std::vector<std::string> ignored;
  std::vector<ImageReference> matching;
  for (const StoredReference& r : references(&ignored)) {
    if (r.id == id) matching.push_back(r.reference);
  }
  return matching;
}

FileSource ImageStore::open_blob(const BlobLocation& blob) const {
  const std::string path = blob_path(blob);
  FileSource file = [&] {
    try {
      return FileSource::open(path);
    } catch (const ImageError& e) {
      if (e.kind() != ImageError::Kind::kNotFound) throw;
      throw_corrupt("the store lacks the image's blob " + std::to_string(blob.index) + " (" + path + " is missing)");
    }
  }();
  if (file.size() != blob.digest.compressed_size) {
    throw_corrupt("stored blob " + path + " is " + std::to_string(file.size()) + " bytes, expected " +
                  std::to_string(blob.digest.compressed_size));
  }
  return file;
}

AtomicFile ImageStore::temp_file() const {
  make_directories(temp_dir());
  return AtomicFile(temp_dir());
}

void ImageStore::commit_blob(AtomicFile& file, const BlobDigest& digest) const {
  BlobLocation location;
  location.digest = digest;
  make_directories(root_ + "/blobs/sha256");
  file.commit(blob_path(location));
}

Sha256Digest ImageStore::put_manifest(const std::string& manifest_bytes) const {
  const Sha256Digest id = Sha256::of(manifest_bytes);
  AtomicFile file = temp_file();
  file.sink().write(as_bytes(manifest_bytes));
  make_directories(root_ + "/manifests/sha256");
  file.commit(manifest_path(id));
  return id;
}

void ImageStore::set_reference(const ImageReference& reference, const Sha256Digest& id) const {
  const std::string dir = root_ + "/refs/" + reference.name;
  make_directories(dir);
  // Written beside its target: the name's directory is then never empty while it is in use.
  AtomicFile file(dir);
  file.sink().write(as_bytes(image_id_text(id) + "\n"));
  file.commit(reference_path(reference));
}

bool ImageStore::remove_reference(const ImageReference& reference) const {
  const std::string path = reference_path(reference);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return false;
    throw_errno("remove reference", path);
  }
  // The name's directory goes with its last tag.
  const std::string dir = root_ + "/refs/" + reference.name;
  if (::rmdir(dir.c_str()) == 0) {
    sync_directory(root_ + "/refs");
  } else if (errno == ENOTEMPTY || errno == EEXIST) {
    sync_directory(dir);
  } else {
    throw_errno("remove directory", dir);
  }
  return true;
}

ImageStore::Removal ImageStore::collect_garbage(const std::optional<Sha256Digest>& only) const {
  Removal removal;
  std::set<Sha256Digest> referenced;
  for (const StoredReference& r : references(&removal.problems)) referenced.insert(r.id);

  std::set<std::string> used_blobs;  // by every image that stays
  std::set<std::string> removed_images_blobs;
  const std::string manifests = root_ + "/manifests/sha256";
  for (const std::string& name : directory_entries(manifests)) {
    Sha256Digest id;
    if (!parse_hex(name, &id) || !is_hex(name)) {
      removal.problems.push_back("ignored " + manifests + "/" + name + ": not named by a sha256");
      continue;
    }
    const bool remove = !referenced.contains(id) && (!only || *only == id);
    std::optional<StoredImage> image;
    try {
      image = read(id);
    } catch (const ImageError& e) {
      removal.problems.push_back(e.what());
    }
    if (image) {
      for (const BlobLocation& blob : image->blobs) (remove ? removed_images_blobs : used_blobs).insert(blob_path(blob));
    }
    if (remove && remove_file(manifests + "/" + name, &removal.bytes)) ++removal.images;
  }

  const std::string blobs = root_ + "/blobs/sha256";
  for (const std::string& name : directory_entries(blobs)) {
    const std::string path = blobs + "/" + name;
    if (used_blobs.contains(path)) continue;
    if (only && !removed_images_blobs.contains(path)) continue;
    if (remove_file(path, &removal.bytes)) ++removal.blobs;
  }
  if (!only) {
    for (const std::string& name : directory_entries(temp_dir())) {
      if (remove_file(temp_dir() + "/" + name, &removal.bytes)) ++removal.temp_files;
    }
    // Temporary files beside references, left by a write that never finished.
    for (const std::string& name : directory_entries(root_ + "/refs")) {
      for (const std::string& tag : directory_entries(root_ + "/refs/" + name)) {
        if (tag.starts_with(".tmp-") && remove_file(root_ + "/refs/" + name + "/" + tag, &removal.bytes)) ++removal.temp_files;
      }
    }
  }
  return removal;
}

}  // namespace monocell::image
