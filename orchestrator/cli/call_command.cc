// `monocell call NAME METHOD [PAYLOAD]`: the reply's payload goes to stdout as raw bytes.
#include "orchestrator/cli/call_command.h"

#include <poll.h>
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/control_socket.h"
#include "orchestrator/state_dir.h"

namespace monocell::cli {
namespace {

struct CallOptions {
  std::string name;
  std::string method;
  std::string payload;
  bool payload_from_stdin = false;
  double timeout_s = 30;
};

int call(const CallOptions& options) {
  std::string error;
  if (!valid_guest_name(options.name, &error)) {
    spdlog::error("invalid guest name \"{}\": {}", options.name, error);
    return 1;
  }
  const int fd = connect_control_socket(control_socket_of(options.name), &error);
  if (fd < 0) {
    spdlog::error("no running guest named \"{}\" ({}: {})", options.name, control_socket_of(options.name), error);
    return 1;
  }
  v1::Envelope request;
  request.set_id(1);
  request.mutable_call()->set_method(options.method);
  if (options.payload_from_stdin) {
    request.mutable_call()->set_payload(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  } else {
    request.mutable_call()->set_payload(options.payload);
  }
  v1::Envelope reply;
  pollfd p{fd, POLLIN, 0};
  const bool ok = send_envelope(fd, request, &error) &&
                  (::poll(&p, 1, static_cast<int>(options.timeout_s * 1000)) > 0 || (error = "no reply in time", false)) &&
                  receive_envelope(fd, &reply, &error);
  close(fd);
  if (!ok) {
    spdlog::error("call {} on {}: {}", options.method, options.name, error);
    return 1;
  }
  if (reply.has_error()) {
    spdlog::error("call {} on {}: {}", options.method, options.name, reply.error().message());
    return 1;
  }
  const auto& r = reply.call_reply();
  if (r.status() != v1::CALL_STATUS_OK) {
    spdlog::error("call {} on {}: {}{}{}", options.method, options.name, v1::CallStatus_Name(r.status()),
                  r.message().empty() ? "" : ": ", r.message());
    return 1;
  }
  std::cout.write(r.payload().data(), static_cast<std::streamsize>(r.payload().size()));
  std::cout.flush();
  return 0;
}

}  // namespace

void add_call_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<CallOptions>();
  CLI::App* cmd = app.add_subcommand("call", "Send a Call to a running guest and print the reply's payload");
  cmd->add_option("name", options->name, "The guest's name")->required();
  cmd->add_option("method", options->method, "The method the app registered")->required();
  cmd->add_option("payload", options->payload, "Payload bytes (default: empty)");
  cmd->add_flag("--stdin", options->payload_from_stdin, "Read the payload from standard input");
  cmd->add_option("--timeout", options->timeout_s, "Seconds to wait for the reply")->capture_default_str();
  cmd->callback([options, exit_code] { *exit_code = call(*options); });
}

}  // namespace monocell::cli
