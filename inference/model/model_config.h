// ModelFile: a model on disk opened and validated — either one GGUF file or a HF checkpoint
// directory (config.json + safetensors, single or sharded, + tokenizer.json) — exposing the same
// things whatever the source: hyperparameters (ModelConfig), every weight as a WeightView
// {ggml type, ggml-order shape, raw bytes}, the tokenizer and the chat template.
// Supported architectures: llama (incl. SmolLM2), mistral, qwen2. This file reads metadata and
// checks shapes; it never computes (the backends do) and never copies weights.
#pragma once

#include "inference/model/weight_view.h"
#include "inference/template/chat_template.h"
#include "inference/tokenizer/tokenizer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rayctl::inference {

enum class ModelArch { Llama, Mistral, Qwen2 };
std::string_view model_arch_name(ModelArch a);  // "llama", "mistral", "qwen2"

// Which pairs of a head vector RoPE rotates. GGUF llama/mistral files store Q and K rows
// permuted so that ggml's NORM rope applies to adjacent pairs (2i, 2i+1); HF checkpoints and
// GGUF qwen2 files use the half-split pairs (i, i + rope_dim/2) (ggml NEOX, HF rotate_half).
// A backend must follow this flag (or un-permute Q/K rows itself).
enum class RopeLayout { AdjacentPairs, HalfSplit };

// Llama-3.1 style frequency scaling ("llama3"), or linear; none when type is empty.
struct RopeScaling {
  std::string type;  // "", "linear", "llama3"
  float factor = 1.0f;
  float low_freq_factor = 1.0f;
  float high_freq_factor = 4.0f;
  int32_t original_context = 0;
};

// Hyperparameters, named as llama.cpp names them.
struct ModelConfig {
  ModelArch arch = ModelArch::Llama;
  std::string name;  // general.name or the directory name
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  int32_t n_ff = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;  // key/value head size (n_embd / n_head unless stated)
  int32_t rope_dim = 0;  // dimensions rotated (= head_dim for these families)
  float rope_theta = 10000.0f;
  RopeScaling rope_scaling;
  RopeLayout rope_layout = RopeLayout::HalfSplit;
  float rms_eps = 1e-5f;
  bool tied_embeddings = false;  // output projection is token_embd
  bool qkv_bias = false;         // qwen2: Q, K, V projections have biases
  int32_t n_q_heads_per_kv() const { return n_head_kv ? n_head / n_head_kv : 0; }
};

struct LayerWeights {
  WeightView attn_norm;                  // [n_embd]
  WeightView wq, wk, wv, wo;             // wq: {n_embd, n_head*head_dim}; wk/wv: {n_embd, n_head_kv*head_dim}
  std::optional<WeightView> bq, bk, bv;  // qwen2 only
  WeightView ffn_norm;                   // [n_embd]
  WeightView w_gate, w_up;               // {n_embd, n_ff}
  WeightView w_down;                     // {n_ff, n_embd}
};

struct ModelWeights {
  WeightView token_embd;                 // {n_embd, n_vocab}: row t is token t's embedding
  WeightView output_norm;                // [n_embd]
  WeightView output;                     // {n_embd, n_vocab}; the same bytes as token_embd when tied
  std::optional<WeightView> rope_freqs;  // Llama-3.1 GGUF files: per-dim frequency factors
  std::vector<LayerWeights> layers;
};

enum class ModelFormat { Gguf, Safetensors };

struct ModelFileImpl;

class ModelFile {
 public:
  // path: a .gguf file, or a directory with config.json. Validates architecture, hyperparameters,
  // every tensor's presence, type and shape; throws rayctl::Error(Invalid / NotFound) naming the
  // file and the tensor or key, with a hint.
  static std::unique_ptr<ModelFile> open(const std::string& path);
  ~ModelFile();

  const std::string& path() const;
  ModelFormat format() const;
  const ModelConfig& config() const;
  const ModelWeights& weights() const;
  const Tokenizer& tokenizer() const;
  const ChatTemplate& chat_template() const;
  bool has_own_chat_template() const;  // false: default_chatml_template() is used
  uint64_t weight_bytes() const;       // sum of all weight tensors' bytes
  uint64_t n_params() const;           // sum of all weight tensors' elements
  // "Q4_1" etc.: the most common matrix type (by bytes).
  std::string dominant_type() const;

 private:
  explicit ModelFile(std::unique_ptr<ModelFileImpl> impl);
  std::unique_ptr<ModelFileImpl> impl_;
};

// Reverses the GGUF llama Q/K row permutation for one matrix of `n_heads` heads, rows of
// `row_bytes` bytes: GGUF row 2i of a head ← HF row i, 2i+1 ← HF row i + head_dim/2. Writes
// n_heads*head_dim rows into dst. Lets a backend that only implements HalfSplit RoPE load
// AdjacentPairs files (at the cost of one copy of Q and K).
void unpermute_qk_rows(const void* src, void* dst, int32_t n_heads, int32_t head_dim, size_t row_bytes);

}  // namespace rayctl::inference
