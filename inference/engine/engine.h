// Engine: the worker's heart. It owns the backend, the KV block pool and the scheduler, and
// runs a thread that loops: take new requests and cancellations, plan a step, run the
// backend, sample, detokenize, apply stop rules, stream each request's new text to its
// callback. Requests enter through submit() from any thread; their callbacks run on the
// engine thread and must be quick (the HTTP layer only queues bytes). Every request gets
// exactly one final output (finished = true), whether it stopped, hit a limit, was cancelled
// or failed.
#pragma once

#include "inference/engine/backend.h"
#include "inference/engine/metrics.h"
#include "inference/engine/sampler.h"
#include "inference/engine/scheduler.h"
#include "inference/tokenizer/tokenizer.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace rayctl::inference {

enum class FinishReason { None, Stop, Length, Abort, Error };
const char* finish_reason_name(FinishReason r);  // "stop", "length", "abort", "error"

// What a request's callback receives after each step that produced something for it.
struct GenerationOutput {
  std::string text;             // new text: valid UTF-8, stop strings cut
  std::vector<int32_t> tokens;  // new token ids
  bool finished = false;
  FinishReason finish_reason = FinishReason::None;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  std::string error;                    // when finish_reason == Error
  std::vector<TokenLogprobs> logprobs;  // one per token when sampling.logprobs >= 0
  // With the first token, when asked: prompt token i's logprob (i >= 1) given tokens < i.
  std::vector<TokenLogprobs> prompt_logprobs;
};
using GenerationCallback = std::function<void(const GenerationOutput&)>;

struct GenerationRequest {
  std::vector<int32_t> prompt;
  SamplingParams sampling;
  GenerationCallback on_output;
  std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now();
  // Another request (an id from submit()) whose prompt this one shares: it is held back until
  // that one's prompt is in the KV cache (or it ended), so that with prefix caching it reuses
  // those blocks instead of computing them alongside (the n > 1 choices of one API request).
  int64_t after = 0;
  int prompt_logprobs = -1;  // >= 0: logprobs of the prompt's tokens (with that many alternatives)
};

struct EngineOptions {
  int max_seqs = 8;  // --parallel: sequences per step
  int max_tokens_per_step = 512;
  int prefill_chunk = 256;
  int context = 4096;  // --ctx: longest sequence (prompt + generation)
  int block_size = 16;
  int kv_blocks = 0;           // 0: enough for every slot to reach `context`... capped (see engine.cpp)
  int max_queued = 256;        // --max-queued: waiting requests before submit() refuses
  bool prefix_caching = true;  // reuse the KV blocks of prompts' common prefixes (PagedKvCache)
};

// Thrown by submit() when the queue is full (HTTP 503).
struct QueueFullError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct EngineSnapshot {
  int running = 0, waiting = 0;
  int kv_blocks_used = 0, kv_blocks_total = 0;
  int64_t steps = 0;
  int64_t prefix_cache_queries = 0, prefix_cache_hits = 0;  // prompt tokens looked up / found cached
};

class Engine {
 public:
  Engine(std::unique_ptr<Backend> backend, const Tokenizer& tokenizer, const EngineOptions& options,
         EngineMetrics* metrics = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a request and returns its id. Throws QueueFullError, or std::invalid_argument when
  // the prompt is empty or does not fit the context.
  int64_t submit(GenerationRequest request);
  // Queues requests that share one prompt (the n choices of an API request) together: all but
  // the first wait for the first's prompt and fork from it (see `after`). Returns their ids;
  // throws as submit() does, queueing none.
  std::vector<int64_t> submit_group(std::vector<GenerationRequest> requests);
  // Cancels a queued or running request: its KV blocks are freed before the next step and its
  // callback gets a final output with FinishReason::Abort. Unknown ids are ignored.
  void cancel(int64_t id);

  EngineSnapshot snapshot() const;
  const EngineOptions& options() const { return options_; }
  const Backend& backend() const { return *backend_; }
  const Tokenizer& tokenizer() const { return tokenizer_; }
  int context() const { return options_.context; }

 private:
  struct Request;
  void loop();
  void take_inbox();
  void run_step();
  void finish(Request& r, FinishReason why, const std::string& error = {});
  void emit_token(Request& r, int32_t token, const TokenLogprobs* lp);
  void release_held();
  void sample_and_emit(const StepPlan& plan);
  std::vector<Request*> fork_held(const Request& lead);
  void update_gauges();

  std::unique_ptr<Backend> backend_;
  Tokenizer tokenizer_;
  EngineOptions options_;
  EngineMetrics* metrics_;
  std::vector<int32_t> eos_ids_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Request>> inbox_;
  std::vector<std::unique_ptr<Request>> held_;  // engine thread: waiting for their `after` request
  std::vector<int64_t> cancels_;
  int64_t next_id_ = 1;
  int queued_ = 0;  // inbox + scheduler waiting (for max_queued)
  bool stop_ = false;
  EngineSnapshot snap_;

  // Engine-thread state.
  struct State;
  std::unique_ptr<State> st_;
  std::thread thread_;
};

}  // namespace rayctl::inference
