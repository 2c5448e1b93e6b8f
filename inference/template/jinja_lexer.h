// Jinja lexer: splits template source into text and tag tokens, applying whitespace control
// ("{%-", "-%}"), trim_blocks and lstrip_blocks as transformers' apply_chat_template does.
#pragma once

#include <string>
#include <vector>

namespace rayctl::inference::jinja {

enum class TokKind { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, Eof };

struct Token {
  TokKind kind;
  std::string text;
  int line;
};

// Throws TemplateError on an unterminated tag, string or comment.
std::vector<Token> lex_template(const std::string& src);

}  // namespace rayctl::inference::jinja
