// The init: the process's real main(). It finds the platform, runs the handshake, starts the
// registered app with the argv and environment the host sent, and reports its exit code.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "guest-libos/runtime/app_registry.h"
#include "guest-libos/runtime/runtime.h"

using namespace monocell;

namespace {

// Exit codes of the init itself, before the app runs (docker's convention).
constexpr int kInitFailed = 125;
constexpr int kCannotRun = 126;
constexpr int kUncaughtException = 134;  // 128 + SIGABRT, as abort() would show

void apply_environment(const runtime::StartRequest& start) {
  for (const std::string& entry : start.env) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    setenv(entry.substr(0, eq).c_str(), entry.substr(eq + 1).c_str(), 1);
  }
  if (!start.cwd.empty() && chdir(start.cwd.c_str()) != 0) {
    std::fprintf(stderr, "monocell init: cannot enter %s; staying in the current directory\n", start.cwd.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  app::App* app = app::registered_app_slot();
  const char* self = argc > 0 ? argv[0] : "app";
  if (app == nullptr || !app->main) {
    std::fprintf(stderr, "monocell init: %s registers no app (see guest-libos/runtime/app.h)\n", self);
    return kCannotRun;
  }
  std::string why;
  std::unique_ptr<runtime::Platform> platform = runtime::detect_platform(&why);
  if (platform == nullptr) {
    std::fprintf(stderr, "monocell init: %s was not started by monocell (%s); run it with `monocell run %s`\n",
                 self, why.c_str(), app->name.c_str());
    return kCannotRun;
  }
  std::unique_ptr<runtime::Runtime> rt = runtime::Runtime::attach(std::move(platform), &why);
  if (rt == nullptr) {
    std::fprintf(stderr, "monocell init: %s\n", why.c_str());
    return kInitFailed;
  }
  runtime::StartRequest start;
  if (!rt->handshake(*app, &start, &why)) {
    std::fprintf(stderr, "monocell init: handshake failed: %s\n", why.c_str());
    return kInitFailed;
  }
  apply_environment(start);
  if (start.argv.empty()) start.argv.push_back(app->name);
  std::vector<char*> args;
  for (std::string& a : start.argv) args.push_back(a.data());
  args.push_back(nullptr);

  app::current_runtime_slot() = rt.get();
  if (!app->tells_ready) rt->send_ready();
  int code;
  try {
    code = app->main(static_cast<int>(start.argv.size()), args.data());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: uncaught exception: %s\n", app->name.c_str(), e.what());
    code = kUncaughtException;
  }
  rt->send_exit(code);
  app::current_runtime_slot() = nullptr;
  return code;
}
