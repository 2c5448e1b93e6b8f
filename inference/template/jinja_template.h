// jinja::Template: a parsed Jinja template that renders with a set of global variables, plus
// the builtin filters, tests and Python methods real chat templates call (jinja_filters.cpp,
// jinja_builtins.cpp, jinja_methods.cpp).
// Undefined values are lenient: attribute access on them yields undefined instead of raising.
#pragma once

#include "inference/template/jinja_ast.h"
#include "inference/template/jinja_value.h"

#include <string>

namespace rayctl::inference::jinja {

class Template {
 public:
  // Throws TemplateError (with line) on a syntax error.
  explicit Template(const std::string& source);
  // Renders with `globals` (messages, add_generation_prompt, ...). Builtin functions
  // (raise_exception, namespace, range, dict, strftime_now) are added unless shadowed.
  // Throws TemplateError on run-time errors and on raise_exception().
  std::string render(const Dict& globals) const;

 private:
  Body body_;
};

// Builtins: filters (jinja_filters.cpp), tests and globals (jinja_builtins.cpp), attribute
// access, subscripts and iteration (jinja_methods.cpp).
Value apply_filter(const std::string& name, const Value& v, CallArgs& args);
bool apply_test(const std::string& name, const Value& v, CallArgs& args);
// obj.name as Jinja2 resolves it (dict key, or a bound Python method of str / dict / list).
Value get_attribute(const Value& obj, const std::string& name);
// obj[key] (negative list indexes, dict keys, string characters by code point).
Value get_item(const Value& obj, const Value& key);
Value builtin_global(const std::string& name);  // undefined when unknown
// Python iteration: list items, dict keys, string characters.
List iterate(const Value& v, int line);

}  // namespace rayctl::inference::jinja
