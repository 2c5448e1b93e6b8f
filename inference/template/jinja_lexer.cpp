// Jinja lexer (see jinja_lexer.h). Mirrors Jinja2's rules for "-" whitespace control and for
// the trim_blocks / lstrip_blocks options that transformers turns on.
#include "inference/template/jinja_lexer.h"

#include "inference/template/jinja_value.h"
#include "inference/tokenizer/tokenizer_utf8.h"

#include <cctype>
#include <cstring>

namespace rayctl::inference::jinja {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

void rstrip_all(std::string& s) {
  while (!s.empty() && is_space(s.back())) s.pop_back();
}

class Lexer {
 public:
  explicit Lexer(const std::string& s) : src_(s) {}

  std::vector<Token> run() {
    bool strip_next = false, trim_newline = false, line_starting = true;
    while (pos_ < src_.size()) {
      size_t tag = find_tag(pos_);
      std::string text = src_.substr(pos_, tag - pos_);
      int text_line = line_;
      count_lines(text);
      size_t skip = 0;
      if (strip_next) {
        while (skip < text.size() && is_space(text[skip])) ++skip;
      } else if (trim_newline) {
        if (text.compare(0, 1, "\n") == 0)
          skip = 1;
        else if (text.compare(0, 2, "\r\n") == 0)
          skip = 2;
      }
      if (skip) {
        line_starting = text[skip - 1] == '\n';
        text.erase(0, skip);
      }
      if (tag >= src_.size()) {
        push_text(text, text_line);
        break;
      }
      char type = src_[tag + 1];
      char mod = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (mod == '-') {
        rstrip_all(text);
      } else if (mod != '+' && (type == '%' || type == '#')) {
        size_t l = text.rfind('\n');
        size_t l_pos = l == std::string::npos ? 0 : l + 1;
        if (l_pos > 0 || line_starting) {
          bool ws = true;
          for (size_t i = l_pos; i < text.size(); ++i)
            if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\f' && text[i] != '\v') ws = false;
          if (ws) text.erase(l_pos);
        }
      }
      push_text(text, text_line);
      pos_ = tag + 2 + ((mod == '-' || mod == '+') ? 1 : 0);
      bool dash_end;
      if (type == '#') {
        dash_end = skip_comment();
      } else {
        out_.push_back({type == '{' ? TokKind::VarBegin : TokKind::BlockBegin, "", line_});
        dash_end = lex_tag(type == '{' ? '}' : '%');
      }
      strip_next = dash_end;
      trim_newline = !dash_end && type != '{';
      line_starting = false;
    }
    out_.push_back({TokKind::Eof, "", line_});
    return std::move(out_);
  }

 private:
  size_t find_tag(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i)
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    return src_.size();
  }

  void count_lines(const std::string& s) {
    for (char c : s) line_ += c == '\n';
  }

  void push_text(const std::string& t, int line) {
    if (!t.empty()) out_.push_back({TokKind::Text, t, line});
  }

  bool skip_comment() {
    size_t end = src_.find("#}", pos_);
    if (end == std::string::npos) throw TemplateError("unterminated comment", line_);
    count_lines(src_.substr(pos_, end - pos_));
    bool dash = end > pos_ && src_[end - 1] == '-';
    pos_ = end + 2;
    return dash;
  }

  // Lexes inside {{ }} or {% %}; returns whether the closing marker had a '-'.
  bool lex_tag(char closer) {
    int depth = 0;
    while (true) {
      while (pos_ < src_.size() && is_space(src_[pos_])) line_ += src_[pos_++] == '\n';
      if (pos_ >= src_.size()) throw TemplateError("unterminated tag", line_);
      char c = src_[pos_];
      if (depth == 0) {
        if (c == '-' && pos_ + 2 < src_.size() + 0 && src_[pos_ + 1] == closer && src_[pos_ + 2] == '}') {
          end_tag(closer, 3);
          return true;
        }
        if (c == closer && pos_ + 1 < src_.size() && src_[pos_ + 1] == '}') {
          end_tag(closer, 2);
          return false;
        }
      }
      if (std::isalpha(uint8_t(c)) || c == '_') {
        size_t s = pos_;
        while (pos_ < src_.size() && (std::isalnum(uint8_t(src_[pos_])) || src_[pos_] == '_')) ++pos_;
        out_.push_back({TokKind::Name, src_.substr(s, pos_ - s), line_});
      } else if (std::isdigit(uint8_t(c))) {
        lex_number();
      } else if (c == '\'' || c == '"') {
        lex_string(c);
      } else {
        static const char* two[] = {"//", "**", "==", "!=", "<=", ">="};
        std::string op(1, c);
        for (const char* t : two)
          if (src_.compare(pos_, 2, t) == 0) op = t;
        if (op.size() == 1 && !std::strchr("+-*/%~<>=()[]{}.,:|!", c))
          throw TemplateError(std::string("unexpected character '") + c + "' in tag", line_);
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') --depth;
        pos_ += op.size();
        out_.push_back({TokKind::Op, op, line_});
      }
    }
  }

  void end_tag(char closer, size_t len) {
    out_.push_back({closer == '}' ? TokKind::VarEnd : TokKind::BlockEnd, "", line_});
    pos_ += len;
  }

  void lex_number() {
    size_t s = pos_;
    bool is_float = false;
    while (pos_ < src_.size() && (std::isdigit(uint8_t(src_[pos_])) || src_[pos_] == '_')) ++pos_;
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && std::isdigit(uint8_t(src_[pos_ + 1]))) {
      is_float = true;
      ++pos_;
      while (pos_ < src_.size() && std::isdigit(uint8_t(src_[pos_]))) ++pos_;
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t e = pos_ + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < src_.size() && std::isdigit(uint8_t(src_[e]))) {
        is_float = true;
        pos_ = e;
        while (pos_ < src_.size() && std::isdigit(uint8_t(src_[pos_]))) ++pos_;
      }
    }
    std::string t;
    for (size_t i = s; i < pos_; ++i)
      if (src_[i] != '_') t += src_[i];
    out_.push_back({is_float ? TokKind::Float : TokKind::Int, t, line_});
  }

  void lex_string(char q) {
    int start_line = line_;
    ++pos_;
    std::string v;
    while (true) {
      if (pos_ >= src_.size()) throw TemplateError("unterminated string literal", start_line);
      char c = src_[pos_++];
      if (c == q) break;
      if (c == '\n') ++line_;
      if (c != '\\' || pos_ >= src_.size()) {
        v += c;
        continue;
      }
      char e = src_[pos_++];
      switch (e) {
        case 'n': v += '\n'; break;
        case 't': v += '\t'; break;
        case 'r': v += '\r'; break;
        case '0': v += '\0'; break;
        case '\\': v += '\\'; break;
        case '\'': v += '\''; break;
        case '"': v += '"'; break;
        case '\n': ++line_; break;
        case 'x':
        case 'u':
        case 'U': {
          size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (pos_ + n > src_.size()) throw TemplateError("bad escape in string literal", line_);
          uint32_t cp = uint32_t(std::stoul(src_.substr(pos_, n), nullptr, 16));
          pos_ += n;
          utf8_append(cp, v);
          break;
        }
        default: v += '\\'; v += e;  // Python keeps unknown escapes as written
      }
    }
    out_.push_back({TokKind::String, v, start_line});
  }

  const std::string& src_;
  size_t pos_ = 0;
  int line_ = 1;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> lex_template(const std::string& src) { return Lexer(src).run(); }

}  // namespace rayctl::inference::jinja
