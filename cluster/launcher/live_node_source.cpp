// The head's GCS and dashboard as `up`'s LiveNodeSource (see live_node_source.h).
#include "cluster/launcher/live_node_source.h"

#include <atomic>
#include <chrono>
#include <thread>

namespace rayctl {

namespace {

using Clock = std::chrono::steady_clock;

// The node list from Ray's GCS, through gcs_nodes_command() run on the head; nullopt (and a -v
// line saying why) when it cannot be had there.
std::optional<std::vector<LiveNode>> gcs_nodes(RemoteRunner& head, const std::string& command, IOStreams& io,
                                               const CancelFlag& cancel) {
  std::optional<std::vector<LiveNode>> got;
  std::string last;
  try {
    int rc = head.run(
        {command, {}},
        [&](int stream, const std::string& line) {
          if (stream == 1 && !got) got = parse_gcs_nodes_line(line);
          if (!line.empty()) last = line;
        },
        cancel);
    if (!got)
      say_debug(io, "GCS query on the head gave no node list (exit " + std::to_string(rc) +
                        (last.empty() ? "" : ": " + last) + ")");
  } catch (const Error& e) {
    if (ends_retries(e)) throw;
    say_debug(io, "GCS query on the head failed: " + e.message());
  }
  return got;
}

class HeadLiveNodes : public LiveNodeSource {
 public:
  HeadLiveNodes(const LauncherConfig& cfg, const ClusterPlan& shape, const ConnectOptions& connect,
                const RunnerFactory& runners, IOStreams& io)
      : cfg_(cfg),
        connect_(connect),
        io_(io),
        port_(shape.head.dashboard_port),
        head_(runners(cfg.nodes.front())),
        gcs_command_(
            gcs_nodes_command(shape.head.ray_program, shape.head_host + ":" + std::to_string(shape.head.gcs_port))) {}

  std::optional<std::vector<LiveNode>> observe(const CancelFlag& cancel) override;

  void head_started(const CancelFlag& cancel) override {
    try {
      access(cancel);
    } catch (const Error&) {
      // The ALIVE wait retries; nothing is lost.
    }
  }

  // A dashboard that answered before this run (a re-run) is asked first: one GET is cheapest.
  // A GCS query that cannot run on the head (no Python next to `ray`) switches to the dashboard.
  std::vector<LiveNode> nodes(const CancelFlag& cancel) override {
    if (dashboard_answered_) {
      try {
        last_ = "dashboard";
        return access(cancel).nodes(gcs_usable_ ? 1000 : 5000);
      } catch (const Error& e) {
        if (!gcs_usable_ || ends_retries(e)) throw;
        drop_broken_tunnel();
        dashboard_answered_ = false;  // e.g. the head restarted: its dashboard is not up yet
      }
    }
    if (gcs_usable_) {
      last_ = "GCS";
      if (auto got = gcs_nodes(*head_, gcs_command_, io_, cancel)) return *got;
      gcs_usable_ = false;
    }
    last_ = "dashboard";
    try {
      return access(cancel).nodes(2000);
    } catch (const Error&) {
      drop_broken_tunnel();
      throw;
    }
  }

  void check_dashboard(const CancelFlag& cancel) override {
    try {
      access(cancel).nodes(2000);
    } catch (const Error&) {
      drop_broken_tunnel();
      throw;
    }
  }

  std::string last_source() const override { return last_; }

 private:
  DashboardAccess& access(const CancelFlag& cancel) {
    if (!access_) access_ = std::make_unique<DashboardAccess>(cfg_.nodes.front(), cfg_.ssh, connect_, port_, &cancel);
    return *access_;
  }
  // A dashboard not up yet keeps the tunnel; a lost SSH connection needs a new one.
  void drop_broken_tunnel() {
    if (access_ && access_->broken()) access_.reset();
  }
  bool dashboard_get(int timeout_ms, const CancelFlag& cancel, std::optional<std::vector<LiveNode>>& live,
                     std::string& last_error);

  const LauncherConfig& cfg_;
  ConnectOptions connect_;
  IOStreams& io_;
  int port_;
  std::unique_ptr<RemoteRunner> head_;
  std::string gcs_command_;
  std::unique_ptr<DashboardAccess> access_;
  bool dashboard_answered_ = false;
  bool gcs_usable_ = true;
  std::string last_ = "GCS";
};

// One short GET; false (with a -v line for a new reason) when the dashboard did not answer.
bool HeadLiveNodes::dashboard_get(int timeout_ms, const CancelFlag& cancel, std::optional<std::vector<LiveNode>>& live,
                                  std::string& last_error) {
  try {
    live = access(cancel).nodes(timeout_ms);
    dashboard_answered_ = true;
    return true;
  } catch (const Error& e) {
    if (ends_retries(e)) throw;
    if (e.message() != last_error) say_debug(io_, "dashboard probe: " + e.message());
    last_error = e.message();
    drop_broken_tunnel();
    return false;
  }
}

// A dashboard that is up answers in milliseconds, but one still starting (right after `up`)
// accepts connections and stays silent for seconds while every node is already ALIVE in the
// GCS. So the GCS is asked at the same time, on a thread; the first good answer wins.
std::optional<std::vector<LiveNode>> HeadLiveNodes::observe(const CancelFlag& cancel) {
  std::optional<std::vector<LiveNode>> live;
  std::string last_error;
  if (dashboard_get(300, cancel, live, last_error)) return live;  // the usual case: one GET
  std::optional<std::vector<LiveNode>> from_gcs;
  std::optional<Error> gcs_error;
  std::atomic<bool> gcs_done{false};
  CancelFlag stop_gcs(&cancel);
  // Not cancelled when the dashboard answers first: a cancelled query can take seconds to wind
  // down on the head, and it ends by itself within about a second.
  std::thread gcs([&] {
    try {
      from_gcs = gcs_nodes(*head_, gcs_command_, io_, stop_gcs);
    } catch (const Error& e) {
      gcs_error = e;
    }
    gcs_done = true;
  });
  // Short GETs, repeated until the dashboard or the GCS answers (a GET cannot be abandoned).
  auto until = Clock::now() + std::chrono::seconds(3);
  bool answered = false;
  try {
    while (!answered && !gcs_done && Clock::now() < until && !cancel.cancelled()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      answered = dashboard_get(300, cancel, live, last_error);
    }
  } catch (const Error&) {
    gcs.join();
    throw;
  }
  if (!gcs_done) stop_gcs.cancel();  // nothing answered in 3 s (Ray not running?): stop asking
  gcs.join();
  if (answered) return live;
  if (gcs_error && (gcs_error->kind() == ErrorKind::Auth || gcs_error->kind() == ErrorKind::HostKey)) throw *gcs_error;
  return from_gcs;
}

}  // namespace

std::unique_ptr<LiveNodeSource> head_live_nodes(const LauncherConfig& cfg, const ClusterPlan& shape,
                                                const ConnectOptions& connect, const RunnerFactory& runners,
                                                IOStreams& io) {
  return std::make_unique<HeadLiveNodes>(cfg, shape, connect, runners, io);
}

}  // namespace rayctl
