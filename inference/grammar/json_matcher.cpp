// JsonMatcher: the byte automaton and the token masks (see json_matcher.h).
#include "inference/grammar/json_matcher.h"

#include <algorithm>
#include <cmath>

namespace rayctl::inference {

namespace {
enum FrameType : uint8_t { kValue, kObject, kArray, kString, kNumber, kLiteral, kFixed };
enum ObjectPhase : uint8_t { kOpen, kKey, kColon, kInValue, kNext, kAfterComma };
enum ArrayPhase : uint8_t { kArrOpen, kItem, kArrNext };
enum NumberPhase : uint8_t { kSign = 1, kZero, kInt, kDot, kFrac, kE, kESign, kExp };
constexpr int kMaxDigits = 15, kMaxExpDigits = 2, kKeyMaxLen = 64, kFreeMaxItems = 16;

bool digit(uint8_t c) { return c >= '0' && c <= '9'; }
bool hex(uint8_t c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool number_can_end(uint8_t phase) { return phase == kZero || phase == kInt || phase == kFrac || phase == kExp; }
}  // namespace

// The stack starts as [suffix, value, prefix] (the top last); fixed text that is empty is left out.
JsonMatcher::JsonMatcher(std::shared_ptr<const JsonGrammar> grammar) : g_(std::move(grammar)) {
  Frame f;
  if (!g_->suffix().empty()) {
    f.type = kFixed;
    f.node = 1;
    stack_.push_back(f);
  }
  f.type = kValue;
  f.node = g_->root();
  stack_.push_back(f);
  if (!g_->prefix().empty()) {
    f.type = kFixed;
    f.node = 0;
    stack_.push_back(f);
  }
}

// The alternatives of a literal frame: an object's keys from `count` on (phase 1), else the
// node's literals.
static const std::string& alternative(const JsonGrammar& g, const JsonMatcher::Frame& f, int b) {
  const SchemaNode& n = g.node(f.node);
  return f.phase == 1 ? n.keys[static_cast<size_t>(f.count + b)] : n.literals[static_cast<size_t>(b)];
}

static int alternatives(const JsonGrammar& g, const JsonMatcher::Frame& f) {
  const SchemaNode& n = g.node(f.node);
  const int total = f.phase == 1 ? static_cast<int>(n.keys.size()) - f.count : static_cast<int>(n.literals.size());
  return std::min(total, 32);
}

// The index of the alternative that is complete (matched in full), or -1.
static int matched(const JsonGrammar& g, const JsonMatcher::Frame& f) {
  for (int b = 0; b < alternatives(g, f); ++b)
    if ((f.alive >> b & 1u) && static_cast<int>(alternative(g, f, b).size()) == f.index) return b;
  return -1;
}

// Can an object at property index i close now / take another property?
static bool object_can_close(const SchemaNode& n, int i) {
  if (n.any_keys || n.kind == SchemaNode::Any) return true;
  for (size_t k = static_cast<size_t>(i); k < n.keys.size(); ++k)
    if (n.required[k]) return false;
  return true;
}
static bool object_has_more(const SchemaNode& n, int i) {
  if (n.any_keys || n.kind == SchemaNode::Any) return i < kFreeMaxItems;  // free-form: at most 16 properties
  return static_cast<size_t>(i) < n.keys.size();
}

bool JsonMatcher::start_value(std::vector<Frame>& st, int node, uint8_t c) const {
  const SchemaNode& n = g_->node(node);
  const bool any = n.kind == SchemaNode::Any;
  auto has = [&](SchemaNode::Kind k) { return n.kind == k || (n.also >> k & 1u); };
  Frame f;
  f.node = node;
  if (c == '{' && (any ? n.items >= 0 : n.kind == SchemaNode::Object)) {
    f.type = kObject;
    f.phase = kOpen;
  } else if (c == '[' && (any ? n.items >= 0 : n.kind == SchemaNode::Array)) {
    f.type = kArray;
    f.phase = kArrOpen;
  } else if (c == '"' && (any || has(SchemaNode::String))) {
    f.type = kString;
  } else if ((c == '-' || digit(c)) && (any || has(SchemaNode::Number) || has(SchemaNode::Integer))) {
    f.type = kNumber;
    f.phase = c == '-' ? kSign : c == '0' ? kZero : kInt;
    f.count = digit(c) ? 1 : 0;
  } else {
    f.type = kLiteral;
    for (int b = 0; b < alternatives(*g_, f); ++b)
      if (!n.literals[static_cast<size_t>(b)].empty() &&
          static_cast<uint8_t>(n.literals[static_cast<size_t>(b)][0]) == c)
        f.alive |= 1u << b;
    if (!f.alive) return false;
    f.index = 1;
    st.push_back(f);
    // A literal no longer alternative can extend is complete now.
    bool longer = false;
    for (int b = 0; b < alternatives(*g_, f); ++b)
      if ((f.alive >> b & 1u) && alternative(*g_, f, b).size() > 1) longer = true;
    if (!longer) {
      st.pop_back();
      child_done(st);
    }
    return true;
  }
  st.push_back(f);
  return true;
}

void JsonMatcher::child_done(std::vector<Frame>& st) const {
  if (st.empty()) return;
  Frame& p = st.back();
  if (p.type == kObject) {
    if (p.phase == kKey)
      p.phase = kColon;
    else if (p.phase == kInValue)
      p.phase = kNext, ++p.index;
  } else if (p.type == kArray) {
    p.phase = kArrNext;
    ++p.index;
  }
}

JsonMatcher::Step JsonMatcher::step_object(std::vector<Frame>& st, uint8_t c) const {
  Frame& f = st.back();
  const SchemaNode& n = g_->node(f.node);

  const bool free = n.any_keys || n.kind == SchemaNode::Any;
  if (f.phase == kOpen || f.phase == kAfterComma) {
    if (c == '}' && f.phase == kOpen && object_can_close(n, f.index)) {
      st.pop_back();
      child_done(st);
      return Step::Done;
    }
    if (c != '"' || !object_has_more(n, f.index)) return Step::Reject;
    f.phase = kKey;
    Frame k;
    if (free) {
      k.type = kString;
      k.node = -1;
    } else {  // the keys that may come: the next property and any after optional ones
      k.type = kLiteral;
      k.phase = 1;
      k.node = f.node;
      k.count = f.index;
      k.index = 1;
      for (int b = 0; b < alternatives(*g_, k); ++b) {
        k.alive |= 1u << b;
        if (n.required[static_cast<size_t>(f.index + b)]) break;
      }
    }
    st.push_back(k);
    return Step::Done;
  }
  if (f.phase == kColon) {
    if (c != ':') return Step::Reject;
    f.phase = kInValue;
    Frame v;
    v.type = kValue;
    v.node = free ? n.items : n.values[static_cast<size_t>(f.index)];
    st.push_back(v);
    return Step::Done;
  }
  if (f.phase == kNext) {
    if (c == ',' && object_has_more(n, f.index)) {
      f.phase = kAfterComma;
      return Step::Done;
    }
    if (c == '}' && object_can_close(n, f.index)) {
      st.pop_back();
      child_done(st);
      return Step::Done;
    }
  }
  return Step::Reject;
}

JsonMatcher::Step JsonMatcher::step_array(std::vector<Frame>& st, uint8_t c) const {
  Frame& f = st.back();
  const SchemaNode& n = g_->node(f.node);

  const int max_items = n.kind == SchemaNode::Any ? kFreeMaxItems : n.max_items;
  const int min_items = n.kind == SchemaNode::Any ? 0 : n.min_items;
  if (f.phase == kArrOpen) {
    if (c == ']' && min_items == 0) {
      st.pop_back();
      child_done(st);
      return Step::Done;
    }
    if (max_items == 0) return Step::Reject;
    f.phase = kItem;
    Frame v;
    v.type = kValue;
    v.node = n.items;
    st.push_back(v);
    return Step::Again;  // the byte starts the first item
  }
  if (f.phase == kArrNext) {
    if (c == ',' && f.index < max_items) {
      f.phase = kItem;
      Frame v;
      v.type = kValue;
      v.node = n.items;
      st.push_back(v);
      return Step::Done;
    }
    if (c == ']' && f.index >= min_items) {
      st.pop_back();
      child_done(st);
      return Step::Done;
    }
  }
  return Step::Reject;
}

JsonMatcher::Step JsonMatcher::step_string(std::vector<Frame>& st, uint8_t c) const {
  Frame& f = st.back();

  const SchemaNode* n = f.node < 0 ? nullptr : &g_->node(f.node);  // an object's free-form key: none
  const int max_len = !n ? kKeyMaxLen : n->kind == SchemaNode::Any ? 256 : n->max_len;
  const int min_len = !n || n->kind == SchemaNode::Any ? 0 : n->min_len;
  if (f.alive) {  // inside a UTF-8 sequence: alive = continuations to go | next byte's lo << 8 | hi << 16
    const uint32_t lo = f.alive >> 8 & 0xFF, hi = f.alive >> 16 & 0xFF;
    if (c < lo || c > hi) return Step::Reject;
    const uint32_t left = (f.alive & 0xFF) - 1;
    f.alive = left ? (left | 0x80u << 8 | 0xBFu << 16) : 0;
    return Step::Done;
  }
  if (f.esc == 0) {
    if (c == '"') {
      if (f.count < min_len) return Step::Reject;
      st.pop_back();
      child_done(st);
      return Step::Done;
    }
    if (c == '\\') return f.count < max_len ? (f.esc = 1, Step::Done) : Step::Reject;
    if (c < 0x20 || f.count >= max_len) return Step::Reject;
    if (c >= 0x80) {  // a lead byte: how many continuations, and the range of the first (no overlongs, surrogates)
      uint32_t n, lo = 0x80, hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF)
        n = 1;
      else if (c >= 0xE0 && c <= 0xEF)
        n = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
      else if (c >= 0xF0 && c <= 0xF4)
        n = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
      else
        return Step::Reject;
      f.alive = n | lo << 8 | hi << 16;
    }
    ++f.count;  // characters, as JSON Schema counts them
    return Step::Done;
  }
  if (f.esc == 1) {
    if (c == 'u') return f.esc = 5, Step::Done;
    if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' && c != 'r' && c != 't')
      return Step::Reject;
    f.esc = 0;
    ++f.count;
    return Step::Done;
  }
  if (!hex(c)) return Step::Reject;
  if (--f.esc == 1) f.esc = 0, ++f.count;
  return Step::Done;
}

JsonMatcher::Step JsonMatcher::step_number(std::vector<Frame>& st, uint8_t c) const {
  Frame& f = st.back();
  const SchemaNode& n = g_->node(f.node);

  const bool integer = n.kind == SchemaNode::Integer || (n.kind != SchemaNode::Number && n.kind != SchemaNode::Any &&
                                                         !(n.also >> SchemaNode::Number & 1u));
  const bool e = c == 'e' || c == 'E';
  switch (f.phase) {
    case kSign:
      if (c == '0') return f.phase = kZero, Step::Done;
      if (digit(c)) return f.phase = kInt, f.count = 1, Step::Done;
      return Step::Reject;
    case kZero:
      if (!integer && c == '.') return f.phase = kDot, Step::Done;
      if (!integer && e) return f.phase = kE, Step::Done;
      break;
    case kInt:
      if (digit(c) && f.count < kMaxDigits) return ++f.count, Step::Done;
      if (!integer && c == '.') return f.phase = kDot, Step::Done;
      if (!integer && e) return f.phase = kE, Step::Done;
      break;
    case kDot:
      if (digit(c)) return f.phase = kFrac, f.count = 1, Step::Done;
      return Step::Reject;
    case kFrac:
      if (digit(c) && f.count < kMaxDigits) return ++f.count, Step::Done;
      if (e) return f.phase = kE, Step::Done;
      break;
    case kE:
      if (c == '+' || c == '-') return f.phase = kESign, Step::Done;
      if (digit(c)) return f.phase = kExp, f.count = 1, Step::Done;
      return Step::Reject;
    case kESign:
      if (digit(c)) return f.phase = kExp, f.count = 1, Step::Done;
      return Step::Reject;
    case kExp:
      if (digit(c) && f.count < kMaxExpDigits) return ++f.count, Step::Done;
      break;
  }
  if (!number_can_end(f.phase)) return Step::Reject;
  st.pop_back();
  child_done(st);
  return Step::Again;  // the byte belongs to the enclosing value
}

JsonMatcher::Step JsonMatcher::step_literal(std::vector<Frame>& st, uint8_t c) const {
  Frame& f = st.back();

  uint32_t alive = 0;
  bool longer = false;
  for (int b = 0; b < alternatives(*g_, f); ++b) {
    if (!(f.alive >> b & 1u)) continue;
    const std::string& s = alternative(*g_, f, b);
    if (f.index < static_cast<int>(s.size()) && static_cast<uint8_t>(s[static_cast<size_t>(f.index)]) == c) {
      alive |= 1u << b;
      if (static_cast<int>(s.size()) > f.index + 1) longer = true;
    }
  }
  if (alive) {
    f.alive = alive;
    ++f.index;
    if (!longer) {  // complete, and nothing can extend it
      const int m = matched(*g_, f);
      const bool key = f.phase == 1;
      const int base = f.count;
      st.pop_back();
      if (key) st.back().index = base + m;
      child_done(st);
    }
    return Step::Done;
  }
  const int m = matched(*g_, f);
  if (m < 0) return Step::Reject;
  const bool key = f.phase == 1;
  const int base = f.count;
  st.pop_back();
  if (key) st.back().index = base + m;
  child_done(st);
  return Step::Again;
}

bool JsonMatcher::step(std::vector<Frame>& st, uint8_t c) const {
  for (;;) {
    if (st.empty()) return false;
    Step r = Step::Reject;
    switch (st.back().type) {
      case kValue: {
        const int node = st.back().node;
        st.pop_back();
        return start_value(st, node, c);
      }
      case kObject: r = step_object(st, c); break;
      case kArray: r = step_array(st, c); break;
      case kString: r = step_string(st, c); break;
      case kNumber: r = step_number(st, c); break;
      case kLiteral: r = step_literal(st, c); break;
      case kFixed: {  // the prefix or suffix of a tool call, byte by byte
        Frame& f = st.back();
        const std::string& text = f.node == 0 ? g_->prefix() : g_->suffix();
        if (static_cast<uint8_t>(text[static_cast<size_t>(f.index)]) != c) return false;
        if (++f.index == static_cast<int>(text.size())) st.pop_back();
        return true;
      }
    }
    if (r != Step::Again) return r == Step::Done;
  }
}

bool JsonMatcher::can_end(const std::vector<Frame>& st) const {
  if (st.empty()) return true;
  if (st.size() != 1) return false;
  const Frame& f = st.back();
  if (f.type == kNumber) return number_can_end(f.phase);
  if (f.type == kLiteral) return matched(*g_, f) >= 0;
  return false;
}

bool JsonMatcher::complete() const { return can_end(stack_); }

bool JsonMatcher::accept_bytes(std::string_view bytes) {
  std::vector<Frame> st = stack_;
  for (char ch : bytes)
    if (!step(st, static_cast<uint8_t>(ch))) return false;
  stack_ = std::move(st);
  return true;
}

bool JsonMatcher::accept(int32_t token) {
  const auto& eos = g_->eos_ids();
  if (std::find(eos.begin(), eos.end(), token) != eos.end()) return complete();
  if (token < 0 || static_cast<size_t>(token) >= g_->token_bytes().size()) return false;
  const std::string& b = g_->token_bytes()[static_cast<size_t>(token)];
  return !b.empty() && accept_bytes(b);
}

// The state as a cache key. Counters matter only near a limit (a string's length near its
// maximum or below its minimum, a number's digits near the cap), so elsewhere they are left
// out and the states inside a long string share one mask.
std::string JsonMatcher::state_key() const {
  std::string k;
  k.reserve(stack_.size() * 20);
  const int reach = static_cast<int>(g_->longest_token());
  auto put = [&](int32_t v) { k.append(reinterpret_cast<const char*>(&v), sizeof v); };
  for (const Frame& f : stack_) {
    int32_t count = -1;
    if (f.type == kString) {
      const SchemaNode* n = f.node < 0 ? nullptr : &g_->node(f.node);
      const int max_len = !n ? kKeyMaxLen : n->kind == SchemaNode::Any ? 256 : n->max_len;
      const int min_len = !n || n->kind == SchemaNode::Any ? 0 : n->min_len;
      if (f.count < min_len || f.count + reach >= max_len) count = f.count;
    } else if (f.type == kNumber || f.type == kLiteral || f.type == kArray) {
      count = f.count;
    }
    put(f.type | f.phase << 8 | f.esc << 16);
    put(f.node);
    put(f.index);
    put(count);
    put(static_cast<int32_t>(f.alive));
  }
  return k;
}

std::shared_ptr<const std::vector<uint8_t>> JsonMatcher::compute_mask() const {
  const auto& vocab = g_->token_bytes();
  auto m = std::make_shared<std::vector<uint8_t>>(vocab.size(), 0);
  // A first byte that fails rules out every token starting with it: try each byte once.
  uint8_t first_ok[256];
  for (int c = 0; c < 256; ++c) {
    std::vector<Frame> st = stack_;
    first_ok[c] = step(st, static_cast<uint8_t>(c)) ? 1 : 0;
  }
  std::vector<Frame> st;
  bool any = false;
  for (size_t t = 0; t < vocab.size(); ++t) {
    const std::string& b = vocab[t];
    if (b.empty() || !first_ok[static_cast<uint8_t>(b[0])]) continue;
    st.assign(stack_.begin(), stack_.end());
    bool ok = true;
    for (char ch : b)
      if (!step(st, static_cast<uint8_t>(ch))) {
        ok = false;
        break;
      }
    (*m)[t] = ok ? 1 : 0;
    any |= ok;
  }
  if (can_end(stack_) || !any)
    for (int32_t e : g_->eos_ids())
      if (e >= 0 && static_cast<size_t>(e) < m->size()) (*m)[static_cast<size_t>(e)] = 1;
  return m;
}

void JsonMatcher::mask(std::span<float> logits) {
  const std::string key = state_key();
  auto m = g_->cached_mask(key);
  if (m) {
    ++cached_;
  } else {
    m = compute_mask();
    g_->store_mask(key, m);
    ++computed_;
  }
  const size_t n = std::min(logits.size(), m->size());
  for (size_t i = 0; i < n; ++i)
    if (!(*m)[i]) logits[i] = -INFINITY;
  for (size_t i = n; i < logits.size(); ++i) logits[i] = -INFINITY;
}

}  // namespace rayctl::inference
