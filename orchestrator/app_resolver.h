// Finds what a backend starts for an app name: for the process backend the app's host
// executable, for KVM its guest image. An APP containing '/' is taken as a path as it is.
#pragma once

#include <optional>
#include <string>

namespace monocell {

struct ResolvedApp {
  std::string path;
};

// Null, with the places looked in `why`, when there is no such app.
std::optional<ResolvedApp> resolve_app(const std::string& hypervisor, const std::string& app, std::string* why);

}  // namespace monocell
