// jinja::Value: the dynamic values a chat template computes with — Python semantics as Jinja2
// gives them (truthiness, str(), repr(), ==, ordering), plus conversion from/to JSON and the
// json.dumps-compatible `tojson` that transformers installs. No parsing or evaluation here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rayctl::inference::jinja {

class Value;
using List = std::vector<Value>;
// Insertion-ordered, like Python dicts.
using Dict = std::vector<std::pair<std::string, Value>>;
struct CallArgs;
using Function = std::function<Value(CallArgs&)>;

// A template error (syntax or run time) with the template line it happened on.
struct TemplateError : std::runtime_error {
  TemplateError(const std::string& msg, int line_, bool raised_ = false)
      : std::runtime_error(msg), line(line_), raised(raised_) {}
  int line;
  bool raised;  // from the template's own raise_exception()
};

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Function };

  Value() = default;  // undefined
  static Value none();
  Value(bool b) : kind_(Kind::Bool), i_(b) {}
  Value(int v) : kind_(Kind::Int), i_(v) {}
  Value(int64_t v) : kind_(Kind::Int), i_(v) {}
  Value(double v) : kind_(Kind::Float), f_(v) {}
  Value(std::string s) : kind_(Kind::String), s_(std::make_shared<std::string>(std::move(s))) {}
  Value(const char* s) : Value(std::string(s)) {}
  Value(List l) : kind_(Kind::List), l_(std::make_shared<List>(std::move(l))) {}
  Value(Dict d) : kind_(Kind::Dict), d_(std::make_shared<Dict>(std::move(d))) {}
  static Value function(Function f);
  static Value from_json(const nlohmann::json& j);
  static Value from_json(const nlohmann::ordered_json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_function() const { return kind_ == Kind::Function; }

  bool truthy() const;
  int64_t as_int() const;    // bool/int/float (truncates)
  double as_double() const;  // bool/int/float
  const std::string& str_ref() const { return *s_; }
  List& list() const { return *l_; }
  Dict& dict() const { return *d_; }
  const Function& fn() const { return *fn_; }

  // Dict lookup; undefined when absent (or this is not a dict).
  Value get(const std::string& key) const;
  void set(const std::string& key, Value v) const;  // dicts share their storage (Python references)

  std::string str() const;   // Python str() (undefined → "")
  std::string repr() const;  // Python repr()
  // json.dumps(self, ensure_ascii=False, indent=indent (<0: None), sort_keys=...)
  std::string to_json(int indent = -1, bool sort_keys = false) const;
  const char* type_name() const;

  friend bool operator==(const Value& a, const Value& b);
  // Python ordering for numbers and strings; throws TemplateError(line 0) otherwise.
  friend bool operator<(const Value& a, const Value& b);

 private:
  Kind kind_ = Kind::Undefined;
  int64_t i_ = 0;
  double f_ = 0;
  std::shared_ptr<std::string> s_;
  std::shared_ptr<List> l_;
  std::shared_ptr<Dict> d_;
  std::shared_ptr<Function> fn_;
};

// Positional and keyword arguments of a call; `line` for error messages.
struct CallArgs {
  List args;
  Dict kwargs;
  int line = 0;
  // Argument by position or keyword; `fallback` when absent.
  Value get(size_t pos, const char* name, Value fallback = Value()) const;
};

// Python float repr ("1.0", "0.1", "1e+20", "inf").
std::string python_float_repr(double d);
// Code points of a UTF-8 string (for len(), slicing and indexing like Python str).
std::vector<uint32_t> code_points(const std::string& s);
std::string from_code_points(const std::vector<uint32_t>& cps, size_t begin, size_t end);
// Python str.isspace() for one code point.
bool py_isspace(uint32_t cp);

}  // namespace rayctl::inference::jinja
