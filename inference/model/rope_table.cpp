// make_rope_table: see rope_table.h.
#include "inference/model/rope_table.h"

#include "inference/kernels/quant_formats.h"

#include <cmath>
#include <numbers>

namespace rayctl::inference {

namespace {

// The inverse frequency of rotary pair i, after the model's scaling.
double scaled_inv_freq(const ModelConfig& cfg, const std::vector<float>& freq_factors, int i) {
  double f = std::pow(static_cast<double>(cfg.rope_theta), -2.0 * i / cfg.rope_dim);
  const auto& sc = cfg.rope_scaling;
  if (!freq_factors.empty()) {
    f /= freq_factors[static_cast<size_t>(i)];
  } else if (sc.type == "linear" && sc.factor > 0) {
    f /= sc.factor;
  } else if (sc.type == "llama3" && sc.original_context > 0) {
    // HF _compute_llama3_parameters.
    const double low_wl = sc.original_context / sc.low_freq_factor;
    const double high_wl = sc.original_context / sc.high_freq_factor;
    const double wl = 2 * std::numbers::pi / f;
    if (wl > low_wl) {
      f /= sc.factor;
    } else if (wl >= high_wl) {
      double smooth = (sc.original_context / wl - sc.low_freq_factor) / (sc.high_freq_factor - sc.low_freq_factor);
      f = (1 - smooth) * f / sc.factor + smooth * f;
    }
  }
  return f;
}

}  // namespace

RopeTable make_rope_table(const ModelConfig& cfg, const ModelWeights& weights, int positions) {
  RopeTable t;
  t.positions = positions;
  t.half = cfg.rope_dim / 2;
  std::vector<float> freq_factors;
  if (weights.rope_freqs) {
    const WeightView& w = *weights.rope_freqs;
    freq_factors.resize(static_cast<size_t>(w.row_len()));
    dequantize_row(w.type, w.data, freq_factors.data(), w.row_len());
  }
  std::vector<double> inv_freq(static_cast<size_t>(t.half));
  for (int i = 0; i < t.half; ++i) inv_freq[static_cast<size_t>(i)] = scaled_inv_freq(cfg, freq_factors, i);
  t.cos.resize(static_cast<size_t>(positions) * t.half);
  t.sin.resize(t.cos.size());
  for (int p = 0; p < positions; ++p) {
    for (int i = 0; i < t.half; ++i) {
      const double a = p * inv_freq[static_cast<size_t>(i)];
      t.cos[static_cast<size_t>(p) * t.half + i] = static_cast<float>(std::cos(a));
      t.sin[static_cast<size_t>(p) * t.half + i] = static_cast<float>(std::sin(a));
    }
  }
  return t;
}

}  // namespace rayctl::inference
