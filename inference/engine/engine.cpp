// Engine: request intake, the step loop, sampling and streaming (see engine.h).
#include "inference/engine/engine.h"

#include "inference/engine/paged_kv_cache.h"
#include "inference/engine/scheduler.h"

#include <algorithm>
#include <stdexcept>

namespace rayctl::inference {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Abort: return "abort";
    case FinishReason::Error: return "error";
    case FinishReason::None: break;
  }
  return "none";
}

struct Engine::Request {
  Request(int64_t id_, GenerationRequest&& r, const Tokenizer& tok)
      : id(id_),
        prompt_len(static_cast<int>(r.prompt.size())),
        params(std::move(r.sampling)),
        sampler(params),
        detok(tok, true),
        stop_filter(params.stop),
        cb(std::move(r.on_output)),
        arrival(r.arrival),
        after(r.after),
        prompt_logprobs(r.prompt_logprobs) {
    seq.id = id_;
    seq.no_prefix_cache = prompt_logprobs >= 0;  // every prompt position's logits are needed
    seq.tokens = std::move(r.prompt);
  }
  int64_t id;
  ScheduledSequence seq;
  int prompt_len;
  SamplingParams params;
  Sampler sampler;
  StreamingDetokenizer detok;
  StopStringFilter stop_filter;
  GenerationCallback cb;
  std::vector<int32_t> generated;
  std::chrono::steady_clock::time_point arrival, last_token;
  bool queue_time_recorded = false;
  int64_t after;
  int prompt_logprobs;                    // -1, or top N for each prompt token (echo)
  std::vector<TokenLogprobs> prompt_lps;  // for prompt tokens 1.., sent with the first output
};

struct Engine::State {
  State(int blocks, int block_size, bool prefix_caching, const SchedulerLimits& limits)
      : kv(blocks, block_size, prefix_caching), sched(kv, limits) {}
  PagedKvCache kv;
  int64_t queries_reported = 0, hits_reported = 0;  // prefix-cache counters already in the metrics
  Scheduler sched;
  std::unordered_map<int64_t, std::unique_ptr<Request>> live;
  std::vector<float> logits;
  ForwardBatch batch;
  int64_t steps = 0;
};

namespace {
using Clock = std::chrono::steady_clock;
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
constexpr size_t kMaxKvBytes = size_t(1) << 30;  // default pool cap: 1 GiB
}  // namespace

Engine::Engine(std::unique_ptr<Backend> backend, const Tokenizer& tokenizer, const EngineOptions& options,
               EngineMetrics* metrics)
    : backend_(std::move(backend)), tokenizer_(tokenizer), options_(options), metrics_(metrics) {
  if (options_.context <= 0) options_.context = backend_->shape().context_length;
  options_.max_seqs = std::max(1, options_.max_seqs);
  int blocks = options_.kv_blocks;
  const int per_seq = (options_.context + options_.block_size - 1) / options_.block_size;
  if (blocks <= 0) {
    size_t want = static_cast<size_t>(per_seq) * options_.max_seqs;
    const size_t pool = backend_->kv_pool_bytes() > 0 ? backend_->kv_pool_bytes() : kMaxKvBytes;
    size_t cap = pool / (backend_->kv_bytes_per_token() * options_.block_size);
    blocks = static_cast<int>(std::max<size_t>(std::min(want, cap), static_cast<size_t>(per_seq)));
  }
  options_.kv_blocks = blocks;
  backend_->allocate_kv({options_.block_size, blocks});
  SchedulerLimits limits{options_.max_seqs, options_.max_tokens_per_step, options_.prefill_chunk};
  st_ = std::make_unique<State>(blocks, options_.block_size, options_.prefix_caching, limits);
  eos_ids_ = tokenizer_.stop_ids();
  snap_.kv_blocks_total = blocks;
  if (metrics_) metrics_->registry.set(metrics_->kv_blocks_total, blocks);
  thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& r : held_) st_->live.emplace(r->id, std::move(r));
  for (auto& [id, r] : st_->live) {
    GenerationOutput out;
    out.finished = true;
    out.finish_reason = FinishReason::Abort;
    out.prompt_tokens = r->prompt_len;
    out.completion_tokens = static_cast<int>(r->generated.size());
    if (r->cb) r->cb(out);
  }
}

int64_t Engine::submit(GenerationRequest request) {
  std::vector<GenerationRequest> one;
  one.push_back(std::move(request));
  return submit_group(std::move(one)).front();
}

std::vector<int64_t> Engine::submit_group(std::vector<GenerationRequest> requests) {
  for (const GenerationRequest& request : requests) {
    if (request.prompt.empty()) throw std::invalid_argument("the prompt is empty");
    if (static_cast<int>(request.prompt.size()) >= options_.context)
      throw std::invalid_argument("the prompt has " + std::to_string(request.prompt.size()) +
                                  " tokens; the context holds " + std::to_string(options_.context));
    for (int32_t t : request.prompt) {
      if (t < 0 || t >= backend_->shape().vocab_size)
        throw std::invalid_argument("token id " + std::to_string(t) + " is out of range");
    }
  }
  std::lock_guard<std::mutex> lk(mu_);
  // A request that a free slot will take at the next step is not waiting: --max-queued counts
  // only those beyond the free slots (so --max-queued 0 still serves up to --parallel at once).
  const int free_slots = std::max(0, options_.max_seqs - snap_.running);
  if (queued_ + static_cast<int>(requests.size()) - 1 >= options_.max_queued + free_slots)
    throw QueueFullError("the server has " + std::to_string(queued_) + " requests waiting (--max-queued " +
                         std::to_string(options_.max_queued) + ")");
  std::vector<int64_t> ids;
  for (GenerationRequest& request : requests) {
    const int64_t id = next_id_++;
    if (!ids.empty()) request.after = ids.front();  // the group shares the first one's prompt
    ids.push_back(id);
    inbox_.push_back(std::make_unique<Request>(id, std::move(request), tokenizer_));
    ++queued_;
  }
  snap_.waiting = queued_;
  cv_.notify_all();
  return ids;
}

void Engine::cancel(int64_t id) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    cancels_.push_back(id);
  }
  cv_.notify_all();
}

EngineSnapshot Engine::snapshot() const {
  std::lock_guard<std::mutex> lk(mu_);
  return snap_;
}

void Engine::loop() {
  for (;;) {
    const bool busy = !st_->live.empty() || !held_.empty();
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stop_ || busy || !inbox_.empty() || !cancels_.empty(); });
      if (stop_) return;
    }
    take_inbox();
    if (!st_->live.empty()) run_step();
    update_gauges();
  }
}

void Engine::take_inbox() {
  std::vector<std::unique_ptr<Request>> inbox;
  std::vector<int64_t> cancels;
  {
    std::lock_guard<std::mutex> lk(mu_);
    inbox.swap(inbox_);
    cancels.swap(cancels_);
  }
  for (auto& r : inbox) held_.push_back(std::move(r));
  for (int64_t id : cancels) {
    auto it = st_->live.find(id);
    if (it != st_->live.end()) finish(*it->second, FinishReason::Abort);
    auto h = std::find_if(held_.begin(), held_.end(), [id](const auto& r) { return r->id == id; });
    if (h != held_.end()) {
      auto r = std::move(*h);
      held_.erase(h);
      st_->live.emplace(r->id, std::move(r));  // finish() expects it live (and in no scheduler queue)
      finish(*st_->live.at(id), FinishReason::Abort);
    }
  }
  release_held();
}

// Hands the held requests to the scheduler, in order, except those whose `after` request is
// still live with its prompt not yet cached.
void Engine::release_held() {
  for (auto it = held_.begin(); it != held_.end();) {
    Request& r = **it;
    auto lead = st_->live.find(r.after);
    const bool wait = r.after != 0 && lead != st_->live.end() && lead->second->seq.n_cached < lead->second->prompt_len;
    if (wait) {
      ++it;
      continue;
    }
    st_->sched.add(&r.seq);
    st_->live.emplace(r.id, std::move(*it));
    it = held_.erase(it);
  }
}

void Engine::run_step() {
  auto& st = *st_;
  StepPlan plan = st.sched.plan();
  if (metrics_ && !plan.preempted.empty())
    metrics_->registry.add(metrics_->preemptions, static_cast<double>(plan.preempted.size()));
  if (plan.slices.empty()) {
    // Nothing fits although requests wait: the pool cannot hold even one of them.
    std::vector<Request*> stuck;
    for (auto& [id, r] : st.live) stuck.push_back(r.get());
    for (Request* r : stuck) finish(*r, FinishReason::Error, "the KV cache is too small for this request");
    return;
  }
  st.batch.slices.clear();
  for (const auto& ps : plan.slices) {
    const Request& r = *st.live.at(ps.seq->id);
    SequenceSlice s;
    s.tokens = std::span<const int32_t>(ps.seq->tokens)
                   .subspan(static_cast<size_t>(ps.seq->n_cached), static_cast<size_t>(ps.n_tokens));
    s.pos0 = ps.seq->n_cached;
    s.block_table = st.kv.block_table(ps.seq->id);
    s.want_logits = ps.want_logits;
    s.all_logits = r.prompt_logprobs >= 0 && ps.seq->n_cached < r.prompt_len;  // echo with logprobs
    st.batch.slices.push_back(s);
  }
  const size_t vocab = static_cast<size_t>(backend_->shape().vocab_size);
  st.logits.resize(static_cast<size_t>(st.batch.logit_rows()) * vocab);
  try {
    backend_->forward(st.batch, st.logits);
  } catch (const std::exception& e) {
    std::vector<Request*> failed;
    for (const auto& ps : plan.slices) failed.push_back(st.live.at(ps.seq->id).get());
    for (Request* r : failed) finish(*r, FinishReason::Error, std::string("backend failure: ") + e.what());
    return;
  }
  st.sched.commit(plan);
  ++st.steps;
  if (metrics_) metrics_->registry.observe(metrics_->iteration_tokens, plan.tokens);
  sample_and_emit(plan);
  if (!held_.empty()) release_held();
}

// Walks the step's logits rows: prompt logprobs for slices that asked for every row, then a
// token for every slice that ends at its sequence's last token; then streams the tokens.
void Engine::sample_and_emit(const StepPlan& plan) {
  auto& st = *st_;
  const size_t vocab = static_cast<size_t>(backend_->shape().vocab_size);
  const auto now = Clock::now();
  size_t row = 0;
  struct Sampled {
    Request* r;
    int32_t token;
    TokenLogprobs lp;
  };
  std::vector<Sampled> sampled;
  for (size_t i = 0; i < plan.slices.size(); ++i) {
    const auto& ps = plan.slices[i];
    const SequenceSlice& sl = st.batch.slices[i];
    Request& r = *st.live.at(ps.seq->id);
    if (!r.queue_time_recorded && metrics_) metrics_->registry.observe(metrics_->queue_time, seconds(now - r.arrival));
    r.queue_time_recorded = true;
    if (sl.all_logits) {                       // row j predicts the token after position pos0 + j
      if (sl.pos0 == 0) r.prompt_lps.clear();  // (again, after a preemption)
      for (size_t j = 0; j + 1 < sl.tokens.size() || (j + 1 == sl.tokens.size() && !ps.want_logits); ++j) {
        const size_t next = static_cast<size_t>(sl.pos0) + j + 1;
        if (next < static_cast<size_t>(r.prompt_len)) {
          const std::span<const float> lg(st.logits.data() + (row + j) * vocab, vocab);
          r.prompt_lps.push_back(logprobs_of(lg, ps.seq->tokens[next], r.prompt_logprobs));
        }
      }
      row += sl.tokens.size() - (ps.want_logits ? 1 : 0);
    }
    if (!ps.want_logits) continue;
    std::span<float> lg(st.logits.data() + row * vocab, vocab);
    ++row;
    if (r.generated.empty() && r.prompt_logprobs < 0) {  // its prompt is done: fork the choices waiting on it
      for (Request* f : fork_held(r)) {
        std::vector<float> own(lg.begin(), lg.end());  // each draws from the prompt's logits with its own sampler
        Sampled fs{f, 0, {}};
        fs.token = f->sampler.sample(own, f->generated, &fs.lp);
        sampled.push_back(std::move(fs));
      }
    }
    Sampled sm{&r, 0, {}};
    sm.token = r.sampler.sample(lg, r.generated, &sm.lp);
    sampled.push_back(std::move(sm));
  }
  for (auto& sm : sampled) emit_token(*sm.r, sm.token, sm.r->params.logprobs >= 0 ? &sm.lp : nullptr);
}

// The held requests that share `lead`'s prompt (the other n choices) take its KV blocks as they
// are now, copy-on-write: the full blocks shared, the partial last one copied into a block of
// their own. They run from the next step with their prompt cached. One that cannot (no free
// block or slot) stays held and reads the prefix cache later.
std::vector<Engine::Request*> Engine::fork_held(const Request& lead) {
  std::vector<Request*> forked;
  auto& st = *st_;
  for (auto it = held_.begin(); it != held_.end();) {
    Request& f = **it;
    if (f.after != lead.id || f.prompt_logprobs >= 0 || f.seq.tokens != lead.seq.tokens) {
      ++it;
      continue;
    }
    int32_t from = -1;
    const int32_t fresh = st.kv.fork(lead.id, f.id, lead.prompt_len, &from);
    if (from == -2) break;
    if (!st.sched.add_running(&f.seq)) {
      st.kv.release(f.id);
      break;
    }
    if (fresh >= 0) backend_->copy_kv_block(from, fresh);
    f.seq.n_cached = lead.prompt_len;
    forked.push_back(&f);
    st.live.emplace(f.id, std::move(*it));
    it = held_.erase(it);
  }
  return forked;
}

void Engine::emit_token(Request& r, int32_t token, const TokenLogprobs* lp) {
  const auto now = Clock::now();
  if (metrics_) {
    if (r.generated.empty())
      metrics_->registry.observe(metrics_->ttft, seconds(now - r.arrival));
    else
      metrics_->registry.observe(metrics_->itl, seconds(now - r.last_token));
    metrics_->registry.add(metrics_->generation_tokens);
  }
  r.last_token = now;
  r.generated.push_back(token);
  r.seq.tokens.push_back(token);

  FinishReason why = FinishReason::None;
  const auto& extra = r.params.stop_token_ids;
  bool stop_token = std::find(extra.begin(), extra.end(), token) != extra.end() ||
                    (!r.params.ignore_eos && std::binary_search(eos_ids_.begin(), eos_ids_.end(), token));
  GenerationOutput out;
  out.tokens.push_back(token);
  if (lp) out.logprobs.push_back(*lp);
  if (r.generated.size() == 1 && r.prompt_logprobs >= 0) out.prompt_logprobs = std::move(r.prompt_lps);
  if (stop_token) {
    why = FinishReason::Stop;
  } else {
    out.text = r.stop_filter.push(r.detok.push(token));
    if (r.stop_filter.stopped()) why = FinishReason::Stop;
  }
  if (why == FinishReason::None && static_cast<int>(r.generated.size()) >= r.params.max_tokens)
    why = FinishReason::Length;
  if (why == FinishReason::None && static_cast<int>(r.seq.tokens.size()) >= options_.context)
    why = FinishReason::Length;
  if (why != FinishReason::None && !r.stop_filter.stopped()) {
    out.text += r.stop_filter.push(r.detok.finish());
    out.text += r.stop_filter.flush();
  }
  out.finished = why != FinishReason::None;
  out.finish_reason = why;
  out.prompt_tokens = r.prompt_len;
  out.completion_tokens = static_cast<int>(r.generated.size());
  if (r.cb) r.cb(out);
  if (out.finished) finish(r, why);
}

// Final bookkeeping. For Abort/Error the callback gets its final output here; for Stop/Length
// emit_token already delivered it.
void Engine::finish(Request& r, FinishReason why, const std::string& error) {
  if ((why == FinishReason::Abort || why == FinishReason::Error) && r.cb) {
    GenerationOutput out;
    out.finished = true;
    out.finish_reason = why;
    out.error = error;
    out.prompt_tokens = r.prompt_len;
    out.completion_tokens = static_cast<int>(r.generated.size());
    r.cb(out);
  }
  if (metrics_) {
    auto& m = *metrics_;
    m.registry.add(why == FinishReason::Stop     ? m.success_stop
                   : why == FinishReason::Length ? m.success_length
                   : why == FinishReason::Abort  ? m.success_abort
                                                 : m.success_error);
    m.registry.add(m.prompt_tokens, r.prompt_len);
    m.registry.observe(m.prompt_len, r.prompt_len);
    m.registry.observe(m.gen_len, static_cast<double>(r.generated.size()));
    m.registry.observe(m.e2e, seconds(Clock::now() - r.arrival));
  }
  st_->sched.remove(&r.seq);
  st_->live.erase(r.id);  // destroys r
}

void Engine::update_gauges() {
  auto& st = *st_;
  std::lock_guard<std::mutex> lk(mu_);
  queued_ = static_cast<int>(st.sched.waiting() + inbox_.size() + held_.size());
  snap_.running = static_cast<int>(st.sched.running());
  snap_.waiting = queued_;
  snap_.kv_blocks_used = st.kv.used_blocks();
  snap_.kv_blocks_total = st.kv.num_blocks();
  snap_.steps = st.steps;
  if (metrics_) {
    auto& m = *metrics_;
    m.registry.set(m.requests_running, snap_.running);
    m.registry.set(m.requests_waiting, snap_.waiting);
    m.registry.set(m.kv_usage, st.kv.usage());
    m.registry.set(m.kv_blocks_used, snap_.kv_blocks_used);
    m.registry.add(m.prefix_cache_queries, static_cast<double>(st.kv.prefix_queries() - st.queries_reported));
    m.registry.add(m.prefix_cache_hits, static_cast<double>(st.kv.prefix_hits() - st.hits_reported));
  }
  st.queries_reported = st.kv.prefix_queries();
  st.hits_reported = st.kv.prefix_hits();
  snap_.prefix_cache_queries = st.queries_reported;
  snap_.prefix_cache_hits = st.hits_reported;
}

}  // namespace rayctl::inference
