// Byte-level table and UTF-8 helpers (see tokenizer_utf8.h).
#include "inference/tokenizer/tokenizer_utf8.h"

#include <array>
#include <unordered_map>

namespace rayctl::inference {

namespace {

struct ByteTables {
  std::array<std::string, 256> to_text;
  std::unordered_map<uint32_t, uint8_t> from_cp;
  ByteTables() {
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      uint32_t cp = printable ? uint32_t(b) : uint32_t(256 + n++);
      utf8_append(cp, to_text[b]);
      from_cp[cp] = uint8_t(b);
    }
  }
};

const ByteTables& tables() {
  static const ByteTables t;
  return t;
}

// Length of a valid sequence at s[i..], 0 if invalid at its first byte, or -k when the k
// available bytes are a valid but incomplete prefix. Follows the Unicode table of well-formed
// byte sequences (no overlongs, no surrogates, ≤ U+10FFFF).
int classify(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return uint8_t(s[i + k]); };
  uint8_t c = b(0);
  if (c < 0x80) return 1;
  int need;
  uint8_t lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    need = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  size_t avail = s.size() - i;
  for (int k = 1; k < need; ++k) {
    if (size_t(k) >= avail) return -k;
    uint8_t x = b(k);
    uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (x < l || x > h) return -100 - k;  // invalid after k bytes: the maximal subpart is k bytes
  }
  return need;
}

}  // namespace

const std::string& byte_to_unicode(uint8_t b) { return tables().to_text[b]; }

std::string bytes_to_byte_level(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += tables().to_text[uint8_t(c)];
  return out;
}

bool byte_level_to_bytes(std::string_view text, std::string& out) {
  const auto& from = tables().from_cp;
  std::string tmp;
  for (size_t i = 0; i < text.size();) {
    int len = classify(text, i);
    if (len <= 0) return false;
    uint32_t cp = utf8_next(text, i);
    auto it = from.find(cp);
    if (it == from.end()) return false;
    tmp.push_back(char(it->second));
  }
  out += tmp;
  return true;
}

int utf8_seq_len(uint8_t c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

void append_utf8_lossy(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size();) {
    int r = classify(s, i);
    if (r > 0) {
      out.append(s.substr(i, size_t(r)));
      i += size_t(r);
    } else {
      out += "\xEF\xBF\xBD";
      if (r == 0)
        i += 1;
      else if (r <= -100)
        i += size_t(-(r + 100));
      else
        i += size_t(-r);  // incomplete at the end: the rest is one maximal subpart
    }
  }
}

size_t utf8_emittable_prefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    int r = classify(s, i);
    if (r > 0)
      i += size_t(r);
    else if (r == 0)
      i += 1;
    else if (r <= -100)
      i += size_t(-(r + 100));
    else
      break;  // incomplete tail: wait for more bytes
  }
  return i;
}

uint32_t utf8_next(std::string_view s, size_t& i) {
  uint8_t c = uint8_t(s[i]);
  int len = utf8_seq_len(c);
  if (i + size_t(len) > s.size()) len = 1;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (uint8_t(s[i + size_t(k)]) & 0x3Fu);
  i += size_t(len);
  return cp;
}

void utf8_append(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

}  // namespace rayctl::inference
