// The app SDK: how a guest app registers itself with the monocell runtime.
//
//   static int my_main(int argc, char** argv) { ...; return monocell::app::serve(); }
//   static const monocell::app::Registration app{{
//       .name = "echo",
//       .main = my_main,
//       .calls = {{"echo", [](const std::string& p) { return monocell::app::CallResult::ok(p); }}},
//   }};
//
// The init (guest-libos/init) owns the process's real main(): it runs the handshake with the
// host, then calls the registered main with the argv the host sent. Calls, signals and stats
// requests are serviced whenever the app is inside serve() (or poll()): one thread, no locks,
// the same inside a VM and as a host process.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "protocol/monocell.pb.h"

namespace monocell::app {

struct CallResult {
  v1::CallStatus status = v1::CALL_STATUS_OK;
  std::string payload;
  std::string message;  // detail when status is not OK

  static CallResult ok(std::string payload) { return {v1::CALL_STATUS_OK, std::move(payload), {}}; }
  static CallResult failed(std::string message) { return {v1::CALL_STATUS_FAILED, {}, std::move(message)}; }
};

using CallHandler = std::function<CallResult(const std::string& payload)>;
// Runs when the host delivers a signal. Without it, a handler the app installed with sigaction()
// runs (SIG_IGN: nothing happens); with neither, SIGTERM, SIGINT and SIGHUP ask serve() to
// return 128 + N.
using SignalHandler = std::function<void(int signal)>;

struct App {
  std::string name;
  std::function<int(int argc, char** argv)> main;
  std::map<std::string, CallHandler> calls;
  SignalHandler on_signal;  // optional
  // False: the host hears that the app is ready when its main starts. True: only when the app
  // calls ready() -- what `monocell run` under systemd reports as READY=1.
  bool tells_ready = false;
};

// Registers the app from a static initializer. One app per image.
struct Registration {
  explicit Registration(App app);
};

// Tells the host the app is ready to serve (for an app registered with tells_ready); later
// calls do nothing.
void ready();

// Services the host (Calls, signals, stats) until the app is asked to stop; returns the exit
// code a stopped app should return: 0 after Shutdown, 128 + N after signal N.
int serve();

// Services whatever the host sent so far, without waiting.
void poll();

// True once the host asked the app to stop (Shutdown, or SIGTERM/SIGINT by default).
bool stop_requested();

// Asks serve() to return `code` (e.g. from a Call handler or a signal handler).
void request_stop(int code);

}  // namespace monocell::app
