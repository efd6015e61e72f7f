// `monocell call NAME|ID METHOD [PAYLOAD | --stdin]`: the reply's payload goes to stdout as raw bytes.
#include <iostream>
#include <iterator>
#include <memory>

#include <spdlog/spdlog.h>

#include "orchestrator/cli/guest_commands.h"
#include "orchestrator/cli/guest_lookup.h"

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
  auto client = connect_guest(options.name);
  if (!client) return kVerbFailed;
  v1::Envelope request;
  request.mutable_call()->set_method(options.method);
  request.mutable_call()->set_payload(options.payload_from_stdin
                                          ? std::string(std::istreambuf_iterator<char>(std::cin), {})
                                          : options.payload);
  v1::Envelope reply;
  if (!client->request(request, &reply, static_cast<int>(options.timeout_s * 1000), &error)) {
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
  cmd->add_option("guest", options->name, "NAME, ID or unique ID prefix of the guest")->required();
  cmd->add_option("method", options->method, "The method the app registered")->required();
  cmd->add_option("payload", options->payload, "Payload bytes (default: empty)");
  cmd->add_flag("--stdin", options->payload_from_stdin, "Read the payload from standard input");
  cmd->add_option("--timeout", options->timeout_s, "Seconds to wait for the reply")->capture_default_str();
  cmd->callback([options, exit_code] { *exit_code = call(*options); });
}

}  // namespace monocell::cli
