// The rotary-embedding table of a model: cos/sin of pos·freq_i for every position a backend may
// use, with the model's frequency scaling (Llama-3.1 rope_freqs factors, "linear" or "llama3"
// rope_scaling). Every backend applies RoPE from this one table so they cannot drift apart.
#pragma once

#include "inference/model/model_config.h"

#include <vector>

namespace rayctl::inference {

struct RopeTable {
  int positions = 0;
  int half = 0;            // rope_dim / 2: values per position in each table
  std::vector<float> cos;  // [positions][half]
  std::vector<float> sin;
};

RopeTable make_rope_table(const ModelConfig& cfg, const ModelWeights& weights, int positions);

}  // namespace rayctl::inference
