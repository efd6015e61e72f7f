// Guest IDs and their resolution.
#include "orchestrator/guest_id.h"

#include <sys/random.h>

#include <stdexcept>

namespace monocell {

std::string new_guest_id() {
  unsigned char bytes[kGuestIdLength / 2];
  size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) throw std::runtime_error("getrandom failed: cannot make a guest ID");
    got += static_cast<size_t>(n);
  }
  static const char digits[] = "0123456789abcdef";
  std::string id;
  for (const unsigned char b : bytes) {
    id += digits[b >> 4];
    id += digits[b & 15];
  }
  return id;
}

std::string short_id(const std::string& id) { return id.substr(0, kShortIdLength); }

bool is_guest_id(const std::string& text) {
  if (text.size() != kGuestIdLength) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<GuestRef> resolve_guest_reference(const std::string& reference, const std::vector<GuestRef>& guests,
                                                std::string* error) {
  if (reference.empty()) {
    *error = "an empty guest name or ID";
    return std::nullopt;
  }
  for (const GuestRef& g : guests) {
    if (g.id == reference) return g;
  }
  for (const GuestRef& g : guests) {
    if (g.name == reference) return g;
  }
  std::vector<const GuestRef*> matches;
  for (const GuestRef& g : guests) {
    if (g.id.compare(0, reference.size(), reference) == 0) matches.push_back(&g);
  }
  if (matches.size() == 1) return *matches.front();
  if (matches.empty()) {
    *error = "no guest named \"" + reference + "\" and no guest ID starts with \"" + reference +
             "\" (monocell ps -a lists them)";
    return std::nullopt;
  }
  *error = "\"" + reference + "\" is the start of " + std::to_string(matches.size()) + " guest IDs (";
  for (size_t i = 0; i < matches.size(); ++i) {
    if (i > 0) *error += ", ";
    *error += short_id(matches[i]->id) + " " + matches[i]->name;
  }
  *error += "): give more of the ID, or the name";
  return std::nullopt;
}

}  // namespace monocell
