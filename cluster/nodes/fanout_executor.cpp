// Parallel per-node work with progress and outcomes (see fanout_executor.h).
#include "cluster/nodes/fanout_executor.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace rayctl {
namespace {

class BoardReporter : public NodeReporter {
 public:
  BoardReporter(ProgressBoard& board, NodeOutcome& out, const FanoutOptions& opt, std::mutex& mu, const Style& style)
      : board_(board), out_(out), opt_(opt), mu_(mu), style_(style) {}
  void status(const std::string& text) override { board_.set(out_.node, text); }
  void line(int stream, const std::string& text) override {
    {
      std::lock_guard<std::mutex> g(mu_);
      out_.tail.push_back(text);
      if (out_.tail.size() > opt_.tail_lines) out_.tail.erase(out_.tail.begin());
    }
    if (opt_.stream_output) board_.log(style_.dim("[" + out_.node + "]") + (stream == 2 ? " " : " ") + text);
  }
  NodeOutcome& outcome() override { return out_; }

 private:
  ProgressBoard& board_;
  NodeOutcome& out_;
  const FanoutOptions& opt_;
  std::mutex& mu_;
  const Style& style_;
};

CancelFlag* g_flag = nullptr;
std::atomic<int> g_hits{0};
struct sigaction g_old_int, g_old_term;

void on_interrupt(int sig) {
  if (g_flag) g_flag->cancel();
  if (++g_hits >= 2) {
    ::sigaction(sig, sig == SIGINT ? &g_old_int : &g_old_term, nullptr);
  }
}

}  // namespace

FanoutExecutor::FanoutExecutor(IOStreams& io, FanoutOptions opt) : io_(io), opt_(opt) {}

std::vector<NodeOutcome> FanoutExecutor::run(const std::vector<std::string>& nodes,
                                             const std::function<void(size_t, NodeReporter&)>& work,
                                             const CancelFlag& cancel) {
  std::vector<NodeOutcome> outcomes(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) outcomes[i].node = nodes[i];
  IOStreams quiet = io_;
  quiet.verbosity = -1;
  ProgressBoard board(opt_.show_progress ? io_ : quiet);
  Style style{io_.color};
  for (const auto& n : nodes) board.set(n, "waiting");
  std::mutex tail_mu;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < nodes.size();) {
      NodeOutcome& out = outcomes[i];
      if (cancel.cancelled()) {
        out.cancelled = true;
        out.error_kind = ErrorKind::Cancelled;
        out.error = "node " + out.node + ": not started (cancelled)";
        board.set(out.node, "cancelled");
        continue;
      }
      BoardReporter rep(board, out, opt_, tail_mu, style);
      auto t0 = std::chrono::steady_clock::now();
      try {
        work(i, rep);
        out.ok = true;
        board.set(out.node, style.green("done") + (out.detail.empty() ? "" : " (" + out.detail + ")"));
      } catch (const Error& e) {
        out.error_kind = e.kind();
        out.error = e.message();
        out.hint = e.hint();
        out.cancelled = e.kind() == ErrorKind::Cancelled;
        board.set(out.node, out.cancelled ? style.yellow("cancelled") : style.red("failed") + ": " + e.message());
      } catch (const std::exception& e) {
        out.error_kind = ErrorKind::Internal;
        out.error = "node " + out.node + ": " + e.what();
        board.set(out.node, style.red("failed") + ": " + e.what());
      }
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  };
  size_t n_threads = std::min(nodes.size(), size_t(std::max(1, opt_.concurrency)));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < n_threads; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  board.finish();
  return outcomes;
}

InterruptGuard::InterruptGuard(CancelFlag& flag) {
  g_flag = &flag;
  g_hits = 0;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
  g_flag = nullptr;
}

void throw_first_failure(const std::vector<NodeOutcome>& outcomes, const std::string& what) {
  for (const auto& o : outcomes)
    if (o.cancelled) throw Error(ErrorKind::Cancelled, what + " cancelled", {}, {}, "node " + o.node);
  int failed = 0;
  const NodeOutcome* first = nullptr;
  for (const auto& o : outcomes)
    if (!o.ok) {
      ++failed;
      if (!first) first = &o;
    }
  if (!first) return;
  std::string msg = first->error;
  if (failed > 1) msg += " (and " + std::to_string(failed - 1) + " more node(s) failed)";
  throw Error(*first->error_kind, msg, first->hint);
}

}  // namespace rayctl
