// The monitor: one per guest, it owns the guest's Backend for the guest's whole life. It runs
// the host side of the control protocol, streams the guest's stdout and stderr to its own,
// forwards SIGINT/SIGTERM/SIGHUP to the guest as Signal messages (and kills the guest when
// the grace period runs out), relays requests from the control socket, and turns the way
// the guest ended into `monocell run`'s exit code. Everything the guest writes is checked:
// a guest that breaks the protocol is stopped, never trusted.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hypervisors/backend.h"
#include "orchestrator/control_socket.h"
#include "orchestrator/guest_channel.h"
#include "orchestrator/output_writer.h"
#include "orchestrator/state_dir.h"
#include "orchestrator/systemd/notifier.h"
#include "protocol/envelope_ring.h"

namespace monocell {

struct MonitorOptions {
  int stdout_fd = 1;
  int stderr_fd = 2;
  int control_listen_fd = -1;  // the control socket, or -1 for none
  StateDir* state = nullptr;  // status updates, or null
  LogWriter* log = nullptr;  // records the guest's output, or null
  int ready_fd = -1;  // gets one byte when the guest runs (a detached start waits for it), or -1
  // Tells systemd (NOTIFY_SOCKET) the guest's phases, and keeps its watchdog fed while the guest
  // answers Pings: a foreground `monocell run` that systemd started (systemd/notifier.h); or null.
  SystemdNotifier* systemd = nullptr;
  // The guest's output as journal entries with its name and stream (a monitor whose stdout is
  // systemd's journal), instead of to stdout_fd and stderr_fd; or null.
  systemd::JournalWriter* journal = nullptr;
};

class Monitor {
 public:
  Monitor(const GuestConfig& config, Backend& backend, MonitorOptions options);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Runs until the guest has ended; returns the exit code for `monocell run`. Call it with
  // SIGINT, SIGTERM and SIGHUP blocked (block_stop_signals), so they arrive here.
  int run();

  // Blocks the signals the monitor forwards; call before any thread starts.
  static void block_stop_signals();

  // After run(): how the monitor saw the guest end, when it was not a plain exit (a fault
  // report, a kill, a failure); empty otherwise.
  const std::string& end_message() const { return end_message_; }
  // After run(): whether a user asked for the end (a stop signal to the monitor, `monocell
  // stop`, or `kill` with KILL, TERM, INT or HUP), which no restart policy undoes.
  bool stopped_by_user() const { return stopped_by_user_; }
  // After run(): whether the guest got as far as running (its ready_fd was written).
  bool reached_running() const { return reached_running_; }

 private:
  enum class Phase { kAwaitHello, kAwaitReady, kRunning, kStopping, kEnded };
  struct Client {
    int fd;
    EnvelopeFramer framer;
    EnvelopeSendQueue replies;  // written as the client reads
    size_t pending = 0;  // its requests waiting for the guest's answer
    bool gone = false;  // failed or over its reply limit: dropped at the next safe point
  };
  struct PendingRequest {
    int client_fd;
    uint64_t client_id;
  };

  // Handles what the guest wrote; returns true if frames remain (more work without waiting).
  bool service_rings();
  // After an idle wait timed out: frames no notification announced are reported (and the
  // guest is notified again if it sleeps on them).
  void check_lost_wakeups();
  bool drain_stdio(int budget);
  bool drain_control(int budget);
  void handle_guest_message(const v1::Envelope& message);
  // Sends; `id`, if given, receives the id the message went out with (0 if it did not).
  void send_to_guest(v1::Envelope message, uint64_t reply_to = 0, uint64_t* id = nullptr);
  void on_signal(int number);
  // A client asked for a graceful stop (Shutdown with its grace period).
  void on_stop_request(uint32_t grace_ms);
  // A client sent a Signal (`monocell kill`): SIGKILL kills the guest at once; SIGINT, SIGTERM
  // and SIGHUP stop it as when the monitor receives them; others are passed to the guest.
  void on_kill_request(int number);
  // Sends `request` (Signal or Shutdown) and arms the grace timer.
  void begin_stop(const v1::Envelope& request, const std::string& what);
  // The guest said Exit: it has a moment to end before it is killed.
  void on_exit_reported();
  void on_deadline();
  void on_grace_timer();
  // systemd's watchdog: each tick pings the guest; its Pong is what feeds the watchdog.
  void on_watchdog_tick();
  void on_watchdog_pong();
  // Under systemd, before the app is ready: extends the start timeout if the guest wrote anything.
  void on_start_progress_tick();
  void accept_clients();
  void service_client(size_t index);
  void flush_replies(Client& client);
  void drop_client(size_t index);
  void drop_gone_clients();
  std::vector<Client>::iterator find_client(int fd);
  void reply_to_client(int fd, uint64_t client_id, v1::Envelope reply);
  int finish();
  // Reads what clients sent that the loop did not get to before the guest ended: a stop or a
  // kill among it still counts, so that no restart policy boots the guest again.
  void note_late_stop_requests();

  // Stops the guest now; `code` and `message` become the run's outcome.
  void stop_guest(int code, const std::string& message);
  void guest_broke_protocol(const std::string& what);
  static void arm_timer(int timer_fd, uint64_t ms);
  void set_phase(Phase phase);

  const GuestConfig& config_;
  Backend& backend_;
  MonitorOptions options_;
  SystemdNotifier no_systemd_;  // inactive: where options_.systemd is null
  SystemdNotifier& systemd_;
  int watchdog_fd_ = -1;  // ticks at half systemd's WatchdogSec, or -1
  uint64_t watchdog_ping_id_ = 0;  // the monitor's own Ping awaiting its Pong, or 0
  uint64_t watchdog_pings_ = 0;
  bool watchdog_warned_ = false;  // the current silence was logged
  int start_progress_fd_ = -1;  // ticks until the app is ready, under systemd; or -1
  bool guest_spoke_ = false;  // it wrote something since the last start-progress tick
  Phase phase_ = Phase::kAwaitHello;
  int signal_fd_ = -1;
  int deadline_fd_ = -1;  // --timeout
  int grace_fd_ = -1;  // the grace period after a stop, or the linger after Exit
  uint32_t grace_ms_ = 0;
  bool killed_after_exit_ = false;  // it said Exit, then lingered, and was killed
  bool stopped_by_user_ = false;
  bool reached_running_ = false;
  std::string end_message_;

  std::unique_ptr<GuestChannel> channel_;
  bool rings_usable_ = true;
  uint64_t lost_wakeups_ = 0;
  OutputWriter output_;
  bool output_blocked_ = false;  // the writer is full: the stdio ring waits
  bool accepting_ = true;  // false at the client cap or after EMFILE, until a client leaves

  bool started_ = false;  // Start was sent
  std::optional<v1::Exit> exit_;  // the guest's Exit message
  std::optional<int> outcome_;  // decided by the monitor (fault, timeout, kill)
  std::vector<Client> clients_;
  std::map<uint64_t, PendingRequest> pending_;  // by the id the request went to the guest with
  std::set<uint64_t> abandoned_;  // ids of requests whose client left
};

}  // namespace monocell
