// The app SDK's entry points, bound to the one Runtime the init creates.
#include "guest-libos/runtime/app.h"

#include <cstdio>
#include <cstdlib>

#include "guest-libos/runtime/app_registry.h"

namespace monocell::app {

Registration::Registration(App app) {
  App*& slot = registered_app_slot();
  if (slot != nullptr) {
    std::fprintf(stderr, "monocell: two apps registered in one image (%s and %s)\n", slot->name.c_str(),
                 app.name.c_str());
    std::abort();
  }
  slot = new App(std::move(app));  // lives as long as the process
}

void ready() {
  if (runtime::Runtime* rt = current_runtime()) rt->send_ready();
}

int serve() {
  runtime::Runtime* rt = current_runtime();
  return rt != nullptr ? rt->serve(*registered_app_slot()) : 0;
}

void poll() {
  if (runtime::Runtime* rt = current_runtime()) rt->poll(*registered_app_slot());
}

bool stop_requested() {
  runtime::Runtime* rt = current_runtime();
  return rt != nullptr && rt->stop_requested();
}

void request_stop(int code) {
  if (runtime::Runtime* rt = current_runtime()) rt->request_stop(code);
}

}  // namespace monocell::app
