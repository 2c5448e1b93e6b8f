// Sampler and StopStringFilter.
#include "inference/engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace rayctl::inference {

int32_t argmax(std::span<const float> logits) {
  int32_t best = 0;
  float bv = -INFINITY;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] > bv) {
      bv = logits[i];
      best = static_cast<int32_t>(i);
    }
  }
  return best;
}

Sampler::Sampler(const SamplingParams& params) : params_(params) {
  if (params.grammar) matcher_ = std::make_unique<JsonMatcher>(params.grammar);
  if (params.seed) {
    rng_.seed(*params.seed);
  } else {
    std::random_device rd;
    rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd());
  }
}

void Sampler::apply_penalties(std::span<float> logits, std::span<const int32_t> history) const {
  if (history.empty()) return;
  bool rep = params_.repetition_penalty != 1.0f;
  bool freq = params_.frequency_penalty != 0.0f || params_.presence_penalty != 0.0f;
  if (!rep && !freq) return;
  std::unordered_map<int32_t, int> counts;
  for (int32_t t : history) {
    if (t >= 0 && static_cast<size_t>(t) < logits.size()) ++counts[t];
  }
  for (auto [tok, n] : counts) {
    float& l = logits[tok];
    if (rep) l = l > 0 ? l / params_.repetition_penalty : l * params_.repetition_penalty;
    if (freq) l -= params_.frequency_penalty * static_cast<float>(n) + params_.presence_penalty;
  }
}

int32_t Sampler::sample(std::span<float> logits, std::span<const int32_t> history, TokenLogprobs* lp) {
  for (const auto& [tok, bias] : params_.logit_bias)
    if (tok >= 0 && static_cast<size_t>(tok) < logits.size()) logits[static_cast<size_t>(tok)] += bias;
  apply_penalties(logits, history);
  if (matcher_) matcher_->mask(logits);
  const int32_t token = choose(logits);
  if (lp && params_.logprobs >= 0)
    *lp = logprobs_of(logits, token, params_.logprobs, params_.temperature > 0.0f ? 1.0 / params_.temperature : 1.0);
  if (matcher_) matcher_->accept(token);
  return token;
}

TokenLogprobs logprobs_of(std::span<const float> logits, int32_t token, int top_n, double scale) {
  TokenLogprobs lp;
  double mx = -INFINITY;
  for (float l : logits) mx = std::max(mx, l * scale);
  double sum = 0;
  for (float l : logits) sum += std::exp(l * scale - mx);
  const double lse = mx + std::log(sum);
  lp.token = token;
  lp.logprob = static_cast<float>(logits[static_cast<size_t>(token)] * scale - lse);
  const size_t k = std::min(static_cast<size_t>(std::max(top_n, 0)), logits.size());
  if (k == 0) return lp;
  std::vector<std::pair<float, int32_t>> c(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) c[i] = {logits[i], static_cast<int32_t>(i)};
  auto better = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  std::partial_sort(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(k), c.end(), better);
  for (size_t i = 0; i < k && std::isfinite(c[i].first); ++i)  // not the tokens a grammar ruled out
    lp.top.emplace_back(c[i].second, static_cast<float>(c[i].first * scale - lse));
  return lp;
}

int32_t Sampler::choose(std::span<float> logits) {
  if (params_.temperature <= 0.0f || params_.top_k == 1) return argmax(logits);

  const float inv_t = 1.0f / params_.temperature;
  const size_t n = logits.size();
  auto& c = candidates_;
  c.resize(n);
  float max_l = -INFINITY;
  for (size_t i = 0; i < n; ++i) {
    c[i] = {logits[i] * inv_t, static_cast<int32_t>(i)};
    max_l = std::max(max_l, c[i].first);
  }
  auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first; };
  auto weight = [max_l](float l) { return std::exp(static_cast<double>(l - max_l)); };

  size_t keep = n;
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n) {
    keep = static_cast<size_t>(params_.top_k);
    std::nth_element(c.begin(), c.begin() + (keep - 1), c.end(), by_logit);
  }
  // top_p: the smallest most-probable prefix whose mass reaches top_p. Sort lazily, in
  // growing chunks, because the nucleus is usually a few dozen tokens out of ~50k.
  if (params_.top_p < 1.0f) {
    double total = 0;
    for (size_t i = 0; i < keep; ++i) total += weight(c[i].first);
    double cum = 0;
    size_t sorted = 0, chunk = 64, cut = keep;
    while (sorted < keep && cut == keep) {
      size_t end = std::min(keep, sorted + chunk);
      if (end < keep) std::nth_element(c.begin() + sorted, c.begin() + (end - 1), c.begin() + keep, by_logit);
      std::sort(c.begin() + sorted, c.begin() + end, by_logit);
      for (size_t i = sorted; i < end; ++i) {
        cum += weight(c[i].first) / total;
        if (cum >= params_.top_p) {
          cut = i + 1;
          break;
        }
      }
      sorted = end;
      chunk *= 4;
    }
    keep = cut;
  }
  // min_p: drop tokens whose probability is below min_p times the top probability.
  if (params_.min_p > 0.0f) {
    const float cut = max_l + std::log(params_.min_p);
    auto mid = std::partition(c.begin(), c.begin() + keep, [cut](const auto& x) { return x.first >= cut; });
    keep = std::max<size_t>(1, mid - c.begin());
  }
  double mass = 0;
  for (size_t i = 0; i < keep; ++i) mass += weight(c[i].first);
  double r = std::uniform_real_distribution<double>(0.0, mass)(rng_);
  for (size_t i = 0; i < keep; ++i) {
    r -= weight(c[i].first);
    if (r <= 0) return c[i].second;
  }
  return c[keep - 1].second;
}

StopStringFilter::StopStringFilter(std::vector<std::string> stops) {
  for (auto& s : stops) {
    if (!s.empty()) stops_.push_back(std::move(s));
  }
}

std::string StopStringFilter::push(std::string_view text) {
  if (stopped_) return {};
  pending_.append(text);
  if (stops_.empty()) {
    std::string out;
    out.swap(pending_);
    return out;
  }
  // The earliest match wins.
  size_t best = std::string::npos;
  for (const auto& s : stops_) {
    size_t at = pending_.find(s);
    if (at != std::string::npos && at < best) {
      best = at;
      matched_ = s;
    }
  }
  if (best != std::string::npos) {
    stopped_ = true;
    std::string out = pending_.substr(0, best);
    pending_.clear();
    return out;
  }
  // Hold back the longest tail that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const auto& s : stops_) {
    size_t maxl = std::min(s.size() - 1, pending_.size());
    for (size_t l = maxl; l > hold; --l) {
      if (pending_.compare(pending_.size() - l, l, s, 0, l) == 0) {
        hold = l;
        break;
      }
    }
  }
  std::string out = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string StopStringFilter::flush() {
  std::string out;
  if (!stopped_) out.swap(pending_);
  return out;
}

size_t incomplete_utf8_tail(std::string_view text) {
  // Look back at most 3 bytes for a lead byte whose sequence runs past the end.
  size_t n = text.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    auto c = static_cast<unsigned char>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    size_t len = (c & 0x80) == 0 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return len > back ? back : 0;
  }
  return 0;
}

}  // namespace rayctl::inference
