// Checking file tree paths.
#include "images/format/file_tree_path.h"

#include "images/format/image_limits.h"

namespace monocell::image {

bool valid_tree_path(std::string_view path, std::string* why) {
  if (path.empty()) {
    *why = "the path is empty";
    return false;
  }
  if (path.size() > limits::kMaxPathSize) {
    *why = "the path is " + std::to_string(path.size()) + " bytes, more than " + std::to_string(limits::kMaxPathSize);
    return false;
  }
  if (path.find('\0') != std::string_view::npos) {
    *why = "the path holds a NUL byte";
    return false;
  }
  if (path.front() == '/') {
    *why = "the path is absolute (tree paths are relative to the guest's root)";
    return false;
  }
  const std::string_view top = path.substr(0, path.find('/'));
  if (top == "tmp" || top == "dev" || top == "proc") {
    *why = "it lies in the guest's /" + std::string(top) +
           ", which the guest's library OS provides itself (/tmp, /dev and /proc cannot come from an image)";
    return false;
  }
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view component = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (component.empty()) {
      *why = "the path has an empty component (\"//\" or a trailing '/')";
      return false;
    }
    if (component == "." || component == "..") {
      *why = "the path has a \"" + std::string(component) + "\" component";
      return false;
    }
    if (component.size() > limits::kMaxPathComponentSize) {
      *why = "a component of the path is " + std::to_string(component.size()) + " bytes, more than " +
             std::to_string(limits::kMaxPathComponentSize);
      return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::optional<std::string> tree_path_for_guest_path(std::string_view guest_path, std::string* why) {
  if (!guest_path.empty() && guest_path.front() == '/') guest_path.remove_prefix(1);
  if (guest_path.empty()) {
    *why = "it names the root directory, not a file";
    return std::nullopt;
  }
  if (!valid_tree_path(guest_path, why)) return std::nullopt;
  return std::string(guest_path);
}

std::string_view parent_of(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

}  // namespace monocell::image
