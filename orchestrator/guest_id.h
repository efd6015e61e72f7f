// A guest's ID (64 lowercase hex digits, shown shortened to 12 as docker does) and how a
// name, a full ID or a unique ID prefix given on the command line resolves to one guest.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace monocell {

inline constexpr size_t kGuestIdLength = 64;
inline constexpr size_t kShortIdLength = 12;

// A fresh random ID, from the kernel's getrandom.
std::string new_guest_id();
std::string short_id(const std::string& id);
bool is_guest_id(const std::string& text);

struct GuestRef {
  std::string name;
  std::string id;
};

// Resolves `reference` among `guests`: a full ID first, then a name, then a unique prefix of
// an ID. None with `error` (naming what matched, or that nothing did) otherwise.
std::optional<GuestRef> resolve_guest_reference(const std::string& reference, const std::vector<GuestRef>& guests,
                                                std::string* error);

}  // namespace monocell
