// Finds what a backend starts for an app name: an image NAME[:TAG] in the image store first
// (orchestrator/stored_app.h); else for the process backend the app's host executable, for KVM
// its guest image. An APP containing '/' is taken as a path as it is.
#pragma once

#include <optional>
#include <string>

#include "orchestrator/stored_app.h"

namespace monocell {

struct ResolvedApp {
  std::string path;
  std::optional<StoredApp> image;  // when the app came from the image store
};

// Null, with the places looked in `why`, when there is no such app. `broken` (if given) is set
// when the store has an image by that name that cannot run (damaged, or lacking this
// hypervisor's ELF): `why` says so.
std::optional<ResolvedApp> resolve_app(const std::string& hypervisor, const std::string& app, std::string* why,
                                       bool* broken = nullptr);

}  // namespace monocell
