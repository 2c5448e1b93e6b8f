// The per-token cost of grammar-constrained sampling (issue 17): JsonMatcher::mask() on a real
// vocabulary, split into states whose mask is computed (every token tried) and states found
// in the grammar's cache, plus accept(). Random walks (uniform among allowed tokens, as in
// tests/inference/grammar) over the schemas below stand in for generation.
//
//   build/bench/bench_grammar_mask MODEL.gguf [WALKS]
#include "inference/grammar/json_grammar.h"
#include "inference/grammar/json_matcher.h"
#include "inference/model/model_config.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

using namespace rayctl::inference;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.gguf [WALKS]\n", argv[0]);
    return 2;
  }
  const int walks = argc > 2 ? std::atoi(argv[2]) : 20;
  auto model = ModelFile::open(argv[1]);
  const auto& tok = model->tokenizer();
  const char* schemas[] = {
      R"({"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer"}},
          "required": ["name", "age"]})",
      R"({"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string", "maxLength": 12},
          "maxItems": 4}, "colour": {"enum": ["red", "green", "blue"]}}, "required": ["tags", "colour"]})",
      R"({"type": "object"})",
  };
  std::mt19937 rng(1);
  double computed_s = 0, cached_s = 0, accept_s = 0;
  long computed = 0, cached = 0, accepted = 0;
  std::vector<float> logits(static_cast<size_t>(tok.n_vocab()));
  for (const char* text : schemas) {
    auto g = JsonGrammar::from_schema(nlohmann::json::parse(text), tok);
    for (int w = 0; w < walks; ++w) {
      JsonMatcher m(g);
      for (int step = 0; step < 300; ++step) {
        std::fill(logits.begin(), logits.end(), 0.0f);
        const int before = m.computed();
        const auto t0 = Clock::now();
        m.mask(logits);
        const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
        (m.computed() > before ? computed_s : cached_s) += dt;
        (m.computed() > before ? computed : cached) += 1;
        std::vector<int32_t> allowed;
        for (size_t t = 0; t < logits.size(); ++t)
          if (std::isfinite(logits[t])) allowed.push_back(static_cast<int32_t>(t));
        const int32_t t = allowed[std::uniform_int_distribution<size_t>(0, allowed.size() - 1)(rng)];
        const auto& eos = g->eos_ids();
        if (std::find(eos.begin(), eos.end(), t) != eos.end()) break;
        const auto a0 = Clock::now();
        m.accept(t);
        accept_s += std::chrono::duration<double>(Clock::now() - a0).count();
        ++accepted;
      }
    }
  }
  std::printf(
      "{\"vocab\": %d, \"masks_computed\": %ld, \"mask_computed_us\": %.1f, \"masks_cached\": %ld, "
      "\"mask_cached_us\": %.2f, \"accepts\": %ld, \"accept_us\": %.2f, \"cache_hit_rate\": %.3f}\n",
      tok.n_vocab(), computed, computed ? 1e6 * computed_s / computed : 0.0, cached,
      cached ? 1e6 * cached_s / cached : 0.0, accepted, accepted ? 1e6 * accept_s / accepted : 0.0,
      static_cast<double>(cached) / std::max(1L, computed + cached));
  return 0;
}
