// Parsing and checking image references.
#include "images/format/image_reference.h"

#include "images/format/image_limits.h"

namespace monocell::image {
namespace {

bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool letter_or_digit(char c) { return lower_or_digit(c) || (c >= 'A' && c <= 'Z'); }

bool valid_word(std::string_view word, const char* what, bool (*first_ok)(char), bool (*rest_ok)(char),
                const char* rule, std::string* why) {
  if (word.empty()) {
    *why = std::string("the ") + what + " is empty";
    return false;
  }
  if (word.size() > limits::kMaxNameSize) {
    *why = std::string("the ") + what + " is " + std::to_string(word.size()) + " bytes, more than " +
           std::to_string(limits::kMaxNameSize);
    return false;
  }
  for (size_t i = 0; i < word.size(); ++i) {
    if (!(i == 0 ? first_ok : rest_ok)(word[i])) {
      *why = std::string("the ") + what + " \"" + std::string(word) + "\" does not match " + rule;
      return false;
    }
  }
  return true;
}

}  // namespace

bool valid_image_name(std::string_view name, std::string* why) {
  return valid_word(
      name, "image name", lower_or_digit, [](char c) { return lower_or_digit(c) || c == '.' || c == '_' || c == '-'; },
      "[a-z0-9][a-z0-9._-]*", why);
}

bool valid_image_tag(std::string_view tag, std::string* why) {
  return valid_word(
      tag, "tag", [](char c) { return letter_or_digit(c) || c == '_'; },
      [](char c) { return letter_or_digit(c) || c == '.' || c == '_' || c == '-'; }, "[A-Za-z0-9_][A-Za-z0-9._-]*",
      why);
}

std::optional<ImageReference> parse_reference(std::string_view text, std::string* why) {
  ImageReference reference;
  const size_t colon = text.find(':');
  reference.name = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) reference.tag = std::string(text.substr(colon + 1));
  if (!valid_image_name(reference.name, why) || !valid_image_tag(reference.tag, why)) return std::nullopt;
  return reference;
}

}  // namespace monocell::image
