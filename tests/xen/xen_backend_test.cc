// The Xen backend on a real Xen (dom0 of the Xen rig): a real image's rendezvous and a ring
// round trip, exit codes, a crash's fault report, a guest that never publishes, and kill() and
// end() leaving no domain behind. Skips outside a dom0 unless MONOCELL_REQUIRE_XEN=1.
#include <catch2/catch.hpp>

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hypervisors/xen/xen_backend.h"
#include "orchestrator/guest_channel.h"
#include "tests/support/command.h"
#include "tests/xen/xen_test_support.h"

using monocell::GuestChannel;
using monocell::GuestConfig;
using monocell::GuestEnd;
using monocell::XenBackend;
namespace v1 = monocell::v1;
namespace xt = monocell::xen::test;

namespace {

constexpr int kGuestTimeoutMs = 120'000;  // a whole guest's life under QEMU's emulation

GuestConfig config_for(const std::string& app, std::vector<std::string> argv = {}) {
  GuestConfig config;
  config.name = "xt-" + app + "-" + std::to_string(getpid());
  config.hypervisor = "xen";
  config.app = app;
  config.image = xt::image_path(app);
  config.argv = argv.empty() ? std::vector<std::string>{app} : std::move(argv);
  config.memory_mib = 64;
  return config;
}

std::unique_ptr<XenBackend> start(const GuestConfig& config) {
  std::string error;
  auto backend = XenBackend::start(config, &error);
  INFO("start: " << error);
  REQUIRE(backend != nullptr);
  return backend;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// Drives the host's side of the rings by hand, as the monitor does.
struct Driver {
  XenBackend& backend;
  std::unique_ptr<GuestChannel> channel;
  std::string output;  // what the guest wrote on its stdout and stderr rings
  bool ended = false;

  explicit Driver(XenBackend& b) : backend(b) {
    std::string error;
    channel = GuestChannel::attach(b, &error);
    INFO(error);
    REQUIRE(channel != nullptr);
  }

  void drain_output() {
    for (;;) {
      GuestChannel::Output out;
      if (!channel->read_output(&out).ok()) break;
      output.append(reinterpret_cast<const char*>(out.data), out.length);
    }
    channel->release();
  }

  // The guest's next Envelope, or nullopt once the guest ended (or the time ran out).
  std::optional<v1::Envelope> next(int timeout_ms = kGuestTimeoutMs) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      drain_output();
      v1::Envelope message;
      const auto s = channel->receive(&message);
      channel->release();
      if (s.ok()) return message;
      REQUIRE(s.code == monocell::protocol::EnvelopeStatus::Code::kEmpty);
      if (ended) return std::nullopt;
      if (!channel->prepare_sleep()) {
        channel->finish_sleep();
        continue;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd fds[2] = {{backend.host_wakeup_fd(), POLLIN, 0}, {backend.end_fd(), POLLIN, 0}};
      ::poll(fds, 2, static_cast<int>(left.count()));
      channel->finish_sleep();
      if (fds[0].revents != 0) backend.consume_host_wakeup();
      if (fds[1].revents != 0) ended = true;  // one more look at the rings, then stop
    }
  }

  // Hello -> Welcome + Start, then Ready.
  void handshake(const GuestConfig& config) {
    const auto hello = next();
    REQUIRE(hello);
    REQUIRE(hello->has_hello());
    v1::Envelope welcome;
    v1::Envelope start;
    std::string why;
    REQUIRE(monocell::answer_hello(hello->hello(), config, &welcome, &start, &why));
    REQUIRE(channel->send(welcome, hello->id()).ok());
    REQUIRE(channel->send(start).ok());
  }
};

GuestEnd end_of(XenBackend& backend) {
  REQUIRE(wait_readable(backend.end_fd(), kGuestTimeoutMs));
  return backend.end();
}

}  // namespace

TEST_CASE("xen: hello boots, meets the monitor in xenstore, greets over the rings and exits with its code") {
  if (!xt::xen_or_skip()) return;
  const GuestConfig config = config_for("hello", {"hello", "42"});
  auto backend = start(config);
  REQUIRE(backend->domid());
  CHECK(xt::domain_exists("monocell-" + config.name));
  Driver driver(*backend);
  driver.handshake(config);
  std::optional<v1::Envelope> message;
  while ((message = driver.next()) && !message->has_exit()) {
  }
  REQUIRE(message);
  CHECK(message->exit().code() == 42);
  REQUIRE(wait_readable(backend->end_fd(), kGuestTimeoutMs));
  driver.drain_output();  // the region is the guest's pages: readable until end()
  const GuestEnd end = backend->end();
  INFO(end.report);
  CHECK(end.kind == GuestEnd::Kind::kExited);
  CHECK(end.code == 42);  // from the exit key, as the Exit message said
  CHECK_THAT(driver.output, Catch::Contains("Hello from monocell!") && Catch::Contains("argv (2): hello 42"));
  CHECK_FALSE(backend->domid());
  CHECK_FALSE(xt::domain_exists("monocell-" + config.name));
}

TEST_CASE("xen: echo answers a Call over the rings and exits 0 after a Shutdown") {
  if (!xt::xen_or_skip()) return;
  const GuestConfig config = config_for("echo");
  auto backend = start(config);
  Driver driver(*backend);
  driver.handshake(config);
  auto ready = driver.next();
  REQUIRE(ready);
  REQUIRE(ready->has_ready());
  for (int i = 0; i < 3; ++i) {
    v1::Envelope call;
    call.mutable_call()->set_method("echo");
    call.mutable_call()->set_payload("round trip " + std::to_string(i));
    uint64_t id = 0;
    REQUIRE(driver.channel->send(call, 0, &id).ok());
    const auto reply = driver.next();
    REQUIRE(reply);
    REQUIRE(reply->has_call_reply());
    CHECK(reply->reply_to() == id);
    CHECK(reply->call_reply().payload() == "round trip " + std::to_string(i));
  }
  v1::Envelope shutdown;
  shutdown.mutable_shutdown()->set_grace_period_ms(5000);
  REQUIRE(driver.channel->send(shutdown).ok());
  std::optional<v1::Envelope> message;
  while ((message = driver.next()) && !message->has_exit()) {
  }
  REQUIRE(message);
  CHECK(message->exit().code() == 0);
  const GuestEnd end = end_of(*backend);
  CHECK(end.kind == GuestEnd::Kind::kExited);
  CHECK(end.code == 0);
  xt::require_no_monocell_domain();
}

TEST_CASE("xen: a guest's page fault ends it with the registers and what it said on its console") {
  if (!xt::xen_or_skip()) return;
  const GuestConfig config = config_for("test-null-deref");
  auto backend = start(config);
  const GuestEnd end = end_of(*backend);
  INFO(end.report);
  CHECK(end.kind == GuestEnd::Kind::kFault);
  CHECK(end.code == 139);
  CHECK_THAT(end.report, Catch::Contains("guest fault (the domain crashed)"));
  CHECK_THAT(end.report, Catch::Contains("vector 14 (#PF page fault)") && Catch::Contains("cr2 (fault address) 0,"));
  CHECK_THAT(end.report, Catch::Contains("in ring 3") && Catch::Contains("rip="));
  CHECK_THAT(end.report, Catch::Contains("its console said") && Catch::Contains("monocell: guest fault: vector 14"));
  CHECK_FALSE(xt::domain_exists("monocell-" + config.name));
}

TEST_CASE("xen: a guest that never publishes its rings is ended after the start timeout") {
  if (!xt::xen_or_skip()) return;
  monocell::testing::TempDir dir;
  GuestConfig config = config_for("spinning");
  config.image = xt::write_spinning_pvh_image(dir.path());
  ::setenv(XenBackend::kStartTimeoutVariable, "3", 1);
  const auto started = std::chrono::steady_clock::now();
  auto backend = start(config);
  ::unsetenv(XenBackend::kStartTimeoutVariable);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // start() itself returned once the limit passed, with the end already known.
  CHECK(waited >= 3);
  CHECK(wait_readable(backend->end_fd(), 0));
  CHECK(xt::domain_exists("monocell-" + config.name));  // paused, until end()
  const GuestEnd end = backend->end();
  INFO(end.report);
  CHECK(end.kind == GuestEnd::Kind::kCannotStart);
  CHECK(end.code == 126);
  CHECK_THAT(end.report, Catch::Contains("did not publish its rings") && Catch::Contains("within 3.0 s") &&
                             Catch::Contains("MONOCELL_XEN_START_TIMEOUT_S"));
  CHECK_FALSE(xt::domain_exists("monocell-" + config.name));
}

TEST_CASE("xen: kill() stops a running guest, and end() reports SIGKILL and leaves no domain") {
  if (!xt::xen_or_skip()) return;
  const GuestConfig config = config_for("echo");
  auto backend = start(config);
  const std::string domain = "monocell-" + config.name;
  REQUIRE(xt::domain_exists(domain));
  backend->kill();
  CHECK(wait_readable(backend->end_fd(), 1000));
  CHECK(xt::domain_exists(domain));  // paused with its grants mapped: destroyed by end()
  const GuestEnd end = backend->end();
  CHECK(end.kind == GuestEnd::Kind::kSignaled);
  CHECK(end.signal == SIGKILL);
  CHECK(end.code == 137);
  CHECK_FALSE(xt::domain_exists(domain));
  // Once more: the same end, nothing else.
  CHECK(backend->end().code == 137);
}

TEST_CASE("xen: end() without an end, and the backend's destructor, leave no domain") {
  if (!xt::xen_or_skip()) return;
  const GuestConfig config = config_for("echo");
  const std::string domain = "monocell-" + config.name;
  {
    auto backend = start(config);
    const GuestEnd end = backend->end();
    CHECK(end.code == 137);
    CHECK_FALSE(xt::domain_exists(domain));
  }
  {
    auto backend = start(config);  // the same name again: the first domain is gone
    REQUIRE(xt::domain_exists(domain));
  }
  CHECK_FALSE(xt::domain_exists(domain));
  xt::require_no_monocell_domain();
}

TEST_CASE("xen: an image without a PVH note cannot start, and no domain is made") {
  if (!xt::xen_or_skip()) return;
  monocell::testing::TempDir dir;
  GuestConfig config = config_for("not-an-image");
  config.image = dir.path() + "/not-an-image";
  {
    std::ofstream(config.image) << "#!/bin/sh\necho not a guest\n";
  }
  auto backend = start(config);
  REQUIRE(wait_readable(backend->end_fd(), 0));
  const GuestEnd end = backend->end();
  CHECK(end.kind == GuestEnd::Kind::kCannotStart);
  CHECK(end.code == 126);
  CHECK_FALSE(xt::domain_exists("monocell-" + config.name));
}

namespace {

// Plays a hostile guest's part in xenstore: once the domain `name` exists, writes `keys` into its
// data/monocell directory (dom0 may write there too), state last.
std::thread publish_for(const std::string& name, std::vector<std::pair<std::string, std::string>> keys) {
  return std::thread([name, keys] {
    std::optional<uint32_t> domid;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!domid && std::chrono::steady_clock::now() < end) {
      monocell::xen::XenContext context;
      domid = monocell::xen::find_domain_by_name(context, name);
      if (!domid) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!domid) return;
    xs_handle* xs = xs_open(0);
    if (xs == nullptr) return;
    const std::string dir = "/local/domain/" + std::to_string(*domid) + "/data/monocell/";
    for (const auto& [key, value] : keys) xs_write(xs, XBT_NULL, (dir + key).c_str(), value.data(), static_cast<unsigned>(value.size()));
    xs_write(xs, XBT_NULL, (dir + "state").c_str(), "published", 9);
    xs_close(xs);
  });
}

// Starts the spinning image while `keys` are published for it, and returns its end.
GuestEnd end_with_published(const std::string& what, std::vector<std::pair<std::string, std::string>> keys) {
  monocell::testing::TempDir dir;
  GuestConfig config = config_for("hostile-" + what);
  config.image = xt::write_spinning_pvh_image(dir.path());
  std::thread guest = publish_for("monocell-" + config.name, std::move(keys));
  auto backend = start(config);
  guest.join();
  REQUIRE(wait_readable(backend->end_fd(), 0));  // refused before start() returned
  const GuestEnd end = backend->end();
  CHECK_FALSE(xt::domain_exists("monocell-" + config.name));
  return end;
}

}  // namespace

TEST_CASE("xen: hostile rendezvous values in xenstore end the guest, and nothing of them is used") {
  if (!xt::xen_or_skip()) return;
  const std::vector<std::pair<std::string, std::string>> good = {
      {"abi", "1"}, {"ring-ref", "8"}, {"ring-pages", "1024"}, {"event-channel", "1"}};
  const auto with = [&](const std::string& key, const std::string& value) {
    auto keys = good;
    for (auto& [k, v] : keys) {
      if (k == key) v = value;
    }
    return keys;
  };
  SECTION("garbage") {
    const GuestEnd end = end_with_published("garbage", with("ring-pages", "12\x1b[2Jx"));
    INFO(end.report);
    CHECK(end.kind == GuestEnd::Kind::kFault);
    CHECK(end.code == 139);
    CHECK_THAT(end.report, Catch::Contains("invalid rendezvous") && Catch::Contains("ring-pages") &&
                               Catch::Contains("\\x1b"));
  }
  SECTION("a huge grant reference") {
    const GuestEnd end = end_with_published("huge-ref", with("ring-ref", "4294967295"));
    INFO(end.report);
    CHECK(end.code == 139);
    CHECK_THAT(end.report, Catch::Contains("ring-ref"));
  }
  SECTION("too few pages for the rings") {
    const GuestEnd end = end_with_published("few-pages", with("ring-pages", "2"));
    INFO(end.report);
    CHECK(end.kind == GuestEnd::Kind::kCannotStart);
    CHECK(end.code == 126);
    CHECK_THAT(end.report, Catch::Contains("granted 2 ring pages"));
  }
  SECTION("another ABI") {
    const GuestEnd end = end_with_published("abi", with("abi", "7"));
    INFO(end.report);
    CHECK(end.code == 126);
    CHECK_THAT(end.report, Catch::Contains("ABI 7"));
  }
  SECTION("a value far too long") {
    const GuestEnd end = end_with_published("long", with("event-channel", std::string(3000, '1')));
    INFO(end.report);
    CHECK(end.code == 139);
    CHECK_THAT(end.report, Catch::Contains("3000 bytes long"));
  }
  SECTION("well-formed numbers for pages that were never granted") {
    const GuestEnd end = end_with_published("ungranted", good);
    INFO(end.report);
    CHECK(end.kind == GuestEnd::Kind::kFault);
    CHECK(end.code == 139);
    CHECK_THAT(end.report, Catch::Contains("does not hold") && Catch::Contains("xengnttab_map_domain_grant_refs"));
  }
  xt::require_no_monocell_domain();
}
