// End-to-end tests of `monocell image`: the real CLI on the sample apps, each test with an
// image store of its own (MONOCELL_IMAGE_STORE), as a user runs it: build, ls, inspect, tag,
// rm, save, load, prune, and the exit codes (0; 1 no such image; 125 usage; 126 corrupt).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "hypervisors/kvm/elf_image.h"
#include "orchestrator/stored_app.h"
#include "tests/support/command.h"
#include "tests/support/test_hypervisors.h"

using monocell::testing::Command;
using monocell::testing::CommandResult;
using monocell::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kGuestHello = std::string(MONOCELL_IMAGE_DIR) + "/hello";
const std::string kGuestEcho = std::string(MONOCELL_IMAGE_DIR) + "/echo";
const std::string kProcessHello = std::string(MONOCELL_APP_DIR) + "/hello";
const std::string kProcessEcho = std::string(MONOCELL_APP_DIR) + "/echo";
const std::string kGuestFiles = std::string(MONOCELL_IMAGE_DIR) + "/test-files";
const std::string kProcessFiles = std::string(TEST_APP_DIR) + "/test-files";

// The hypervisors `monocell run` from the store is tested on (test_hypervisors.h). The cases
// that boot guests are tagged [boots]: the conformance suite "images" on every target.
std::vector<std::string> run_hypervisors() { return monocell::testing::test_hypervisors(); }

// The CLI with a store of its own.
struct ImageCli {
  TempDir dir;
  std::string store() const { return dir.path() + "/store"; }
  std::vector<std::string> env() const {
    return {"MONOCELL_IMAGE_STORE=" + store(), "MONOCELL_STATE_DIR=" + dir.path() + "/state"};
  }
  CommandResult operator()(std::vector<std::string> args, int timeout_ms = 60'000) const {
    args.insert(args.begin(), MONOCELL_BIN);
    CommandResult result = monocell::testing::run_command(args, env(), timeout_ms);
    UNSCOPED_INFO("monocell " << args[1] << " ... exited " << result.exit_code << "\nstdout: " << result.out
                              << "\nstderr: " << result.err);
    return result;
  }
  std::unique_ptr<Command> start(std::vector<std::string> args) const {
    args.insert(args.begin(), MONOCELL_BIN);
    return std::make_unique<Command>(args, env());
  }
  json json_of(std::vector<std::string> args) const {
    const CommandResult r = (*this)(std::move(args));
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
  std::string write(const std::string& name, const std::string& content) const {
    const std::string path = dir.path() + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::string read(const std::string& path) const {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

void require_sample_apps() {
  for (const std::string& path : {kGuestHello, kGuestEcho, kProcessHello}) {
    if (!fs::exists(path)) FAIL(path << " is missing: build the guest images (make build) first");
  }
}

}  // namespace

TEST_CASE("image build puts a sample app in the store, and ls and inspect show it") {
  require_sample_apps();
  ImageCli cli;
  const std::string conf = cli.write("files/etc/hello.conf", "greeting = hi\n");
  const CommandResult built = cli({"image", "build", "-t", "hello:1.0", "--process-elf", kProcessHello, "--arg", "42",
                                   "--arg=--loud", "-e", "LANG=C", "-w", "/etc", "--memory", "32", "--files-from",
                                   cli.dir.path() + "/files", "--file", kGuestEcho + "=/opt/echo", kGuestHello});
  REQUIRE(built.exit_code == 0);
  CHECK(built.out.starts_with("hello:1.0 sha256:"));
  CHECK(built.err.empty());  // no terminal: no progress drawn

  const CommandResult table = cli({"image", "ls"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.starts_with("NAME"));
  CHECK(table.out.find("hello") != std::string::npos);
  CHECK(table.out.find("1.0") != std::string::npos);

  const json list = cli.json_of({"image", "ls", "--format", "json"});
  REQUIRE(list.size() == 1);
  CHECK(list[0]["name"] == "hello");
  CHECK(list[0]["tag"] == "1.0");
  const std::string id = list[0]["id"];
  CHECK(built.out.find(id) != std::string::npos);
  CHECK(list[0]["content_size"].get<uint64_t>() > fs::file_size(kGuestHello));
  CHECK(list[0]["size"].get<uint64_t>() < list[0]["content_size"].get<uint64_t>());

  const json info = cli.json_of({"image", "inspect", "hello:1.0"});
  CHECK(info["id"] == id);
  CHECK(info["references"] == json::array({"hello:1.0"}));
  CHECK(info["guest_abi_version"] == 1);
  CHECK(info["defaults"]["argv"] == json::array({"42", "--loud"}));
  CHECK(info["defaults"]["env"] == json::array({"LANG=C"}));
  CHECK(info["defaults"]["cwd"] == "/etc");
  CHECK(info["defaults"]["memory_mib"] == 32);
  REQUIRE(info["blobs"].size() == 3);
  CHECK(info["blobs"][0]["kind"] == "guest ELF");
  CHECK(info["blobs"][0]["size"] == fs::file_size(kGuestHello));
  CHECK(info["blobs"][1]["kind"] == "process ELF");
  CHECK(info["blobs"][2]["kind"] == "file tree");
  std::vector<std::string> paths;
  for (const auto& f : info["files"]) paths.push_back(f["path"]);
  CHECK(paths == std::vector<std::string>{"/etc", "/etc/hello.conf", "/opt", "/opt/echo"});
  CHECK(info["files"][3]["size"] == fs::file_size(kGuestEcho));

  // By ID too, whole or a 12-digit prefix.
  CHECK(cli.json_of({"image", "inspect", id})["id"] == id);
  CHECK(cli.json_of({"image", "inspect", id.substr(7, 12)})["id"] == id);
}

TEST_CASE("image build from a build file, flags adding to it and winning") {
  require_sample_apps();
  ImageCli cli;
  cli.write("app/motd", "welcome\n");
  const std::string spec = cli.write("app/build.json", json({{"tag", "fromfile:2"},
                                                             {"elf", kGuestHello},
                                                             {"args", {"a", "b"}},
                                                             {"env", {"X=1"}},
                                                             {"workdir", "/"},
                                                             {"memory_mib", 48},
                                                             {"files", {{"/etc/motd", "motd"}}}})
                                                           .dump());
  REQUIRE(cli({"image", "build", "-f", spec, "-e", "Y=2", "--memory", "64"}).exit_code == 0);
  const json info = cli.json_of({"image", "inspect", "fromfile:2"});
  CHECK(info["defaults"]["argv"] == json::array({"a", "b"}));
  CHECK(info["defaults"]["env"] == json::array({"X=1", "Y=2"}));
  CHECK(info["defaults"]["memory_mib"] == 64);
  CHECK(info["files"][1]["path"] == "/etc/motd");

  const std::string bad = cli.write("bad.json", R"({"tag": "x", "elf": 3})");
  const CommandResult refused = cli({"image", "build", "-f", bad});
  CHECK(refused.exit_code == 125);
  CHECK(refused.err.find("\"elf\" must be a string") != std::string::npos);
}

TEST_CASE("image build refuses bad inputs with 125 and leaves the store as it was") {
  require_sample_apps();
  ImageCli cli;
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"image", "build", kGuestHello}, "no -t NAME[:TAG]"},
      {{"image", "build", "-t", "Bad:Name", kGuestHello}, "invalid -t"},
      {{"image", "build", "-t", "x", kProcessHello}, "cannot be booted"},
      {{"image", "build", "-t", "x", cli.write("script.sh", "#!/bin/sh\n")}, "cannot be booted"},
      {{"image", "build", "-t", "x", "--process-elf", cli.write("run.sh", "#!/bin/sh\n")}, "not an ELF file"},
      {{"image", "build", "-t", "x", cli.dir.path() + "/missing"}, "No such file"},
      {{"image", "build", "-t", "x", "--file", "nosuchfile=/a", kGuestHello}, "No such file"},
      {{"image", "build", "-t", "x", "--file", kGuestEcho + "=/../escape", kGuestHello}, "\"..\""},
      {{"image", "build", "-t", "x", "--file", kGuestEcho + "=/", kGuestHello}, "root directory"},
      {{"image", "build", "-t", "x", "--file", kGuestEcho + "=/tmp/echo", kGuestHello}, "cannot come from an image"},
      {{"image", "build", "-t", "x", "--file", kGuestEcho + "=/proc", kGuestHello}, "cannot come from an image"},
      {{"image", "build", "-t", "x", "--file", kGuestEcho + "=/a", "--file", kGuestHello + "=/a", kGuestHello},
       "given twice"},
      {{"image", "build", "-t", "x", "-w", "relative", kGuestHello}, "not absolute"},
      {{"image", "build", "-t", "x", "-e", "NOEQUALS", kGuestHello}, "not KEY=VALUE"},
      {{"image", "build", "-t", "x", "--memory", "1", kGuestHello}, ""},
  };
  for (const Case& c : cases) {
    const CommandResult r = cli(c.args);
    INFO(r.err);
    CHECK(r.exit_code == 125);
    CHECK(r.err.find(c.says) != std::string::npos);
  }
  CHECK(cli.json_of({"image", "ls", "--format", "json"}).empty());
  CHECK((!fs::exists(cli.store() + "/tmp") || fs::is_empty(cli.store() + "/tmp")));
}

TEST_CASE("image tag, rm and prune: names come and go, images go with their last name") {
  require_sample_apps();
  ImageCli cli;
  REQUIRE(cli({"image", "build", "-t", "app:v1", kGuestHello}).exit_code == 0);
  REQUIRE(cli({"image", "tag", "app:v1", "app:stable"}).exit_code == 0);
  REQUIRE(cli({"image", "tag", "app:v1", "other"}).exit_code == 0);
  json list = cli.json_of({"image", "ls", "--format", "json"});
  REQUIRE(list.size() == 3);
  const std::string id = list[0]["id"];
  for (const auto& row : list) CHECK(row["id"] == id);

  // Several names: removing by ID needs --force.
  const CommandResult refused = cli({"image", "rm", id});
  CHECK(refused.exit_code == 125);
  CHECK(refused.err.find("several names") != std::string::npos);

  CommandResult r = cli({"image", "rm", "app:v1"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Untagged: app:v1\n");
  CHECK(cli({"image", "rm", "app:v1"}).exit_code == 1);
  CHECK(cli({"image", "tag", "nothere", "x"}).exit_code == 1);
  CHECK(cli({"image", "tag", "app:stable", "Bad Name"}).exit_code == 125);

  // The last name gone, the image goes too.
  REQUIRE(cli({"image", "build", "-t", "app:stable", kGuestEcho}).exit_code == 0);
  r = cli({"image", "rm", "other"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Untagged: other:latest\nDeleted: " + id + "\n");
  // Rebuilding a name leaves the old image without one; prune takes it.
  REQUIRE(cli({"image", "build", "-t", "app:stable", kGuestHello}).exit_code == 0);
  r = cli({"image", "prune"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("Deleted 1 image, 1 blob, 0 temporary files; reclaimed"));

  r = cli({"image", "rm", "--force", "app:stable"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Deleted: sha256:") != std::string::npos);
  CHECK(cli.json_of({"image", "ls", "--format", "json"}).empty());
  CHECK(fs::is_empty(cli.store() + "/blobs/sha256"));
  CHECK(fs::is_empty(cli.store() + "/manifests/sha256"));
}

TEST_CASE("image save and load move an image between stores, whole, with its ID") {
  require_sample_apps();
  ImageCli here;
  ImageCli there;
  REQUIRE(here({"image", "build", "-t", "moving:1", "--file", kGuestEcho + "=/bin/echo", kGuestHello}).exit_code == 0);
  const std::string id = here.json_of({"image", "inspect", "moving:1"})["id"];
  const std::string file = here.dir.path() + "/moving.img";
  REQUIRE(here({"image", "save", "-o", file, "moving:1"}).exit_code == 0);
  CHECK(here.json_of({"image", "inspect", "moving:1"})["size"] == fs::file_size(file));

  CommandResult r = there({"image", "load", "-i", file});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "Loaded image: moving:1 (" + id + ")\n");
  CHECK(there.json_of({"image", "inspect", "moving:1"})["id"] == id);

  // Through a pipe, under another name.
  r = there({"image", "load", "-i", "-", "-t", "renamed"}, 60'000);
  (void)r;  // (standard input was empty: refused below)
  CHECK(r.exit_code == 126);
  const CommandResult piped = monocell::testing::run_command(
      {"/bin/sh", "-c", std::string(MONOCELL_BIN) + " image save -o - moving:1 | " + MONOCELL_BIN + " image load -i - -t renamed"},
      {"MONOCELL_IMAGE_STORE=" + there.store()});
  CHECK(piped.exit_code == 0);
  CHECK(there.json_of({"image", "inspect", "renamed"})["id"] == id);

  // A save that fails (no such image) leaves no file behind.
  CHECK(here({"image", "save", "-o", here.dir.path() + "/none.img", "nothere"}).exit_code == 1);
  CHECK_FALSE(fs::exists(here.dir.path() + "/none.img"));
}

TEST_CASE("image load refuses a corrupt or hostile file with 126 and stores nothing of it") {
  require_sample_apps();
  ImageCli cli;
  REQUIRE(cli({"image", "build", "-t", "good", "--file", kGuestEcho + "=/x", kGuestHello}).exit_code == 0);
  const std::string file = cli.dir.path() + "/good.img";
  REQUIRE(cli({"image", "save", "-o", file, "good"}).exit_code == 0);
  REQUIRE(cli({"image", "rm", "good"}).exit_code == 0);
  const std::string image = cli.read(file);

  struct Damage {
    std::string name;
    std::string bytes;
    std::string says;
  };
  std::string flipped_blob = image;
  flipped_blob[image.size() / 2] = static_cast<char>(flipped_blob[image.size() / 2] ^ 1);
  std::string flipped_manifest = image;
  flipped_manifest[80] = static_cast<char>(flipped_manifest[80] ^ 1);
  std::string huge_manifest = image;
  huge_manifest.replace(16, 8, std::string("\xff\xff\xff\x7f\0\0\0\0", 8));
  const std::vector<Damage> damages = {
      {"empty", "", "shorter than an image header"},
      {"not-an-image", "hello world, this is not an image file at all, not even close!!!!!", "not a monocell image"},
      {"truncated", image.substr(0, image.size() - 1), "blob"},
      {"extended", image + "x", "after the last blob"},
      {"flipped-blob", flipped_blob, "blob"},
      {"flipped-manifest", flipped_manifest, "manifest's sha256"},
      {"huge-manifest", huge_manifest, "manifest size"},
  };
  for (const Damage& d : damages) {
    const CommandResult r = cli({"image", "load", "-i", cli.write(d.name + ".img", d.bytes)});
    INFO(d.name);
    CHECK(r.exit_code == 126);
    CHECK(r.err.find(d.name + ".img") != std::string::npos);
    CHECK(r.err.find(d.says) != std::string::npos);
    CHECK(cli.json_of({"image", "ls", "--format", "json"}).empty());
  }
  // Nothing but the store's lock and directories: no blob, manifest or leftover.
  for (const auto& entry : fs::recursive_directory_iterator(cli.store())) {
    if (entry.is_regular_file()) CHECK(entry.path().filename() == "lock");
  }
  CHECK(cli({"image", "load", "-i", cli.dir.path() + "/nothere.img"}).exit_code == 125);
}

TEST_CASE("damaged store entries: ls reports and skips them, inspect and save answer 126") {
  require_sample_apps();
  ImageCli cli;
  REQUIRE(cli({"image", "build", "-t", "victim", kGuestHello}).exit_code == 0);
  REQUIRE(cli({"image", "build", "-t", "bystander", kGuestEcho}).exit_code == 0);
  const json info = cli.json_of({"image", "inspect", "victim"});
  const std::string blob = cli.store() + "/blobs/sha256/" + info["blobs"][0]["sha256"].get<std::string>() + "." +
                           std::to_string(info["blobs"][0]["compressed_size"].get<uint64_t>()) + ".lz4";
  REQUIRE(fs::exists(blob));

  SECTION("a blob damaged on disk") {
    std::string frame = cli.read(blob);
    frame[frame.size() / 3] = static_cast<char>(frame[frame.size() / 3] ^ 0x40);
    cli.write(fs::relative(blob, cli.dir.path()).string(), frame);
    CommandResult r = cli({"image", "inspect", "victim"});
    CHECK(r.exit_code == 126);
    CHECK(r.err.find("stored") != std::string::npos);
    r = cli({"image", "save", "-o", cli.dir.path() + "/v.img", "victim"});
    CHECK(r.exit_code == 126);
    CHECK_FALSE(fs::exists(cli.dir.path() + "/v.img"));
    CHECK(cli({"image", "inspect", "bystander"}).exit_code == 0);
  }
  SECTION("a blob missing") {
    fs::remove(blob);
    CHECK(cli({"image", "inspect", "victim"}).exit_code == 126);
  }
  SECTION("a reference that is not a digest, a manifest that is not its digest") {
    cli.write("store/refs/victim/latest", "sha256:nonsense\n");
    CommandResult r = cli({"image", "ls"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("bystander") != std::string::npos);
    CHECK(r.out.find("victim") == std::string::npos);
    CHECK(r.err.find("reference victim:latest") != std::string::npos);
    CHECK(cli({"image", "inspect", "victim"}).exit_code == 126);
    r = cli({"image", "rm", "victim"});  // the damaged name can go
    CHECK(r.exit_code == 0);
    CHECK(r.out == "Untagged: victim:latest\n");
    CHECK(cli({"image", "ls"}).err.empty());

    const std::string id = cli.json_of({"image", "inspect", "bystander"})["id"];
    cli.write("store/manifests/sha256/" + id.substr(7), "not a manifest");
    r = cli({"image", "ls", "--format", "json"});
    CHECK(r.exit_code == 0);
    CHECK(json::parse(r.out).empty());
    CHECK(r.err.find("sha256 is not its name") != std::string::npos);
    CHECK(cli({"image", "inspect", "bystander"}).exit_code == 126);
    r = cli({"image", "prune"});
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("two builds of one name at once: the last writer wins, nothing is torn") {
  require_sample_apps();
  ImageCli cli;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::unique_ptr<Command>> builds;
    for (const std::string& elf : {kGuestHello, kGuestEcho, kGuestHello}) {
      builds.push_back(cli.start({"image", "build", "-t", "raced", "--arg", elf, elf}));
    }
    std::vector<std::string> ids;
    for (auto& b : builds) {
      const CommandResult r = b->wait();
      REQUIRE(r.exit_code == 0);
      ids.push_back(r.out.substr(r.out.find("sha256:"), 71));
    }
    const json info = cli.json_of({"image", "inspect", "raced"});  // reads and checks every blob
    CHECK(std::find(ids.begin(), ids.end(), info["id"].get<std::string>()) != ids.end());
  }
  const CommandResult r = cli({"image", "prune"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(cli.json_of({"image", "ls", "--format", "json"}).size() == 1);
  CHECK(fs::is_empty(cli.store() + "/tmp"));
}

TEST_CASE("image usage errors answer 125 and a missing image 1") {
  ImageCli cli;
  CHECK(cli({"image"}).exit_code == 125);
  CHECK(cli({"image", "frobnicate"}).exit_code == 125);
  CHECK(cli({"image", "ls", "--format", "yaml"}).exit_code == 125);
  CHECK(cli({"image", "inspect"}).exit_code == 125);
  CHECK(cli({"image", "inspect", "nothere"}).exit_code == 1);
  CHECK(cli({"image", "inspect", "sha256:" + std::string(64, 'a')}).exit_code == 1);
  CHECK(cli({"image", "rm", "nothere"}).exit_code == 1);
  CHECK(cli({"image", "save", "-o", cli.dir.path() + "/x", "nothere"}).exit_code == 1);
  const CommandResult r = cli({"image", "ls"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "NAME                     TAG            IMAGE ID       CREATED          SIZE\n");
}

TEST_CASE("monocell run NAME[:TAG] runs an image from the store, with its defaults", "[boots]") {
  require_sample_apps();
  ImageCli cli;
  REQUIRE(cli({"image", "build", "-t", "hello:1.0", "--process-elf", kProcessHello, "--arg", "7", kGuestHello}).exit_code == 0);
  for (const std::string& hypervisor : run_hypervisors()) {
    INFO("hypervisor " << hypervisor);
    CommandResult r = cli({"run", "--hypervisor", hypervisor, "hello:1.0"});
    CHECK(r.exit_code == 7);
    CHECK(r.out.find("Hello from monocell!") != std::string::npos);
    CHECK(r.out.find("argv (2): hello 7") != std::string::npos);
    // Arguments on the command line replace the image's.
    r = cli({"run", "--hypervisor", hypervisor, "hello:1.0", "3", "x"});
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("argv (3): hello 3 x") != std::string::npos);
  }
}

TEST_CASE("a running image's defaults reach its guest and flags win", "[boots]") {
  require_sample_apps();
  ImageCli cli;
  REQUIRE(cli({"image", "build", "-t", "echo", "--process-elf", kProcessEcho, "--arg", "a1", "-e", "K1=image", "-e",
               "K2=image", "-w", "/tmp", "--memory", "48", kGuestEcho})
              .exit_code == 0);
  for (const std::string& hypervisor : run_hypervisors()) {
    INFO("hypervisor " << hypervisor);
    for (const bool flags : {false, true}) {
      std::vector<std::string> args = {"run", "--rm", "--hypervisor", hypervisor, "--name", "img-echo"};
      if (flags) args.insert(args.end(), {"-e", "K2=flag", "-w", "/", "--memory", "32"});
      args.push_back("echo");
      auto guest = cli.start(args);
      const std::string config_path = cli.dir.path() + "/state/img-echo/config.json";
      json config;
      for (int i = 0; i < 500 && config.is_null(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::ifstream in(config_path);
        config = json::parse(in, nullptr, false);
        if (config.is_discarded()) config = nullptr;
      }
      REQUIRE(config.is_object());
      CHECK(config["app"] == "echo");
      CHECK(config["argv"] == json::array({"echo", "a1"}));
      CHECK(config["env"] == (flags ? json::array({"K1=image", "K2=image", "K2=flag"}) : json::array({"K1=image", "K2=image"})));
      CHECK(config["memory_mib"] == (flags ? 32 : 48));
      // Stopped once it runs (a Shutdown before its Ready would wait out the grace period).
      std::string status;
      for (int i = 0; i < 500 && status != "running"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::ifstream(cli.dir.path() + "/state/img-echo/status") >> status;
      }
      CHECK(status == "running");
      CHECK(cli({"stop", "img-echo"}).exit_code == 0);
      CHECK(guest->wait().exit_code == 0);
    }
  }
}

// FNV-1a, as tests/apps/files.cc prints it.
uint64_t fnv1a(const std::string& bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return hash;
}

TEST_CASE("an image's files are read-only at / in the guest, the same on every hypervisor", "[boots]") {
  for (const std::string& path : {kGuestFiles, kProcessFiles}) {
    if (!fs::exists(path)) FAIL(path << " is missing: build the test apps (make build) first");
  }
  ImageCli cli;
  const std::string root = cli.dir.path() + "/files";
  cli.write("files/srv/app/greeting.txt", "hello from the image\nsecond line\n");
  cli.write("files/srv/app/sub/deep.txt", "deep inside\n");
  cli.write("files/srv/app/empty", "");
  std::string big(300'000 + 7, '\0');
  uint32_t x = 12345;
  for (char& c : big) c = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
  cli.write("files/srv/app/big.bin", big);
  fs::permissions(root + "/srv/app/greeting.txt", fs::perms(0640));
  fs::permissions(root + "/srv/app/empty", fs::perms(0600));
  fs::permissions(root + "/srv/app/big.bin", fs::perms(0644));
  fs::permissions(root + "/srv/app/sub/deep.txt", fs::perms(0444));
  fs::permissions(root + "/srv/app/sub", fs::perms(0750));
  fs::permissions(root + "/srv/app", fs::perms(0755));
  fs::permissions(root + "/srv", fs::perms(0755));
  REQUIRE(cli({"image", "build", "-t", "files:1", "--process-elf", kProcessFiles, "--files-from", root, "--arg", "image",
               kGuestFiles})
              .exit_code == 0);
  char checksum[17];
  std::snprintf(checksum, sizeof checksum, "%016jx", static_cast<uintmax_t>(fnv1a(big)));
  const std::string expected =
      "/srv: directory\n/tmp: directory\n/dev: directory\n/proc: directory\n"
      "tree: /srv/app/big.bin file 0644 300007\n"
      "tree: /srv/app/empty file 0600 0\n"
      "tree: /srv/app/greeting.txt file 0640 33\n"
      "tree: /srv/app/sub dir 0750 0\n"
      "tree: /srv/app/sub/deep.txt file 0444 12\n"
      "greeting.txt: hello from the image\ngreeting.txt: second line\nsub/deep.txt: deep inside\n"
      "big.bin read: 300007 bytes, fnv1a " + std::string(checksum) + "\n"
      "big.bin lseek end: 300007\n"
      "big.bin pread at middle: 16 bytes, same as read: yes\n"
      "big.bin mmap: same bytes\n"
      "open greeting.txt for writing: EROFS\n"
      "create a file in /srv/app: EROFS\n"
      "unlink greeting.txt: EROFS\n"
      "mkdir in /srv/app: EROFS\n"
      "rename greeting.txt: EROFS\n"
      "truncate greeting.txt: EROFS\n"
      "access greeting.txt R_OK: ok\n"
      "open missing.txt: ENOENT\n"
      "/tmp/copy.txt: 7 bytes\n"
      "image files: done\n";
  for (const std::string& hypervisor : run_hypervisors()) {
    INFO("hypervisor " << hypervisor);
    const CommandResult r = cli({"run", "--rm", "--hypervisor", hypervisor, "files:1"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == expected);
  }
  // The files are the image's: without them the app finds no /srv/app (the process target
  // shows the host's own directories, as without an image).
  REQUIRE(cli({"image", "build", "-t", "nofiles:1", "--process-elf", kProcessFiles, "--arg", "image", kGuestFiles})
              .exit_code == 0);
  for (const std::string& hypervisor : run_hypervisors()) {
    INFO("hypervisor " << hypervisor);
    const CommandResult r = cli({"run", "--rm", "--hypervisor", hypervisor, "nofiles:1"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("No such file or directory [/srv/app]") != std::string::npos);
  }
}

TEST_CASE("monocell run of an image that cannot run here answers 126, of no image 127", "[boots]") {
  require_sample_apps();
  ImageCli cli;
  REQUIRE(cli({"image", "build", "-t", "guestonly", kGuestHello}).exit_code == 0);
  CommandResult r = cli({"run", "--hypervisor", "process", "guestonly"});
  CHECK(r.exit_code == 126);
  CHECK(r.err.find("has no process ELF") != std::string::npos);
  r = cli({"run", "--hypervisor", "process", "nosuchimage:1"});
  CHECK(r.exit_code == 127);

  REQUIRE(cli({"image", "build", "-t", "damaged", "--process-elf", kProcessHello, kGuestHello}).exit_code == 0);
  const json info = cli.json_of({"image", "inspect", "damaged"});
  for (const auto& blob : info["blobs"]) {
    const std::string path = cli.store() + "/blobs/sha256/" + blob["sha256"].get<std::string>() + "." +
                             std::to_string(blob["compressed_size"].get<uint64_t>()) + ".lz4";
    std::string frame = cli.read(path);
    frame[frame.size() / 2] = static_cast<char>(frame[frame.size() / 2] ^ 0x08);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << frame;
  }
  for (const std::string& hypervisor : run_hypervisors()) {
    r = cli({"run", "--hypervisor", hypervisor, "damaged"});
    INFO("hypervisor " << hypervisor);
    CHECK(r.exit_code == 126);
    CHECK(r.err.find("cannot run image damaged") != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("a stored guest ELF, decompressed into its memfd, is what the VMM's loader reads") {
  require_sample_apps();
  ImageCli cli;
  REQUIRE(cli({"image", "build", "-t", "loadme", kGuestHello}).exit_code == 0);
  setenv("MONOCELL_IMAGE_STORE", cli.store().c_str(), 1);
  const monocell::StoredAppLookup lookup = monocell::find_stored_app("kvm", "loadme");
  unsetenv("MONOCELL_IMAGE_STORE");
  REQUIRE(lookup.app);
  CHECK(lookup.app->path.starts_with("/proc/"));
  CHECK(fs::file_size(lookup.app->path) == fs::file_size(kGuestHello));
  const auto from_store = monocell::kvm::ElfImage::from_file(lookup.app->path);
  const auto from_build = monocell::kvm::ElfImage::from_file(kGuestHello);
  CHECK(from_store.entry() == from_build.entry());
  CHECK(from_store.segments().size() == from_build.segments().size());
  REQUIRE(from_store.monocell_note());
  CHECK(from_store.monocell_note()->abi_version == from_build.monocell_note()->abi_version);
  // Sealed: what was checked cannot change.
  const int fd = open(lookup.app->path.c_str(), O_WRONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK(write(fd, "x", 1) < 0);
  CHECK(errno == EPERM);
  close(fd);
}

TEST_CASE("an image's defaults fill what the command line left open") {
  monocell::StoredApp app;
  app.name = "hello";
  app.defaults.add_argv("d1");
  app.defaults.add_env("A=image");
  app.defaults.set_cwd("/srv");
  app.defaults.set_memory_mib(128);
  monocell::GuestConfig config;
  config.argv = {"hello:1.0"};
  config.env = {"A=flag"};
  monocell::apply_image_defaults(app, {}, &config);
  CHECK(config.argv == std::vector<std::string>{"hello", "d1"});
  CHECK(config.env == std::vector<std::string>{"A=image", "A=flag"});
  CHECK(config.cwd == "/srv");
  CHECK(config.memory_mib == 128);

  monocell::GuestConfig chosen;
  chosen.argv = {"hello:1.0", "x"};
  chosen.cwd = "/";
  chosen.memory_mib = 32;
  monocell::apply_image_defaults(app, {true, true, true}, &chosen);
  CHECK(chosen.argv == std::vector<std::string>{"hello", "x"});
  CHECK(chosen.cwd == "/");
  CHECK(chosen.memory_mib == 32);
}
