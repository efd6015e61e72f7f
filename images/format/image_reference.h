// An image reference, NAME[:TAG] (the tag defaults to "latest"), and the rules for names and
// tags: a name is [a-z0-9][a-z0-9._-]*, a tag [A-Za-z0-9_][A-Za-z0-9._-]*, each at most 128
// bytes. A name never holds '/', so `monocell run` tells an image from a path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace monocell::image {

inline constexpr char kDefaultTag[] = "latest";

struct ImageReference {
  std::string name;
  std::string tag = kDefaultTag;

  std::string text() const { return name + ":" + tag; }
  bool operator==(const ImageReference&) const = default;
};

bool valid_image_name(std::string_view name, std::string* why);
bool valid_image_tag(std::string_view tag, std::string* why);

// Parses NAME[:TAG]; null with the reason in `why`.
std::optional<ImageReference> parse_reference(std::string_view text, std::string* why);

}  // namespace monocell::image
