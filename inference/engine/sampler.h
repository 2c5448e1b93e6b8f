// Sampling: how the next token is chosen from a step's logits (greedy, temperature, top_k,
// top_p, min_p, penalties, a seeded RNG), and when a generation stops (stop token ids, EOS
// unless ignore_eos, max_tokens, stop strings cut from the streamed text). The parameters are
// the vLLM / OpenAI ones; validation of their ranges happens in the API layer.
#pragma once

#include "inference/grammar/json_matcher.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rayctl::inference {

struct SamplingParams {
  float temperature = 1.0f;  // <= 0: greedy
  int top_k = 0;             // <= 0: off
  float top_p = 1.0f;        // 1: off
  float min_p = 0.0f;        // 0: off
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  float repetition_penalty = 1.0f;  // 1: off (HF / vLLM semantics)
  std::optional<uint64_t> seed;
  int max_tokens = 16;
  bool ignore_eos = false;
  std::vector<std::string> stop;                      // stop strings (excluded from the output)
  std::vector<int32_t> stop_token_ids;                // extra stop ids, besides the model's EOS ids
  std::vector<std::pair<int32_t, float>> logit_bias;  // added to those tokens' logits first
  int logprobs = -1;  // -1: none; else the chosen token's log-probability and this many of the best
  std::shared_ptr<const JsonGrammar> grammar;  // response_format: only tokens it allows are drawn
};

// A sampled token's log-probability and the best alternatives', from the distribution the
// sampler drew from: log-softmax of the logits after logit_bias, penalties and temperature
// (before top-k / top-p / min-p, which only cut candidates; greedy: no temperature).
struct TokenLogprobs {
  int32_t token = 0;
  float logprob = 0;
  std::vector<std::pair<int32_t, float>> top;  // best first, `logprobs` of them
};

// Chooses tokens for one sequence; owns that sequence's RNG so seeded runs are reproducible.
class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);
  // `logits` is modified in place (bias, penalties). `history` holds the tokens generated so
  // far (for the penalties). With params.logprobs >= 0 and `lp`, fills *lp for the token.
  int32_t sample(std::span<float> logits, std::span<const int32_t> history, TokenLogprobs* lp = nullptr);

 private:
  void apply_penalties(std::span<float> logits, std::span<const int32_t> history) const;
  int32_t choose(std::span<float> logits);  // temperature, top-k, top-p, min-p, the draw
  SamplingParams params_;
  std::unique_ptr<JsonMatcher> matcher_;  // with a grammar
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // reused: no allocation per token
};

int32_t argmax(std::span<const float> logits);

// The log-probability of `token` and the `top_n` best under log-softmax(logits · scale).
TokenLogprobs logprobs_of(std::span<const float> logits, int32_t token, int top_n, double scale = 1.0);

// StopStringFilter: streams generated text through while holding back any tail that could
// still become a stop string; once one matches, the text before it is released and the
// filter reports stopped(). Text after the match is dropped.
class StopStringFilter {
 public:
  explicit StopStringFilter(std::vector<std::string> stops);
  // Adds text; returns what may be emitted now.
  std::string push(std::string_view text);
  // At the end of a generation that did not stop on a string: releases the held-back text.
  std::string flush();
  bool stopped() const { return stopped_; }
  const std::string& matched() const { return matched_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
  std::string matched_;
};

// Length of the longest suffix of `text` that is an incomplete UTF-8 sequence (0..3): bytes a
// streaming decoder must hold back until the next token completes the character.
size_t incomplete_utf8_tail(std::string_view text);

}  // namespace rayctl::inference
