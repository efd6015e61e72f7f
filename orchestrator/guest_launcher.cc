// Starts a created guest's monitor, in the foreground or detached.
#include "orchestrator/guest_launcher.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include <spdlog/spdlog.h>

#include "images/store/blob_memfd.h"
#include "orchestrator/app_resolver.h"
#include "orchestrator/backend_factory.h"
#include "orchestrator/control_socket.h"
#include "orchestrator/exit_codes.h"
#include "orchestrator/guest_store.h"
#include "orchestrator/log_store.h"
#include "orchestrator/monitor.h"
#include "orchestrator/restart_policy.h"
#include "orchestrator/restart_wait.h"
#include "orchestrator/state_dir.h"
#include "orchestrator/state_paths.h"
#include "orchestrator/systemd/journal_writer.h"
#include "orchestrator/timestamp.h"

namespace monocell {
namespace {

// The state's end, saved before the monitor lets go of the guest (so `wait` and `ps` read it).
void record_end(const std::string& id, GuestState* state, std::optional<int> code, const std::string& message) {
  state->status = "exited";
  state->ended_ns = now_ns();
  state->exit_code = code;
  state->error = message;
  std::string error;
  if (!save_guest_state(id, *state, &error)) spdlog::warn("{}", error);
}

// How one boot of the guest ended.
struct BootEnd {
  int code = exit_code::kMonocellFailed;
  std::string message;
  bool stopped_by_user = false;
  bool reached_running = false;
};

// One boot: the app found (again), the backend started, the monitor run until the guest ended.
// `found`: the app as `run` has just found it; null: found again now, as a start after create
// and every restart do (an image from the store is decompressed into a memfd that lives only
// as long as this process holds it, and may have been replaced since).
BootEnd boot_once(GuestConfig config, StateDir& claim, LogWriter& log, int control_fd, int stdout_fd, int stderr_fd,
                  int ready_fd, const ResolvedApp* found, SystemdNotifier* systemd, systemd::JournalWriter* journal) {
  BootEnd end;
  std::string error;
  bool broken = false;
  const std::optional<ResolvedApp> app =
      found != nullptr ? std::optional<ResolvedApp>(*found) : resolve_app(config.hypervisor, config.app, &error, &broken);
  if (!app) {
    spdlog::error("{}", error);
    end.code = broken ? exit_code::kCannotRun : exit_code::kNotFound;
    end.message = error;
    return end;
  }
  // The memfds' paths name this process, which (detached) is not the one that found them.
  config.image = app->image ? image::memfd_path(*app->image->memfd) : app->path;
  config.image_sha256 = app->image ? app->image->sha256 : "";
  config.shared_image_dir = shared_images_root();
  if (app->image && app->image->file_tree_memfd) {
    config.file_tree = image::memfd_path(*app->image->file_tree_memfd);
  }
  std::unique_ptr<Backend> backend = start_backend(config, &error);
  if (!backend) {
    spdlog::error("cannot start guest {}: {}", config.name, error);
    end.message = "cannot start the guest: " + error;
    return end;
  }
  spdlog::debug("guest {} started on {} ({})", config.name, config.hypervisor, config.image);
  Monitor monitor(config, *backend, MonitorOptions{stdout_fd, stderr_fd, control_fd, &claim, &log, ready_fd, systemd, journal});
  end.code = monitor.run();
  end.message = monitor.end_message();
  end.stopped_by_user = monitor.stopped_by_user();
  end.reached_running = monitor.reached_running();
  return end;
}

// Closes every fd from 3 up but those in `keep`: a detached monitor must not hold what its CLI
// inherited (a harness's pipe, a shell's redirection) open for the guest's whole life, or
// whoever waits for that pipe's end waits for the guest's.
void close_inherited_fds(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned from = 3;
  for (const int fd : keep) {
    if (fd < static_cast<int>(from)) continue;
    if (static_cast<unsigned>(fd) > from) close_range(from, static_cast<unsigned>(fd) - 1, 0);
    from = static_cast<unsigned>(fd) + 1;
  }
  close_range(from, ~0U, 0);
}

int run_claimed(const GuestRecord& record, StateDir& claim, int stdout_fd, int stderr_fd, int ready_fd,
                const ResolvedApp* found) {
  // A foreground monitor that systemd started speaks to it, through every restart.
  SystemdNotifier systemd = ready_fd < 0 ? SystemdNotifier::from_environment() : SystemdNotifier();
  // Under systemd, systemd restarts the guest (the unit's Restart=, which `generate systemd`
  // takes from --restart): restarts inside the monitor would hide each end from systemd's
  // start limits and from `systemctl status`.
  RestartPolicy restart = record.restart;
  if (systemd.active() && restart.mode != RestartPolicy::Mode::kNo) {
    spdlog::info("guest {}: --restart {} is left to systemd (the unit's Restart=)", record.config.name,
                 restart_policy_text(restart));
    restart = RestartPolicy{};
  }
  // Its stdout on the journal: the guest's lines become entries with its name and stream.
  std::unique_ptr<systemd::JournalWriter> journal;
  if (stdout_fd >= 0 && systemd::is_journal_stream(stdout_fd)) {
    std::string why;
    journal = systemd::JournalWriter::open(record.config.name, record.id, stdout_fd, &why);
    if (!journal) spdlog::warn("guest {}: {}; its output goes to the journal as the monitor's", record.config.name, why);
  }
  GuestConfig config = record.config;
  config.state_dir = claim.path();
  std::string error;
  GuestState state;  // a start by a user begins the restart count anew
  state.status = "running";
  state.started_ns = now_ns();
  state.monitor_pid = getpid();
  if (!save_guest_state(record.id, state, &error)) {
    spdlog::error("{}", error);
    return exit_code::kMonocellFailed;
  }
  std::error_code ec;
  std::filesystem::create_directories(log_dir_of(record.id), ec);
  LogWriter log;
  if (!log.open(log_dir_of(record.id), kDefaultLogBytes, &error)) {
    spdlog::error("{}", error);
    record_end(record.id, &state, exit_code::kMonocellFailed, error);
    return exit_code::kMonocellFailed;
  }
  const int control_fd = listen_control_socket(control_socket_of(config.name), &error);
  if (control_fd < 0) {
    spdlog::error("{}", error);
    record_end(record.id, &state, exit_code::kMonocellFailed, error);
    return exit_code::kMonocellFailed;
  }
  // Signals are blocked before the guest starts, so none is lost between start and monitor.
  Monitor::block_stop_signals();
  RestartBackoff backoff;
  for (;;) {
    const int64_t boot_ns = now_ns();
    const BootEnd end = boot_once(config, claim, log, control_fd, stdout_fd, stderr_fd, ready_fd, found, &systemd,
                                     journal.get());
    found = nullptr;  // a restart finds the app again
    if (end.reached_running) ready_fd = -1;  // the starter has its byte
    state.stopped_by_user = end.stopped_by_user;
    if (!should_restart(restart, end.code, state.restart_count, end.stopped_by_user)) {
      close(control_fd);
      record_end(record.id, &state, end.code, end.message);
      return end.code;
    }
    if (ready_fd >= 0) {
      // It ended before it ran, and its policy boots it again: a detached start has nothing
      // more to wait for.
      const char restarting = 'R';
      [[maybe_unused]] const ssize_t n = write(ready_fd, &restarting, 1);
      ready_fd = -1;
    }
    // The run that ended is recorded while the guest waits for its next boot.
    state.ended_ns = now_ns();
    state.exit_code = end.code;
    state.error = end.message;
    if (!save_guest_state(record.id, state, &error)) spdlog::warn("{}", error);
    claim.set_status("restarting");
    const uint64_t delay_ms = backoff.delay_after_run(static_cast<uint64_t>(state.ended_ns - boot_ns) / 1'000'000);
    spdlog::info("guest {} ended with {}; restarting it in {} ms (--restart {}, restart {})", config.name, end.code,
                 delay_ms, restart_policy_text(restart), state.restart_count + 1);
    const RestartWaitResult waited = wait_to_restart(control_fd, delay_ms, config.name, &error);
    if (waited != RestartWaitResult::kElapsed) {
      if (waited == RestartWaitResult::kFailed) spdlog::error("guest {}: cannot wait to restart it: {}", config.name, error);
      state.stopped_by_user = waited == RestartWaitResult::kStopped;
      claim.set_status("exited");
      close(control_fd);
      record_end(record.id, &state, end.code, end.message);
      return end.code;
    }
    ++state.restart_count;
    state.started_ns = now_ns();
    if (!save_guest_state(record.id, state, &error)) spdlog::warn("{}", error);
  }
}

}  // namespace

int run_monitor(const GuestRecord& record, int stdout_fd, int stderr_fd, int ready_fd, const ResolvedApp* app) {
  std::string error;
  int code = exit_code::kMonocellFailed;
  {
    auto claim = StateDir::claim(record.config, &error);
    if (!claim) {
      spdlog::error("{}", error);
      return exit_code::kMonocellFailed;
    }
    code = run_claimed(record, *claim, stdout_fd, stderr_fd, ready_fd, app);
  }  // the claim's release: the guest's volatile state goes, waiters wake
  if (record.auto_remove && !remove_guest({record.config.name, record.id}, &error)) spdlog::warn("--rm: {}", error);
  return code;
}

int start_detached(const GuestRecord& record, std::string* error, const ResolvedApp* app) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return exit_code::kMonocellFailed;
  }
  const pid_t child = fork();
  if (child < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    close(ready[0]);
    close(ready[1]);
    return exit_code::kMonocellFailed;
  }
  if (child == 0) {
    // The monitor: in a session of its own (no terminal's signals reach it), a grandchild of
    // the CLI (so it is nobody's child to wait for), its stdio on /dev/null.
    close(ready[0]);
    setsid();
    if (fork() != 0) _exit(0);
    std::vector<int> keep = {ready[1]};
    if (app != nullptr && app->image) {
      for (const auto* memfd : {app->image->memfd.get(), app->image->file_tree_memfd.get()}) {
        if (memfd != nullptr) keep.push_back(memfd->get());
      }
    }
    close_inherited_fds(std::move(keep));
    const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; ++fd) dup2(null_fd, fd);
    if (null_fd > 2) close(null_fd);
    _exit(run_monitor(record, -1, -1, ready[1], app));
  }
  close(ready[1]);
  waitpid(child, nullptr, 0);
  char running = 0;
  ssize_t n;
  while ((n = read(ready[0], &running, 1)) < 0 && errno == EINTR) {
  }
  close(ready[0]);
  if (n == 1) return 0;
  // It ended before it ran: its state says how.
  std::string why;
  const auto state = load_state(state_path_of(record.id), &why);
  if (!state) {
    *error = "guest " + record.config.name + " did not start, and its state cannot be read: " + why;
    return exit_code::kMonocellFailed;
  }
  if (state->status != "exited") {
    *error = "guest " + record.config.name + " did not start (is another monitor running it?)";
    return exit_code::kMonocellFailed;
  }
  *error = "guest " + record.config.name + " ended before it ran" + (state->error.empty() ? "" : ": " + state->error);
  return state->exit_code.value_or(exit_code::kMonocellFailed);
}

}  // namespace monocell
