// Pre-tokenization pipeline (see pretokenizer.h): PCRE2 regex splitting with HF's "Isolated"
// behaviour (matches and the gaps between them both become words), Digits, ByteLevel.
#include "inference/tokenizer/pretokenizer.h"

#include "core/error.h"
#include "inference/tokenizer/tokenizer_utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <nlohmann/json.hpp>

#if defined(RAYCTL_HAVE_ICU)
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#endif

namespace rayctl::inference {

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {

// Unicode White_Space, which is what Oniguruma's \s matches in HF tokenizers.
constexpr const char* kWhiteSpace =
    R"(\t\n\x{0B}\f\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

std::string rewrite_whitespace_classes(std::string_view p, const std::string& source) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[++i];
      if (n == 's') {
        out += in_class ? std::string(kWhiteSpace) : "[" + std::string(kWhiteSpace) + "]";
      } else if (n == 'S') {
        if (in_class)
          throw Error(ErrorKind::Invalid, source + ": pre-tokenizer regex uses \\S inside a character class",
                      "this tokenizer's regex is not supported");
        out += "[^" + std::string(kWhiteSpace) + "]";
      } else {
        out += c;
        out += n;
      }
      continue;
    }
    if (c == '[' && !in_class)
      in_class = true;
    else if (c == ']' && in_class &&
             !(out.size() && (out.back() == '[' || (out.size() >= 2 && out.substr(out.size() - 2) == "[^"))))
      in_class = false;
    out += c;
  }
  return out;
}

}  // namespace

// A PCRE2 pattern compiled in UTF + UCP mode, with a JIT when available.
class CompiledRegex {
 public:
  CompiledRegex(std::string_view pattern, const std::string& source) {
    std::string rewritten = rewrite_whitespace_classes(pattern, source);
    int err = 0;
    PCRE2_SIZE off = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(rewritten.data()), rewritten.size(),
                          PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &off, nullptr);
    if (!code_) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      throw Error(ErrorKind::Invalid,
                  source + ": pre-tokenizer regex does not compile at offset " + std::to_string(off) + ": " +
                      reinterpret_cast<const char*>(msg),
                  "this tokenizer's regex uses syntax PCRE2 lacks");
    }
    jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
  }
  ~CompiledRegex() { pcre2_code_free(code_); }
  CompiledRegex(const CompiledRegex&) = delete;
  CompiledRegex& operator=(const CompiledRegex&) = delete;

  // HF SplitDelimiterBehavior::Isolated: every match and every gap becomes a piece.
  // `text` must be valid UTF-8.
  void split_isolated(std::string_view text, std::vector<std::string>& out) const {
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_, nullptr);
    size_t pos = 0, last = 0;
    while (pos <= text.size()) {
      int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos, PCRE2_NO_UTF_CHECK, md,
                           nullptr);
      if (rc < 0) break;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      size_t s = ov[0], e = ov[1];
      if (e == s) {  // empty match: skip one character
        if (s >= text.size()) break;
        size_t i = s;
        utf8_next(text, i);
        pos = i;
        continue;
      }
      if (s > last) out.emplace_back(text.substr(last, s - last));
      out.emplace_back(text.substr(s, e - s));
      last = pos = e;
    }
    if (last < text.size()) out.emplace_back(text.substr(last));
    pcre2_match_data_free(md);
  }

 private:
  pcre2_code* code_ = nullptr;
  bool jit_ = false;
};

namespace {

using Step = PreTokenizerPipeline::Step;

Step split_step(const char* pattern, const std::string& source) {
  Step s;
  s.kind = Step::Split;
  s.regex = std::make_shared<const CompiledRegex>(pattern, source);
  return s;
}

Step byte_level_step(bool add_prefix_space, const std::string& source) {
  Step s;
  s.kind = Step::ByteLevelRegex;
  s.regex = std::make_shared<const CompiledRegex>(kGpt2Pattern, source);
  s.add_prefix_space = add_prefix_space;
  return s;
}

// HF Digits splits on Rust's char::is_numeric (Unicode N*: "١", "²", "½" too), i.e. \p{N}.
Step digits_step(bool individual, const std::string& source) {
  Step s;
  s.kind = Step::Digits;
  s.individual_digits = individual;
  s.regex = std::make_shared<const CompiledRegex>(individual ? "\\p{N}" : "\\p{N}+", source);
  return s;
}

[[noreturn]] void unsupported(const std::string& source, const std::string& what) {
  throw Error(ErrorKind::Invalid, source + ": unsupported tokenizer " + what,
              "rayctl supports byte-level BPE with Split(regex)/Digits/ByteLevel pre-tokenizers and an NFC or no "
              "normalizer (GPT-2, Llama-3, Qwen2, SmolLM families)");
}

}  // namespace

PreTokenizerPipeline PreTokenizerPipeline::from_gguf_pre(std::string_view pre, const std::string& source) {
  PreTokenizerPipeline p;
  if (pre == "smollm" || pre == "starcoder" || pre == "refact") {
    p.family_ = PreTokenizer::SmolLM;
    p.steps_ = {digits_step(true, source), byte_level_step(false, source)};
  } else if (pre == "gpt2" || pre == "gpt-2" || pre == "default" || pre == "phi-2" || pre == "jina-es" ||
             pre == "roberta-bpe") {
    p.family_ = PreTokenizer::Gpt2;
    p.steps_ = {byte_level_step(false, source)};
  } else if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3" || pre == "smaug-bpe" || pre == "falcon3" ||
             pre == "pixtral") {
    p.family_ = PreTokenizer::Llama3;
    p.steps_ = {split_step(kLlama3Pattern, source)};
  } else if (pre == "qwen2" || pre == "deepseek-r1-qwen" || pre == "megrez") {
    p.family_ = PreTokenizer::Qwen2;
    p.nfc_ = true;  // as HF's Qwen2 tokenizer.json (llama.cpp skips it; HF is the reference)
    p.steps_ = {split_step(kQwen2Pattern, source)};
  } else {
    throw Error(ErrorKind::Invalid, source + ": tokenizer.ggml.pre \"" + std::string(pre) + "\" is not supported",
                "supported pre-tokenizers: smollm, gpt-2, llama-bpe, qwen2");
  }
  return p;
}

PreTokenizerPipeline PreTokenizerPipeline::from_hf_json(const nlohmann::json& normalizer,
                                                        const nlohmann::json& pre_tokenizer,
                                                        const std::string& source) {
  PreTokenizerPipeline p;
  if (!normalizer.is_null()) {
    std::string t = normalizer.value("type", "");
    if (t == "NFC")
      p.nfc_ = true;
    else if (!(t == "Sequence" && normalizer.value("normalizers", nlohmann::json::array()).empty()))
      unsupported(source, "normalizer \"" + t + "\"");
  }
  std::vector<nlohmann::json> nodes;
  if (pre_tokenizer.is_object() && pre_tokenizer.value("type", "") == "Sequence") {
    for (const auto& n : pre_tokenizer.at("pretokenizers")) nodes.push_back(n);
  } else if (!pre_tokenizer.is_null()) {
    nodes.push_back(pre_tokenizer);
  }
  bool saw_digits = false;
  std::string split_pattern;
  for (const auto& n : nodes) {
    std::string t = n.value("type", "");
    if (t == "Split") {
      const auto& pat = n.at("pattern");
      if (!pat.contains("Regex")) unsupported(source, "Split with a plain string pattern");
      if (n.value("behavior", "Isolated") != "Isolated" || n.value("invert", false))
        unsupported(source, "Split behavior \"" + n.value("behavior", "") + "\"");
      split_pattern = pat.at("Regex").get<std::string>();
      p.steps_.push_back(split_step(split_pattern.c_str(), source));
    } else if (t == "Digits") {
      saw_digits = true;
      p.steps_.push_back(digits_step(n.value("individual_digits", false), source));
    } else if (t == "ByteLevel") {
      if (n.value("use_regex", true))
        p.steps_.push_back(byte_level_step(n.value("add_prefix_space", false), source));
      else if (n.value("add_prefix_space", false))
        unsupported(source, "ByteLevel add_prefix_space without regex");
    } else {
      unsupported(source, "pre-tokenizer \"" + t + "\"");
    }
  }
  if (split_pattern == kQwen2Pattern)
    p.family_ = PreTokenizer::Qwen2;
  else if (!split_pattern.empty())
    p.family_ = PreTokenizer::Llama3;
  else if (saw_digits)
    p.family_ = PreTokenizer::SmolLM;
  else
    p.family_ = PreTokenizer::Gpt2;
  return p;
}

std::string PreTokenizerPipeline::normalize(std::string_view text) const {
  return nfc_ ? nfc_normalize(text) : std::string(text);
}

void PreTokenizerPipeline::split(std::string_view raw, std::vector<std::string>& words) const {
  std::vector<std::string> cur{normalize(raw)}, next;
  for (const Step& s : steps_) {
    next.clear();
    for (std::string& piece : cur) {
      if (s.kind == Step::Digits || s.kind == Step::Split) {
        s.regex->split_isolated(piece, next);
      } else {
        if (s.add_prefix_space && (piece.empty() || piece[0] != ' ')) piece.insert(0, " ");
        s.regex->split_isolated(piece, next);
      }
    }
    cur.swap(next);
  }
  for (std::string& w : cur)
    if (!w.empty()) words.push_back(std::move(w));
}

std::string nfc_normalize(std::string_view text) {
  bool ascii_only = true;  // everything below U+0300 is NFC-stable; ASCII is the common case
  for (char c : text)
    if (uint8_t(c) >= 0x80) {
      ascii_only = false;
      break;
    }
  if (ascii_only) return std::string(text);
#if defined(RAYCTL_HAVE_ICU)
  UErrorCode st = U_ZERO_ERROR;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&st);
  std::u16string u16(text.size() + 1, u'\0');
  int32_t n16 = 0;
  u_strFromUTF8WithSub(reinterpret_cast<UChar*>(u16.data()), int32_t(u16.size()), &n16, text.data(),
                       int32_t(text.size()), 0xFFFD, nullptr, &st);
  if (U_FAILURE(st)) throw Error(ErrorKind::Internal, "NFC: UTF-8 conversion failed");
  std::u16string norm(size_t(n16) * 3 + 16, u'\0');
  int32_t nn = unorm2_normalize(nfc, reinterpret_cast<const UChar*>(u16.data()), n16,
                                reinterpret_cast<UChar*>(norm.data()), int32_t(norm.size()), &st);
  if (U_FAILURE(st)) throw Error(ErrorKind::Internal, "NFC normalization failed");
  std::string out(size_t(nn) * 3 + 4, '\0');
  int32_t n8 = 0;
  u_strToUTF8(out.data(), int32_t(out.size()), &n8, reinterpret_cast<const UChar*>(norm.data()), nn, &st);
  if (U_FAILURE(st)) throw Error(ErrorKind::Internal, "NFC: UTF-8 conversion failed");
  out.resize(size_t(n8));
  return out;
#else
  throw Error(ErrorKind::Invalid, "this tokenizer needs NFC normalization, but rayctl was built without ICU",
              "install libicu-dev and rebuild rayctl");
#endif
}

}  // namespace rayctl::inference
