// ModelFile: opening a GGUF file or a HF checkpoint directory and presenting hyperparameters,
// weights, tokenizer and chat template uniformly (see model_config.h).
#include "inference/model/model_config.h"

#include "core/error.h"
#include "inference/model/gguf_file.h"
#include "inference/model/safetensors_file.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace rayctl::inference {

std::string_view model_arch_name(ModelArch a) {
  switch (a) {
    case ModelArch::Llama: return "llama";
    case ModelArch::Mistral: return "mistral";
    case ModelArch::Qwen2: return "qwen2";
  }
  return "unknown";
}

struct ModelFileImpl {
  std::string path;
  ModelFormat format = ModelFormat::Gguf;
  std::optional<GgufFile> gguf;
  std::optional<SafetensorsCheckpoint> hf;
  ModelConfig config;
  ModelWeights weights;
  std::optional<Tokenizer> tokenizer;
  std::unique_ptr<ChatTemplate> chat_template;
  bool own_template = false;
};

namespace {

[[noreturn]] void invalid(const std::string& path, const std::string& what, const std::string& hint) {
  throw Error(ErrorKind::Invalid, path + ": " + what, hint);
}

std::string shape_str(const std::vector<int64_t>& ne) {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

// Checks type support and shape (ggml order) of one weight.
void check_weight(const std::string& path, const WeightView& w, const std::vector<int64_t>& want) {
  if (!ggml_type_supported(w.type))
    invalid(path,
            "tensor \"" + w.source_name + "\" has type " + std::string(ggml_type_name(w.type)) +
                ", which rayctl cannot compute with",
            "supported types: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q4_K, Q6_K; re-quantize the model (e.g. Q4_K_M "
            "or Q8_0)");
  if (w.ne != want)
    invalid(
        path,
        "tensor \"" + w.source_name + "\" has shape " + shape_str(w.ne) + " (ggml order), expected " + shape_str(want),
        "the file's hyperparameters and tensors disagree; re-convert the model");
}

// ---------------------------------------------------------------- GGUF
void load_gguf_config(ModelFileImpl& m) {
  const GgufFile& f = *m.gguf;
  ModelConfig& c = m.config;
  std::string arch = f.get_string("general.architecture").value_or("");
  if (arch == "llama")
    c.arch = ModelArch::Llama;
  else if (arch == "qwen2")
    c.arch = ModelArch::Qwen2;
  else if (arch == "mistral")
    c.arch = ModelArch::Mistral;
  else
    invalid(m.path, "general.architecture \"" + arch + "\" is not supported",
            "rayctl runs llama (incl. SmolLM2, Mistral) and qwen2 models");
  auto need = [&](const std::string& key) -> int64_t {
    auto v = f.get_int(arch + "." + key);
    if (!v || *v <= 0 || *v > (1 << 30))
      invalid(m.path, "metadata \"" + arch + "." + key + "\" is missing or out of range",
              "re-convert the model with a current llama.cpp");
    return *v;
  };
  c.name = f.get_string("general.name").value_or(std::filesystem::path(m.path).stem().string());
  c.n_ctx_train = int32_t(need("context_length"));
  c.n_embd = int32_t(need("embedding_length"));
  c.n_layer = int32_t(need("block_count"));
  c.n_ff = int32_t(need("feed_forward_length"));
  c.n_head = int32_t(need("attention.head_count"));
  c.n_head_kv = int32_t(f.get_int(arch + ".attention.head_count_kv").value_or(c.n_head));
  c.head_dim = int32_t(f.get_int(arch + ".attention.key_length").value_or(c.n_embd / c.n_head));
  c.rope_dim = int32_t(f.get_int(arch + ".rope.dimension_count").value_or(c.head_dim));
  c.rope_theta = float(f.get_double(arch + ".rope.freq_base").value_or(10000.0));
  c.rms_eps = float(f.get_double(arch + ".attention.layer_norm_rms_epsilon").value_or(1e-5));
  c.rope_scaling.type = f.get_string(arch + ".rope.scaling.type").value_or("");
  if (c.rope_scaling.type == "none") c.rope_scaling.type.clear();
  c.rope_scaling.factor = float(f.get_double(arch + ".rope.scaling.factor").value_or(1.0));
  c.rope_scaling.original_context = int32_t(f.get_int(arch + ".rope.scaling.original_context_length").value_or(0));
  c.rope_layout = c.arch == ModelArch::Qwen2 ? RopeLayout::HalfSplit : RopeLayout::AdjacentPairs;
  c.qkv_bias = c.arch == ModelArch::Qwen2;
  if (c.n_head_kv <= 0 || c.n_head % c.n_head_kv != 0)
    invalid(m.path,
            "attention.head_count " + std::to_string(c.n_head) + " is not a multiple of head_count_kv " +
                std::to_string(c.n_head_kv),
            "re-convert the model");
  if (c.head_dim <= 0 || c.head_dim % 2 != 0 || c.rope_dim > c.head_dim)
    invalid(m.path,
            "head size " + std::to_string(c.head_dim) + " / rope dimension " + std::to_string(c.rope_dim) +
                " are inconsistent",
            "re-convert the model");
}

WeightView gguf_view(const ModelFileImpl& m, const std::string& name, bool required = true) {
  const GgufTensor* t = m.gguf->tensor(name);
  if (!t) {
    if (required)
      invalid(m.path, "tensor \"" + name + "\" is missing", "the file is incomplete or not a llama-family model");
    return {};
  }
  return WeightView{name, name, t->type, t->ne, t->data, size_t(t->nbytes)};
}

// ---------------------------------------------------------------- HF
nlohmann::json read_json_opt(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::Invalid, path + ": byte " + std::to_string(e.byte) + ": invalid JSON", "re-download it");
  }
}

// A typed optional key of config.json: absent or null gives the default; the wrong JSON type is
// an error naming the key (nlohmann's value() would throw a bare type_error).
double hf_number(const nlohmann::json& o, const char* key, double def, const char* where, const std::string& cfg_path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return def;
  if (!it->is_number()) invalid(cfg_path, std::string(where) + "\"" + key + "\" is not a number", "fix config.json");
  return it->get<double>();
}

// RoPE theta and scaling from config.json into `c`.
void read_hf_rope(const nlohmann::json& j, const std::string& cfg_path, ModelConfig& c) {
  auto number = [&](const nlohmann::json& o, const char* key, double def, const char* where) {
    return hf_number(o, key, def, where, cfg_path);
  };
  // RoPE: transformers 5 writes "rope_parameters" {rope_type, rope_theta, factor, ...}; 4.x wrote
  // "rope_theta" at the top and "rope_scaling" {rope_type or type, factor, ...} or null.
  const nlohmann::json* rope = nullptr;
  const char* rope_key = "rope_parameters.";
  if (auto it = j.find("rope_parameters"); it != j.end() && it->is_object()) {
    rope = &*it;
  } else if (auto sc = j.find("rope_scaling"); sc != j.end() && sc->is_object()) {
    rope = &*sc;
    rope_key = "rope_scaling.";
  }
  c.rope_theta = float(number(j, "rope_theta", 10000.0, ""));
  if (rope) {
    const auto& r = *rope;
    c.rope_theta = float(number(r, "rope_theta", c.rope_theta, rope_key));
    c.rope_scaling.type = r.value("rope_type", r.value("type", ""));
    c.rope_scaling.factor = float(number(r, "factor", 1.0, rope_key));
    c.rope_scaling.low_freq_factor = float(number(r, "low_freq_factor", 1.0, rope_key));
    c.rope_scaling.high_freq_factor = float(number(r, "high_freq_factor", 4.0, rope_key));
    c.rope_scaling.original_context = int32_t(number(r, "original_max_position_embeddings", 0, rope_key));
    if (c.rope_scaling.type == "default") c.rope_scaling.type.clear();
    if (!c.rope_scaling.type.empty() && c.rope_scaling.type != "linear" && c.rope_scaling.type != "llama3")
      invalid(cfg_path, "RoPE scaling \"" + c.rope_scaling.type + "\" is not supported",
              "rayctl implements linear and llama3");
  }
}

void load_hf_config(ModelFileImpl& m) {
  const nlohmann::json& j = m.hf->config();
  ModelConfig& c = m.config;
  std::string type = j.value("model_type", "");
  if (type == "llama")
    c.arch = ModelArch::Llama;
  else if (type == "mistral")
    c.arch = ModelArch::Mistral;
  else if (type == "qwen2")
    c.arch = ModelArch::Qwen2;
  else
    invalid(m.path + "/config.json", "model_type \"" + type + "\" is not supported",
            "rayctl runs llama, mistral and qwen2 checkpoints");
  auto need = [&](const char* key) -> int32_t {
    if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() <= 0 ||
        j[key].get<int64_t>() > (1 << 30))
      invalid(m.path + "/config.json", std::string("\"") + key + "\" is missing or not a positive integer",
              "fix config.json");
    return j[key].get<int32_t>();
  };
  c.name = std::filesystem::path(m.path).filename().string();
  c.n_vocab = need("vocab_size");
  c.n_embd = need("hidden_size");
  c.n_layer = need("num_hidden_layers");
  c.n_ff = need("intermediate_size");
  c.n_head = need("num_attention_heads");
  c.n_head_kv =
      j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null() ? need("num_key_value_heads") : c.n_head;
  c.head_dim = j.contains("head_dim") && j["head_dim"].is_number_integer() ? need("head_dim") : c.n_embd / c.n_head;
  c.rope_dim = c.head_dim;
  c.n_ctx_train = j.contains("max_position_embeddings") ? need("max_position_embeddings") : 2048;
  const std::string cfg_path = m.path + "/config.json";
  auto number = [&](const nlohmann::json& o, const char* key, double def, const char* where) {
    return hf_number(o, key, def, where, cfg_path);
  };
  auto flag = [&](const char* key, bool def) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return def;
    if (!it->is_boolean()) invalid(cfg_path, std::string("\"") + key + "\" is not a boolean", "fix config.json");
    return it->get<bool>();
  };
  c.rms_eps = float(number(j, "rms_norm_eps", 1e-6, ""));
  c.tied_embeddings = flag("tie_word_embeddings", false);
  c.rope_layout = RopeLayout::HalfSplit;
  c.qkv_bias = c.arch == ModelArch::Qwen2 || flag("attention_bias", false);
  if (j.value("hidden_act", "silu") != "silu")
    invalid(cfg_path, "hidden_act \"" + j.value("hidden_act", "") + "\" is not supported",
            "rayctl runs SwiGLU (silu) models");
  if (flag("mlp_bias", false))
    invalid(cfg_path, "\"mlp_bias\": true is not supported", "rayctl runs MLPs without biases");
  if (c.arch == ModelArch::Qwen2 && flag("use_sliding_window", false))
    invalid(cfg_path, "\"use_sliding_window\": true is not supported", "rayctl attends over the whole context");
  read_hf_rope(j, cfg_path, c);
  if (c.n_head % c.n_head_kv != 0)
    invalid(cfg_path, "num_attention_heads is not a multiple of num_key_value_heads", "fix config.json");
}

WeightView hf_view(const ModelFileImpl& m, const std::string& uniform, const std::string& hf_name,
                   bool required = true) {
  const SafetensorsTensor* t = m.hf->find(hf_name);
  if (!t) {
    if (required) invalid(m.path, "tensor \"" + hf_name + "\" is missing", "the checkpoint is incomplete");
    return {};
  }
  WeightView w;
  w.name = uniform;
  w.source_name = hf_name;
  if (!safetensors_dtype_to_ggml(t->dtype, w.type))
    invalid(m.path, "tensor \"" + hf_name + "\" has dtype " + t->dtype, "rayctl reads F32, F16 and BF16 safetensors");
  w.ne.assign(t->shape.rbegin(), t->shape.rend());  // row-major → ggml order
  w.data = t->data;
  w.nbytes = t->nbytes;
  return w;
}

// ---------------------------------------------------------------- both
template <typename Get>
void load_weights(ModelFileImpl& m, Get get) {
  const ModelConfig& c = m.config;
  ModelWeights& w = m.weights;
  int64_t e = c.n_embd, q = int64_t(c.n_head) * c.head_dim, kv = int64_t(c.n_head_kv) * c.head_dim, ff = c.n_ff;
  w.token_embd = get("token_embd.weight", true);
  if (m.config.n_vocab == 0) m.config.n_vocab = int32_t(w.token_embd.ne.size() == 2 ? w.token_embd.ne[1] : 0);
  check_weight(m.path, w.token_embd, {e, m.config.n_vocab});
  w.output_norm = get("output_norm.weight", true);
  check_weight(m.path, w.output_norm, {e});
  WeightView out = m.config.tied_embeddings ? WeightView{} : get("output.weight", false);
  if (out.data) {
    check_weight(m.path, out, {e, m.config.n_vocab});
    w.output = out;
  } else {
    m.config.tied_embeddings = true;
    w.output = w.token_embd;
  }
  WeightView rf = get("rope_freqs.weight", false);
  if (rf.data) w.rope_freqs = rf;
  w.layers.resize(size_t(c.n_layer));
  for (int32_t i = 0; i < c.n_layer; ++i) {
    std::string p = "blk." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[size_t(i)];
    auto mat = [&](const char* n, std::vector<int64_t> ne) {
      WeightView v = get(p + n + ".weight", true);
      check_weight(m.path, v, ne);
      return v;
    };
    l.attn_norm = mat("attn_norm", {e});
    l.wq = mat("attn_q", {e, q});
    l.wk = mat("attn_k", {e, kv});
    l.wv = mat("attn_v", {e, kv});
    l.wo = mat("attn_output", {q, e});
    l.ffn_norm = mat("ffn_norm", {e});
    l.w_gate = mat("ffn_gate", {e, ff});
    l.w_up = mat("ffn_up", {e, ff});
    l.w_down = mat("ffn_down", {ff, e});
    if (c.qkv_bias) {
      auto bias = [&](const char* n, int64_t len) -> std::optional<WeightView> {
        WeightView v = get(p + n + ".bias", m.config.arch == ModelArch::Qwen2);
        if (!v.data) return std::nullopt;
        check_weight(m.path, v, {len});
        return v;
      };
      l.bq = bias("attn_q", q);
      l.bk = bias("attn_k", kv);
      l.bv = bias("attn_v", kv);
    }
  }
}

// GGUF-style uniform name → HF checkpoint name.
std::string hf_name_of(const std::string& uniform) {
  static const std::map<std::string, std::string> top = {{"token_embd.weight", "model.embed_tokens.weight"},
                                                         {"output_norm.weight", "model.norm.weight"},
                                                         {"output.weight", "lm_head.weight"},
                                                         {"rope_freqs.weight", "rope_freqs.weight"}};
  if (auto it = top.find(uniform); it != top.end()) return it->second;
  static const std::map<std::string, std::string> blk = {{"attn_norm.weight", "input_layernorm.weight"},
                                                         {"attn_q.weight", "self_attn.q_proj.weight"},
                                                         {"attn_k.weight", "self_attn.k_proj.weight"},
                                                         {"attn_v.weight", "self_attn.v_proj.weight"},
                                                         {"attn_q.bias", "self_attn.q_proj.bias"},
                                                         {"attn_k.bias", "self_attn.k_proj.bias"},
                                                         {"attn_v.bias", "self_attn.v_proj.bias"},
                                                         {"attn_output.weight", "self_attn.o_proj.weight"},
                                                         {"ffn_norm.weight", "post_attention_layernorm.weight"},
                                                         {"ffn_gate.weight", "mlp.gate_proj.weight"},
                                                         {"ffn_up.weight", "mlp.up_proj.weight"},
                                                         {"ffn_down.weight", "mlp.down_proj.weight"}};
  size_t dot = uniform.find('.', 4);
  std::string layer = uniform.substr(4, dot - 4), rest = uniform.substr(dot + 1);
  auto it = blk.find(rest);
  return it == blk.end() ? uniform : "model.layers." + layer + "." + it->second;
}

void load_hf_chat_template(ModelFileImpl& m) {
  nlohmann::json tc = read_json_opt(m.path + "/tokenizer_config.json");
  std::string src;
  if (tc.is_object() && tc.contains("chat_template")) {
    const auto& ct = tc["chat_template"];
    if (ct.is_string())
      src = ct.get<std::string>();
    else if (ct.is_array())
      for (const auto& e : ct)
        if (e.value("name", "") == "default") src = e.value("template", "");
  }
  if (src.empty()) {
    std::ifstream in(m.path + "/chat_template.jinja", std::ios::binary);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      src = ss.str();
    }
  }
  m.own_template = !src.empty();
  m.chat_template =
      std::make_unique<ChatTemplate>(m.own_template ? src : default_chatml_template(), m.tokenizer->bos_text(),
                                     m.tokenizer->eos_text(), m.path + "/tokenizer_config.json chat_template");
}

}  // namespace

ModelFile::ModelFile(std::unique_ptr<ModelFileImpl> impl) : impl_(std::move(impl)) {}
ModelFile::~ModelFile() = default;

std::unique_ptr<ModelFile> ModelFile::open(const std::string& path) {
  auto m = std::make_unique<ModelFileImpl>();
  m->path = path;
  if (std::filesystem::is_directory(path)) {
    m->format = ModelFormat::Safetensors;
    m->hf = SafetensorsCheckpoint::open(path);
    load_hf_config(*m);
    load_weights(*m, [&](const std::string& n, bool req) { return hf_view(*m, n, hf_name_of(n), req); });
    for (const char* t : {"model.layers.0.self_attn.o_proj.bias", "model.layers.0.mlp.down_proj.bias"})
      if (m->hf->find(t))
        invalid(path, std::string("tensor \"") + t + "\" is a bias rayctl does not apply",
                "rayctl runs llama/qwen2 shapes without it");
    m->tokenizer = Tokenizer::from_hf_dir(path);
    load_hf_chat_template(*m);
  } else {
    m->format = ModelFormat::Gguf;
    m->gguf = GgufFile::open(path);
    load_gguf_config(*m);
    m->tokenizer = Tokenizer::from_gguf(*m->gguf);
    m->config.n_vocab = int32_t(m->gguf->get_int(std::string(model_arch_name(m->config.arch)) + ".vocab_size")
                                    .value_or(m->tokenizer->n_vocab()));
    load_weights(*m, [&](const std::string& n, bool req) { return gguf_view(*m, n, req); });
    auto src = m->gguf->get_string("tokenizer.chat_template");
    m->own_template = src.has_value() && !src->empty();
    m->chat_template =
        std::make_unique<ChatTemplate>(m->own_template ? *src : default_chatml_template(), m->tokenizer->bos_text(),
                                       m->tokenizer->eos_text(), path + " tokenizer.chat_template");
  }
  if (m->tokenizer->n_vocab() > m->config.n_vocab)
    invalid(path,
            "tokenizer has " + std::to_string(m->tokenizer->n_vocab()) + " tokens but the embedding has " +
                std::to_string(m->config.n_vocab) + " rows",
            "the tokenizer does not belong to this model");
  return std::unique_ptr<ModelFile>(new ModelFile(std::move(m)));
}

const std::string& ModelFile::path() const { return impl_->path; }
ModelFormat ModelFile::format() const { return impl_->format; }
const ModelConfig& ModelFile::config() const { return impl_->config; }
const ModelWeights& ModelFile::weights() const { return impl_->weights; }
const Tokenizer& ModelFile::tokenizer() const { return *impl_->tokenizer; }
const ChatTemplate& ModelFile::chat_template() const { return *impl_->chat_template; }
bool ModelFile::has_own_chat_template() const { return impl_->own_template; }

namespace {
template <typename F>
void for_each_weight(const ModelWeights& w, F f) {
  f(w.token_embd);
  f(w.output_norm);
  if (w.output.data != w.token_embd.data) f(w.output);
  for (const LayerWeights& l : w.layers) {
    for (const WeightView* v : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.w_gate, &l.w_up, &l.w_down})
      f(*v);
    for (const auto* b : {&l.bq, &l.bk, &l.bv})
      if (*b) f(**b);
  }
}
}  // namespace

uint64_t ModelFile::weight_bytes() const {
  uint64_t n = 0;
  for_each_weight(impl_->weights, [&](const WeightView& v) { n += v.nbytes; });
  return n;
}

uint64_t ModelFile::n_params() const {
  uint64_t n = 0;
  for_each_weight(impl_->weights, [&](const WeightView& v) { n += uint64_t(v.row_len() * v.n_rows()); });
  return n;
}

std::string ModelFile::dominant_type() const {
  std::map<std::string, uint64_t> bytes;
  for_each_weight(impl_->weights, [&](const WeightView& v) {
    if (v.ne.size() >= 2) bytes[std::string(ggml_type_name(v.type))] += v.nbytes;
  });
  std::string best;
  uint64_t most = 0;
  for (const auto& [k, b] : bytes)
    if (b > most) most = b, best = k;
  return best;
}

void unpermute_qk_rows(const void* src, void* dst, int32_t n_heads, int32_t head_dim, size_t row_bytes) {
  const auto* s = static_cast<const uint8_t*>(src);
  auto* d = static_cast<uint8_t*>(dst);
  int32_t half = head_dim / 2;
  for (int32_t h = 0; h < n_heads; ++h)
    for (int32_t i = 0; i < half; ++i) {
      size_t base = size_t(h) * size_t(head_dim);
      std::memcpy(d + (base + size_t(i)) * row_bytes, s + (base + 2 * size_t(i)) * row_bytes, row_bytes);
      std::memcpy(d + (base + size_t(i + half)) * row_bytes, s + (base + 2 * size_t(i) + 1) * row_bytes, row_bytes);
    }
}

}  // namespace rayctl::inference
