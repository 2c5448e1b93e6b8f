// Building a Tokenizer from GGUF metadata (tokenizer.ggml.*) or from HF tokenizer.json +
// tokenizer_config.json. Validation errors name the file and the key.
#include "core/error.h"
#include "inference/model/gguf_file.h"
#include "inference/model/json_file.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tokenizer/tokenizer_impl.h"
#include "inference/tokenizer/tokenizer_utf8.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace rayctl::inference {

namespace {

[[noreturn]] void bad(const std::string& source, const std::string& what, const std::string& hint = {}) {
  throw Error(ErrorKind::Invalid, source + ": " + what,
              hint.empty() ? "the tokenizer definition is incomplete or of an unsupported kind" : hint);
}

// HF ByteLevel decoder rule: a token whose every character is a byte stand-in decodes to those
// bytes; any other token decodes to its own UTF-8.
std::string decoded_bytes(const std::string& token_text) {
  std::string out;
  if (!byte_level_to_bytes(token_text, out)) return token_text;
  return out;
}

TokenId find_end_of_turn(const TokenizerImpl& t) {
  for (const char* name : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>"}) {
    auto it = t.ids.find(name);
    if (it != t.ids.end() && t.kinds[size_t(it->second)] == TokenKind::Control) return it->second;
  }
  return -1;
}

void check_id(const TokenizerImpl& t, const std::string& key, int64_t id) {
  if (id < -1 || id >= int64_t(t.vocab.size()))
    bad(t.source,
        key + " = " + std::to_string(id) + " is outside the vocabulary (size " + std::to_string(t.vocab.size()) + ")");
}

}  // namespace

Tokenizer Tokenizer::from_gguf(const GgufFile& f) {
  auto t = std::make_shared<TokenizerImpl>();
  t->source = f.path();
  std::string model = f.get_string("tokenizer.ggml.model").value_or("");
  if (model == "llama")
    bad(t->source, "SentencePiece tokenizers (tokenizer.ggml.model = \"llama\") are not supported",
        "use a model with a byte-level BPE tokenizer (SmolLM2, Llama-3, Qwen2, Mistral-Nemo)");
  if (model != "gpt2")
    bad(t->source, "tokenizer.ggml.model is \"" + model + "\"; rayctl reads \"gpt2\" (byte-level BPE)");
  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  if (!tokens || !tokens->is_array() || tokens->array_type() != GgufType::STRING)
    bad(t->source, "tokenizer.ggml.tokens is missing or not an array of strings");
  size_t n = tokens->array_size();
  if (n == 0 || n > (1u << 30)) bad(t->source, "tokenizer.ggml.tokens has " + std::to_string(n) + " entries");
  t->vocab.resize(n);
  t->kinds.assign(n, TokenKind::Normal);
  for (size_t i = 0; i < n; ++i) {
    t->vocab[i] = std::string(tokens->string_at(i));
    t->ids.emplace(t->vocab[i], TokenId(i));
  }
  if (const GgufValue* types = f.find("tokenizer.ggml.token_type")) {
    if (!types->is_array() || types->array_size() != n ||
        !(types->array_type() == GgufType::I32 || types->array_type() == GgufType::U32))
      bad(t->source, "tokenizer.ggml.token_type must be an array of " + std::to_string(n) + " integers");
    for (size_t i = 0; i < n; ++i) {
      int64_t k = types->int_at(i);
      t->kinds[i] = k >= 1 && k <= 6 ? TokenKind(k) : TokenKind::Normal;
    }
  }
  t->pre = PreTokenizerPipeline::from_gguf_pre(f.get_string("tokenizer.ggml.pre").value_or("default"), t->source);
  t->ignore_merges = t->pre.family() == PreTokenizer::Llama3;
  const GgufValue* merges = f.find("tokenizer.ggml.merges");
  if (!merges || !merges->is_array() || merges->array_type() != GgufType::STRING)
    bad(t->source, "tokenizer.ggml.merges is missing or not an array of strings");
  for (size_t i = 0; i < merges->array_size(); ++i) {
    std::string_view m = merges->string_at(i);
    size_t sp = m.find(' ', 1);
    if (sp == std::string_view::npos) bad(t->source, "tokenizer.ggml.merges[" + std::to_string(i) + "] has no space");
    t->add_merge(m.substr(0, sp), m.substr(sp + 1), uint32_t(i));
  }
  t->bytes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    bool added = t->kinds[i] == TokenKind::Control || t->kinds[i] == TokenKind::UserDefined;
    t->bytes[i] = added ? t->vocab[i] : decoded_bytes(t->vocab[i]);
    if (added && !t->vocab[i].empty())
      t->added.push_back({t->vocab[i], TokenId(i), t->kinds[i] == TokenKind::Control, false, false, false});
  }
  auto id_of = [&](const char* key) -> TokenId {
    auto v = f.get_int(key);
    if (!v) return -1;
    check_id(*t, key, *v);
    return TokenId(*v);
  };
  t->bos = id_of("tokenizer.ggml.bos_token_id");
  t->eos = id_of("tokenizer.ggml.eos_token_id");
  t->unk = id_of("tokenizer.ggml.unknown_token_id");
  t->eot = id_of("tokenizer.ggml.eot_token_id");
  if (t->eot < 0) t->eot = find_end_of_turn(*t);
  // llama.cpp's default when the key is absent: Llama-3 vocabularies add BOS, the others do not.
  t->add_bos =
      f.get_bool("tokenizer.ggml.add_bos_token").value_or(t->pre.family() == PreTokenizer::Llama3) && t->bos >= 0;
  t->add_eos = f.get_bool("tokenizer.ggml.add_eos_token").value_or(false) && t->eos >= 0;
  if (t->bos >= 0) t->bos_text = t->vocab[size_t(t->bos)];
  if (t->eos >= 0) t->eos_text = t->vocab[size_t(t->eos)];
  if (t->add_bos) t->prefix_ids = {t->bos};
  if (t->add_eos) t->suffix_ids = {t->eos};
  t->finalize();
  return Tokenizer(std::move(t));
}

namespace {

std::string token_content(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content")) return v.at("content").get<std::string>();
  return {};
}

// TemplateProcessing "single": special tokens before and after $A.
void read_post_processor(TokenizerImpl& t, const nlohmann::json& pp) {
  if (!pp.is_object()) return;
  std::string type = pp.value("type", "");
  if (type == "Sequence") {
    for (const auto& p : pp.at("processors")) read_post_processor(t, p);
    return;
  }
  if (type != "TemplateProcessing") return;  // ByteLevel / RobertaProcessing add nothing we use
  bool after = false;
  for (const auto& piece : pp.at("single")) {
    if (piece.contains("Sequence")) {
      after = true;
    } else if (piece.contains("SpecialToken")) {
      std::string name = piece["SpecialToken"].value("id", "");
      std::vector<TokenId> ids;
      if (pp.contains("special_tokens") && pp["special_tokens"].contains(name))
        for (const auto& i : pp["special_tokens"][name].at("ids")) ids.push_back(i.get<TokenId>());
      else if (auto it = t.ids.find(name); it != t.ids.end())
        ids.push_back(it->second);
      (after ? t.suffix_ids : t.prefix_ids).insert((after ? t.suffix_ids : t.prefix_ids).end(), ids.begin(), ids.end());
    }
  }
}

}  // namespace

Tokenizer Tokenizer::from_hf_json(const nlohmann::json& tj, const nlohmann::json* tc, const std::string& source) {
  auto t = std::make_shared<TokenizerImpl>();
  t->source = source;
  try {
    const auto& model = tj.at("model");
    if (model.value("type", "BPE") != "BPE")
      bad(source, "model.type is \"" + model.value("type", "") + "\"; rayctl reads byte-level BPE only");
    if (model.value("byte_fallback", false))
      bad(source, "BPE with byte_fallback (SentencePiece-style) is not supported");
    const auto& decoder = tj.value("decoder", nlohmann::json());
    if (!decoder.is_null() && decoder.value("type", "") != "ByteLevel")
      bad(source, "decoder \"" + decoder.value("type", "") + "\" is not supported (ByteLevel expected)");
    int64_t max_id = -1;
    for (const auto& [tok, id] : model.at("vocab").items()) max_id = std::max<int64_t>(max_id, id.get<int64_t>());
    const auto added = tj.value("added_tokens", nlohmann::json::array());
    for (const auto& a : added) max_id = std::max<int64_t>(max_id, a.at("id").get<int64_t>());
    if (max_id < 0 || max_id >= (1 << 30)) bad(source, "model.vocab is empty or has ids out of range");
    t->vocab.resize(size_t(max_id) + 1);
    t->kinds.assign(t->vocab.size(), TokenKind::Normal);
    std::vector<bool> present(t->vocab.size(), false);
    for (const auto& [tok, id] : model.at("vocab").items()) {
      auto i = id.get<int64_t>();
      if (i < 0) bad(source, "model.vocab[\"" + tok + "\"] has a negative id");
      t->vocab[size_t(i)] = tok;
      present[size_t(i)] = true;
      t->ids[tok] = TokenId(i);
    }
    for (const auto& a : added) {
      AddedToken at{a.at("content").get<std::string>(), a.at("id").get<TokenId>(), a.value("special", false),
                    a.value("lstrip", false),           a.value("rstrip", false),  a.value("single_word", false)};
      t->vocab[size_t(at.id)] = at.content;
      present[size_t(at.id)] = true;
      t->ids[at.content] = at.id;
      t->kinds[size_t(at.id)] = at.special ? TokenKind::Control : TokenKind::UserDefined;
      t->added.push_back(std::move(at));
    }
    for (size_t i = 0; i < present.size(); ++i)
      if (!present[i]) t->kinds[i] = TokenKind::Unused;
    t->pre = PreTokenizerPipeline::from_hf_json(tj.value("normalizer", nlohmann::json()),
                                                tj.value("pre_tokenizer", nlohmann::json()), source);
    t->ignore_merges = model.value("ignore_merges", false);
    uint32_t rank = 0;
    for (const auto& m : model.at("merges")) {
      if (m.is_string()) {
        std::string s = m.get<std::string>();
        size_t sp = s.find(' ', 1);
        if (sp == std::string::npos) bad(source, "model.merges[" + std::to_string(rank) + "] has no space");
        t->add_merge(std::string_view(s).substr(0, sp), std::string_view(s).substr(sp + 1), rank);
      } else {
        t->add_merge(m.at(0).get<std::string>(), m.at(1).get<std::string>(), rank);
      }
      ++rank;
    }
    if (model.contains("unk_token") && model["unk_token"].is_string())
      if (auto it = t->ids.find(model["unk_token"].get<std::string>()); it != t->ids.end()) t->unk = it->second;
    t->bytes.resize(t->vocab.size());
    for (size_t i = 0; i < t->vocab.size(); ++i) t->bytes[i] = decoded_bytes(t->vocab[i]);
    read_post_processor(*t, tj.value("post_processor", nlohmann::json()));
    if (tc && tc->is_object()) {
      t->bos_text = token_content(tc->value("bos_token", nlohmann::json()));
      t->eos_text = token_content(tc->value("eos_token", nlohmann::json()));
    }
    if (auto it = t->ids.find(t->bos_text); !t->bos_text.empty() && it != t->ids.end()) t->bos = it->second;
    if (auto it = t->ids.find(t->eos_text); !t->eos_text.empty() && it != t->ids.end()) t->eos = it->second;
    if (t->eos < 0)
      for (const char* name : {"<|endoftext|>", "<|end_of_text|>", "</s>"})
        if (auto it = t->ids.find(name); it != t->ids.end()) {
          t->eos = it->second;
          t->eos_text = name;
          break;
        }
    t->eot = find_end_of_turn(*t);
    t->add_bos = t->bos >= 0 && std::find(t->prefix_ids.begin(), t->prefix_ids.end(), t->bos) != t->prefix_ids.end();
    t->add_eos = t->eos >= 0 && std::find(t->suffix_ids.begin(), t->suffix_ids.end(), t->eos) != t->suffix_ids.end();
  } catch (const nlohmann::json::exception& e) {
    bad(source, std::string("malformed tokenizer.json: ") + e.what());
  }
  t->finalize();
  return Tokenizer(std::move(t));
}

Tokenizer Tokenizer::from_hf_dir(const std::string& dir) {
  std::string tj_path = dir + "/tokenizer.json";
  const std::string invalid_hint = "the file is truncated or not JSON; re-download it";
  auto tj = read_json_file(tj_path, true, "a HF model directory needs tokenizer.json", invalid_hint);
  auto tc = read_json_file(dir + "/tokenizer_config.json", false, "", invalid_hint);
  return from_hf_json(*tj, tc ? &*tc : nullptr, tj_path);
}

}  // namespace rayctl::inference
