// The rules for a path inside an image's file tree (file_tree_abi.h): relative, normalised,
// unable to name anything outside the tree, and outside the guest's own /tmp, /dev and /proc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace monocell::image {

// True when `path` may name an entry of a file tree; otherwise false with the reason in `why`.
bool valid_tree_path(std::string_view path, std::string* why);

// The tree path for where a user wants a file in the guest ("/etc/app.conf" or "etc/app.conf"
// gives "etc/app.conf"); null with the reason when it is not acceptable (empty, "/", "..").
std::optional<std::string> tree_path_for_guest_path(std::string_view guest_path, std::string* why);

// The path of the directory holding `path`; empty for an entry at the root.
std::string_view parent_of(std::string_view path);

}  // namespace monocell::image
