// Python str semantics that the Jinja builtins share (filters in jinja_filters.cpp, methods in
// jinja_methods.cpp): strip, split, replace, title, capitalize, len(), and the run-time error
// they raise. Internal to the template folder; chat_template.h and jinja_template.h are the API.
#pragma once

#include "inference/template/jinja_template.h"

#include <cstdint>
#include <string>

namespace rayctl::inference::jinja {

// A run-time template error without a line (the evaluator adds it).
[[noreturn]] inline void err(const std::string& m) { throw TemplateError(m, 0); }
// v's string, or err() naming `what` when v is not a string.
const std::string& need_str(const Value& v, const char* what);

// Python str.strip / lstrip / rstrip (`chars` undefined or none: white space).
std::string py_strip(const std::string& s, const Value& chars, bool left, bool right);
// f applied to the ASCII bytes of s (Jinja's upper / lower on the text templates use).
std::string ascii_map(std::string s, int (*f)(int));
std::string py_title(const std::string& s);
std::string py_capitalize(const std::string& s);
// Python str.split(sep, maxsplit): a list of strings.
Value py_split(const std::string& s, const Value& sep, int64_t maxsplit);
// Python str.replace(a, b, count); count < 0: all.
std::string py_replace(const std::string& s, const std::string& a, const std::string& b, int64_t count);
// Python len() of a string (code points), list or dict; 0 for undefined.
int64_t py_len(const Value& v);

}  // namespace rayctl::inference::jinja
