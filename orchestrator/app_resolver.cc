// Finds an app's executable or image by name.
#include "orchestrator/app_resolver.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace monocell {
namespace fs = std::filesystem;

namespace {

// Where this monocell is: a build tree's bin/, or an installation's PREFIX/bin/.
fs::path own_dir() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).parent_path();
}

// Apps built for the process backend: `apps/` beside a built monocell, PREFIX/lib/monocell/apps
// for an installed one.
fs::path process_app_dir() {
  if (const char* dir = std::getenv("MONOCELL_APP_DIR"); dir != nullptr && *dir != '\0') return dir;
  const fs::path installed = own_dir() / "../lib/monocell/apps";
  std::error_code ec;
  if (fs::is_directory(installed, ec)) return installed.lexically_normal();
  return own_dir() / "apps";
}

// The sample images: PREFIX/lib/monocell/images for an installed monocell, else the build's.
fs::path image_dir() {
  if (const char* dir = std::getenv("MONOCELL_IMAGE_DIR"); dir != nullptr && *dir != '\0') return dir;
  const fs::path installed = own_dir() / "../lib/monocell/images";
  std::error_code ec;
  if (fs::is_directory(installed, ec)) return installed.lexically_normal();
  return MONOCELL_DEFAULT_IMAGE_DIR;
}

}  // namespace

std::optional<ResolvedApp> resolve_app(const std::string& hypervisor, const std::string& app, std::string* why,
                                       bool* broken) {
  if (app.find('/') == std::string::npos) {
    StoredAppLookup stored = find_stored_app(hypervisor, app);
    if (stored.app) return ResolvedApp{stored.app->path, std::move(stored.app)};
    if (stored.broken) {
      *why = stored.why;
      if (broken != nullptr) *broken = true;
      return std::nullopt;
    }
  }
  std::vector<fs::path> candidates;
  if (app.find('/') != std::string::npos) {
    candidates.push_back(app);
  } else if (hypervisor == "process") {
    candidates.push_back(process_app_dir() / app);
  } else {
    candidates.push_back(image_dir() / (app + ".elf"));
    candidates.push_back(image_dir() / app);
  }
  std::string looked;
  for (const fs::path& p : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return ResolvedApp{fs::absolute(p).string(), std::nullopt};
    looked += (looked.empty() ? "" : ", ") + p.string();
  }
  *why = "no app named \"" + app + "\" for the " + hypervisor + " hypervisor (no such image in the store; looked for " +
         looked + ")";
  return std::nullopt;
}

}  // namespace monocell
