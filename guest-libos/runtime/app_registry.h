// Where the registered app and the running Runtime are kept (one of each per process).
#pragma once

#include "guest-libos/runtime/app.h"
#include "guest-libos/runtime/runtime.h"

namespace monocell::app {

// The app a Registration stored, or null.
inline App*& registered_app_slot() {
  static App* app = nullptr;
  return app;
}

inline runtime::Runtime*& current_runtime_slot() {
  static runtime::Runtime* rt = nullptr;
  return rt;
}
inline runtime::Runtime* current_runtime() { return current_runtime_slot(); }

}  // namespace monocell::app
