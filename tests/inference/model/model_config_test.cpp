// ModelFile on a HF checkpoint directory (single file and sharded): config.json → ModelConfig,
// safetensors → WeightViews in ggml order, tokenizer.json + tokenizer_config.json chat template.
// The checkpoint is written by the test (a tiny random llama / qwen2 shape, BF16).
#include "inference/model/model_config.h"
#include "core/error.h"
#include "inference/tokenizer/tokenizer_utf8.h"
#include "tests/inference/support/reference_quantizers.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

using namespace rayctl::inference;
namespace fs = std::filesystem;

namespace {

constexpr int kHidden = 64, kLayers = 2, kHeads = 4, kKvHeads = 2, kFf = 96;

void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

// name → shape (row-major); data is BF16 noise.
using Shapes = std::map<std::string, std::vector<int64_t>>;

std::string safetensors_bytes(const Shapes& shapes) {
  nlohmann::json h = nlohmann::json::object();
  std::string data;
  std::mt19937 rng(1);
  for (const auto& [name, shape] : shapes) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    h[name] = {{"dtype", "BF16"}, {"shape", shape}, {"data_offsets", {data.size(), data.size() + size_t(n) * 2}}};
    for (int64_t i = 0; i < n; ++i) {
      uint16_t v = fp32_to_bf16(float(int(rng() % 2001) - 1000) / 10000.0f);
      data.append(reinterpret_cast<const char*>(&v), 2);
    }
  }
  std::string hs = h.dump();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((uint64_t(hs.size()) >> (8 * i)) & 0xFF);
  return out + hs + data;
}

nlohmann::json tiny_tokenizer() {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_to_unicode(uint8_t(b))] = b;
  vocab["he"] = 256;
  vocab["ll"] = 257;
  vocab["hell"] = 258;
  vocab["hello"] = 259;
  return {
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"h e", "l l", "he ll", "hell o"}}}},
      {"added_tokens",
       {{{"id", 260}, {"content", "<s>"}, {"special", true}}, {{"id", 261}, {"content", "</s>"}, {"special", true}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single",
         {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {260}}}}}}}},
      {"decoder", {{"type", "ByteLevel"}}}};
}

Shapes llama_shapes(bool qwen2, bool tied) {
  int hd = kHidden / kHeads;
  Shapes s{{"model.embed_tokens.weight", {262, kHidden}}, {"model.norm.weight", {kHidden}}};
  if (!tied) s["lm_head.weight"] = {262, kHidden};
  for (int i = 0; i < kLayers; ++i) {
    std::string p = "model.layers." + std::to_string(i) + ".";
    s[p + "input_layernorm.weight"] = {kHidden};
    s[p + "post_attention_layernorm.weight"] = {kHidden};
    s[p + "self_attn.q_proj.weight"] = {kHidden, kHidden};
    s[p + "self_attn.k_proj.weight"] = {kKvHeads * hd, kHidden};
    s[p + "self_attn.v_proj.weight"] = {kKvHeads * hd, kHidden};
    s[p + "self_attn.o_proj.weight"] = {kHidden, kHidden};
    s[p + "mlp.gate_proj.weight"] = {kFf, kHidden};
    s[p + "mlp.up_proj.weight"] = {kFf, kHidden};
    s[p + "mlp.down_proj.weight"] = {kHidden, kFf};
    if (qwen2) {
      s[p + "self_attn.q_proj.bias"] = {kHidden};
      s[p + "self_attn.k_proj.bias"] = {kKvHeads * hd};
      s[p + "self_attn.v_proj.bias"] = {kKvHeads * hd};
    }
  }
  return s;
}

fs::path make_checkpoint(const std::string& name, bool qwen2, bool tied, bool sharded) {
  fs::path dir = fs::temp_directory_path() / ("rayctl-model-config-test-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  nlohmann::json cfg = {{"model_type", qwen2 ? "qwen2" : "llama"},
                        {"hidden_size", kHidden},
                        {"num_hidden_layers", kLayers},
                        {"num_attention_heads", kHeads},
                        {"num_key_value_heads", kKvHeads},
                        {"intermediate_size", kFf},
                        {"vocab_size", 262},
                        {"max_position_embeddings", 512},
                        {"rms_norm_eps", 1e-6},
                        {"rope_theta", 500000.0},
                        {"tie_word_embeddings", tied}};
  write(dir / "config.json", cfg.dump());
  Shapes shapes = llama_shapes(qwen2, tied);
  if (!sharded) {
    write(dir / "model.safetensors", safetensors_bytes(shapes));
  } else {
    Shapes a, b;
    nlohmann::json map = nlohmann::json::object();
    for (const auto& [n, s] : shapes) {
      bool first = n.find("layers.1.") == std::string::npos;
      (first ? a : b)[n] = s;
      map[n] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    }
    write(dir / "model-00001-of-00002.safetensors", safetensors_bytes(a));
    write(dir / "model-00002-of-00002.safetensors", safetensors_bytes(b));
    write(dir / "model.safetensors.index.json", nlohmann::json({{"weight_map", map}}).dump());
  }
  write(dir / "tokenizer.json", tiny_tokenizer().dump());
  write(dir / "tokenizer_config.json",
        nlohmann::json(
            {{"bos_token", "<s>"},
             {"eos_token", "</s>"},
             {"chat_template", "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}"}})
            .dump());
  return dir;
}

}  // namespace

TEST(ModelConfigHf, LlamaCheckpointLoads) {
  fs::path dir = make_checkpoint("llama", false, false, false);
  auto m = ModelFile::open(dir.string());
  const ModelConfig& c = m->config();
  EXPECT_EQ(m->format(), ModelFormat::Safetensors);
  EXPECT_EQ(c.arch, ModelArch::Llama);
  EXPECT_EQ(c.n_embd, kHidden);
  EXPECT_EQ(c.n_head_kv, kKvHeads);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.rope_layout, RopeLayout::HalfSplit);
  EXPECT_FLOAT_EQ(c.rope_theta, 500000.0f);
  EXPECT_FALSE(c.tied_embeddings);
  const LayerWeights& l = m->weights().layers[1];
  EXPECT_EQ(l.wk.type, GgmlType::BF16);
  EXPECT_EQ(l.wk.ne, (std::vector<int64_t>{kHidden, 32})) << "HF [out, in] becomes ggml {in, out}";
  EXPECT_EQ(l.wk.source_name, "model.layers.1.self_attn.k_proj.weight");
  EXPECT_EQ(l.w_down.ne, (std::vector<int64_t>{kFf, kHidden}));
  EXPECT_NE(m->weights().output.data, m->weights().token_embd.data);
  EXPECT_FALSE(l.bq.has_value());
  EXPECT_EQ(m->tokenizer().encode("hello", true), (std::vector<TokenId>{260, 259}));
  EXPECT_EQ(m->tokenizer().eos_id(), 261);
  EXPECT_TRUE(m->has_own_chat_template());
  EXPECT_EQ(m->chat_template().render(nlohmann::json::parse(R"([{"role":"user","content":"hi"}])"), true),
            "<s>[user]hi");
  fs::remove_all(dir);
}

TEST(ModelConfigHf, ShardedTiedQwen2CheckpointLoads) {
  fs::path dir = make_checkpoint("qwen2", true, true, true);
  auto m = ModelFile::open(dir.string());
  EXPECT_EQ(m->config().arch, ModelArch::Qwen2);
  EXPECT_TRUE(m->config().tied_embeddings);
  EXPECT_EQ(m->weights().output.data, m->weights().token_embd.data);
  ASSERT_TRUE(m->weights().layers[1].bk.has_value());
  EXPECT_EQ(m->weights().layers[1].bk->ne, (std::vector<int64_t>{32}));
  fs::remove_all(dir);
}

TEST(ModelConfigHf, MissingOrMisshapenTensorsAreNamed) {
  fs::path dir = make_checkpoint("bad", false, true, false);
  Shapes s = llama_shapes(false, true);
  s.erase("model.layers.1.mlp.up_proj.weight");
  write(dir / "model.safetensors", safetensors_bytes(s));
  try {
    ModelFile::open(dir.string());
    FAIL();
  } catch (const rayctl::Error& e) {
    EXPECT_NE(e.message().find("model.layers.1.mlp.up_proj.weight"), std::string::npos) << e.message();
  }
  s = llama_shapes(false, true);
  s["model.layers.0.self_attn.k_proj.weight"] = {kHidden, kHidden};
  write(dir / "model.safetensors", safetensors_bytes(s));
  try {
    ModelFile::open(dir.string());
    FAIL();
  } catch (const rayctl::Error& e) {
    EXPECT_NE(e.message().find("k_proj.weight\" has shape [64, 64]"), std::string::npos) << e.message();
  }
  fs::remove_all(dir);
  EXPECT_THROW(ModelFile::open(dir.string()), rayctl::Error);
}
