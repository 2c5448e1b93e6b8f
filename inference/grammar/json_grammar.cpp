// JsonGrammar: schema compilation and the mask cache (see json_grammar.h).
#include "inference/grammar/json_grammar.h"

#include "inference/tokenizer/tokenizer.h"

#include <set>

namespace rayctl::inference {

using nlohmann::json;

namespace {
constexpr int kMaxFreeDepth = 6;
constexpr int kMaxSchemaDepth = 32;

uint8_t bit(SchemaNode::Kind k) { return static_cast<uint8_t>(1u << k); }

const std::set<std::string> kAnnotations = {"title",    "description", "$schema", "default",
                                            "examples", "$id",         "$comment"};
}  // namespace

JsonGrammar::JsonGrammar(const Tokenizer& tok) {
  const int32_t n = tok.n_vocab();
  token_bytes_.resize(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    // Control tokens never appear inside JSON; they stay empty (never allowed).
    if (!tok.is_special(i)) token_bytes_[static_cast<size_t>(i)] = tok.token_bytes(i);
    longest_ = std::max(longest_, token_bytes_[static_cast<size_t>(i)].size());
  }
  eos_ = tok.stop_ids();
}

int JsonGrammar::add(SchemaNode n) {
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size()) - 1;
}

// Free-form JSON at nesting `depth`: containers only while depth < kMaxFreeDepth.
int JsonGrammar::any_value(int depth) {
  SchemaNode n;
  n.kind = SchemaNode::Any;
  n.literals = {"true", "false", "null"};
  const int self = add(n);
  if (depth < kMaxFreeDepth) {
    const int child = any_value(depth + 1);
    nodes_[static_cast<size_t>(self)].items = child;
  }
  return self;
}

std::shared_ptr<JsonGrammar> JsonGrammar::any_object(const Tokenizer& tok) {
  std::shared_ptr<JsonGrammar> g(new JsonGrammar(tok));
  SchemaNode obj;
  obj.kind = SchemaNode::Object;
  obj.any_keys = true;
  const int root = g->add(obj);
  const int value = g->any_value(1);
  g->nodes_[static_cast<size_t>(root)].items = value;
  g->root_ = root;
  return g;
}

std::shared_ptr<JsonGrammar> JsonGrammar::from_schema(const json& schema, const Tokenizer& tok) {
  std::shared_ptr<JsonGrammar> g(new JsonGrammar(tok));
  g->root_ = g->compile(schema, "", 0);
  return g;
}

std::shared_ptr<JsonGrammar> JsonGrammar::tool_call(const json& tools, const std::string& prefix,
                                                    const std::string& suffix, const std::string& arguments_key,
                                                    const Tokenizer& tok) {
  json names = json::array();
  for (const json& t : tools) names.push_back(t["function"]["name"]);
  json args = {{"type", "object"}};
  if (tools.size() == 1 && tools[0]["function"].contains("parameters")) args = tools[0]["function"]["parameters"];
  const json schema = {{"type", "object"},
                       {"properties", {{arguments_key, args}, {"name", {{"enum", names}}}}},
                       {"required", {arguments_key, "name"}}};
  std::shared_ptr<JsonGrammar> g(new JsonGrammar(tok));
  g->root_ = g->compile(schema, "", 0);
  g->prefix_ = prefix;
  g->suffix_ = suffix;
  return g;
}

int JsonGrammar::compile_object(const json& s, const std::string& path, int depth) {
  SchemaNode n;
  n.kind = SchemaNode::Object;
  const json* props = s.contains("properties") ? &s["properties"] : nullptr;
  if (props && !props->is_object()) throw SchemaError(path + "/properties", "must be an object");
  std::set<std::string> required;
  if (s.contains("required")) {
    if (!s["required"].is_array()) throw SchemaError(path + "/required", "must be an array of names");
    for (const json& r : s["required"]) {
      if (!r.is_string()) throw SchemaError(path + "/required", "must be an array of names");
      if (!props || !props->contains(r.get<std::string>()))
        throw SchemaError(path + "/required", "names \"" + r.get<std::string>() + "\", which is not in properties");
      required.insert(r.get<std::string>());
    }
  }
  const json* extra = s.contains("additionalProperties") ? &s["additionalProperties"] : nullptr;
  const bool free_form = !props || props->empty();
  if (extra && !(extra->is_boolean() && (!extra->get<bool>() || free_form)))
    throw SchemaError(path + "/additionalProperties",
                      "only false is supported (true only for an object without properties)");
  if (free_form) {
    n.any_keys = true;
    const int self = add(n);
    const int value = any_value(1);
    nodes_[static_cast<size_t>(self)].items = value;
    return self;
  }
  // Property order: as the schema lists them (nlohmann's json keeps objects sorted by key, so
  // "as listed" is alphabetical here; the output is valid either way).
  for (const auto& [name, sub] : props->items()) {
    n.keys.push_back(json(name).dump());
    n.required.push_back(required.count(name) > 0);
    n.values.push_back(-1);
  }
  const int self = add(n);
  size_t i = 0;
  for (const auto& [name, sub] : props->items()) {
    const int child = compile(sub, path + "/properties/" + name, depth + 1);
    nodes_[static_cast<size_t>(self)].values[i++] = child;
  }
  return self;
}

int JsonGrammar::compile_literals(const json& s, const std::string& path) {
  SchemaNode n;
  n.kind = SchemaNode::Literal;
  if (s.contains("const")) n.literals.push_back(s["const"].dump());
  if (s.contains("enum")) {
    if (!s["enum"].is_array() || s["enum"].empty()) throw SchemaError(path + "/enum", "must be a non-empty array");
    for (const json& v : s["enum"]) n.literals.push_back(v.dump());
  }
  if (n.literals.size() > 32) throw SchemaError(path + "/enum", "has more than 32 values");
  return add(n);
}

// "type" (a name or a list; implied by properties or items): the first object/array/string/
// number/integer kind, the other scalar kinds, and boolean/null as literals.
JsonGrammar::TypeSet JsonGrammar::type_set(const json& s, const std::string& path) {
  std::vector<std::string> types;
  if (!s.contains("type")) {
    types = {s.contains("properties") ? "object" : "array"};  // the caller saw one of them
  } else if (s["type"].is_string()) {
    types = {s["type"].get<std::string>()};
  } else if (s["type"].is_array()) {
    for (const json& t : s["type"]) {
      if (!t.is_string()) throw SchemaError(path + "/type", "must be a type name or a list of them");
      types.push_back(t.get<std::string>());
    }
  } else {
    throw SchemaError(path + "/type", "must be a type name or a list of them");
  }
  if (types.empty()) throw SchemaError(path + "/type", "must name at least one type");
  TypeSet ts;
  for (const std::string& t : types) {
    if (t == "boolean") {
      ts.literals.insert(ts.literals.end(), {"true", "false"});
      continue;
    }
    if (t == "null") {
      ts.literals.push_back("null");
      continue;
    }
    SchemaNode::Kind k;
    if (t == "object")
      k = SchemaNode::Object;
    else if (t == "array")
      k = SchemaNode::Array;
    else if (t == "string")
      k = SchemaNode::String;
    else if (t == "number")
      k = SchemaNode::Number;
    else if (t == "integer")
      k = SchemaNode::Integer;
    else
      throw SchemaError(path + "/type", "\"" + t + "\" is not a JSON schema type");
    if (ts.first < 0) {
      ts.first = k;
    } else {
      if (k == SchemaNode::Object || k == SchemaNode::Array)
        throw SchemaError(path + "/type", "several types are supported only with one object or array among them");
      ts.also |= bit(k);
    }
  }
  return ts;
}

int JsonGrammar::compile(const json& s, const std::string& path, int depth) {
  if (depth > kMaxSchemaDepth) throw SchemaError(path, "is nested deeper than 32 levels");
  if (s.is_boolean() && s.get<bool>()) return any_value(1);
  if (!s.is_object()) throw SchemaError(path, "must be a schema object");
  static const std::set<std::string> known = {"type",  "properties", "required", "additionalProperties",
                                              "items", "minItems",   "maxItems", "enum",
                                              "const", "minLength",  "maxLength"};
  for (const auto& [k, v] : s.items())
    if (!known.count(k) && !kAnnotations.count(k))
      throw SchemaError(path + "/" + k, "the keyword \"" + k + "\" is not supported by the grammar");
  if (s.contains("enum") || s.contains("const")) return compile_literals(s, path);
  if (!s.contains("type") && !s.contains("properties") && !s.contains("items")) return any_value(1);
  TypeSet ts = type_set(s, path);
  const int first = ts.first;
  const uint8_t also = ts.also;
  std::vector<std::string> literals = std::move(ts.literals);
  int self;
  if (first == SchemaNode::Object) {
    self = compile_object(s, path, depth);
  } else {
    SchemaNode n;
    n.kind = first < 0 ? SchemaNode::Literal : static_cast<SchemaNode::Kind>(first);
    if (n.kind == SchemaNode::Array) {
      if (s.contains("minItems")) n.min_items = s["minItems"].get<int>();
      if (s.contains("maxItems")) n.max_items = s["maxItems"].get<int>();
      if (n.min_items < 0 || n.max_items < n.min_items)
        throw SchemaError(path + "/maxItems", "must be >= minItems >= 0");
      self = add(n);
      const int item = s.contains("items") ? compile(s["items"], path + "/items", depth + 1) : any_value(1);
      nodes_[static_cast<size_t>(self)].items = item;
    } else {
      if (s.contains("minLength")) n.min_len = s["minLength"].get<int>();
      if (s.contains("maxLength")) n.max_len = s["maxLength"].get<int>();
      if (n.min_len < 0 || n.max_len < n.min_len) throw SchemaError(path + "/maxLength", "must be >= minLength >= 0");
      self = add(n);
    }
  }
  nodes_[static_cast<size_t>(self)].also |= also;
  auto& lits = nodes_[static_cast<size_t>(self)].literals;
  lits.insert(lits.end(), literals.begin(), literals.end());
  return self;
}

std::shared_ptr<const std::vector<uint8_t>> JsonGrammar::cached_mask(const std::string& state) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = masks_.find(state);
  return it == masks_.end() ? nullptr : it->second;
}

void JsonGrammar::store_mask(const std::string& state, std::shared_ptr<const std::vector<uint8_t>> mask) const {
  std::lock_guard<std::mutex> lk(mu_);
  if (masks_.size() > 100000) masks_.clear();  // a bound on memory; masks are recomputed as needed
  masks_.emplace(state, std::move(mask));
}

size_t JsonGrammar::cached_states() const {
  std::lock_guard<std::mutex> lk(mu_);
  return masks_.size();
}

}  // namespace rayctl::inference
