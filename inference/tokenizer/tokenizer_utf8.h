// UTF-8 and GPT-2 byte-level helpers for the tokenizer: the byte↔unicode table of byte-level
// BPE, UTF-8 validation with the "maximal subpart" replacement HF (Rust from_utf8_lossy) uses,
// and the length of a complete UTF-8 prefix for streaming. No tokenizer state lives here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rayctl::inference {

// GPT-2 bytes_to_unicode: byte b → the UTF-8 text of its stand-in character.
const std::string& byte_to_unicode(uint8_t b);
// Maps every byte of `bytes` to its stand-in, concatenated ("hello world" → "helloĠworld").
std::string bytes_to_byte_level(std::string_view bytes);
// The inverse: returns false (out untouched beyond what was appended) if a character of `text`
// is not a stand-in (HF then keeps that token's raw UTF-8; callers decide).
bool byte_level_to_bytes(std::string_view text, std::string& out);

// Length of the UTF-8 sequence starting with lead byte c (1 for invalid leads).
int utf8_seq_len(uint8_t c);
// Appends `bytes` to out, replacing each maximal invalid subpart by U+FFFD (as Rust's
// String::from_utf8_lossy).
void append_utf8_lossy(std::string_view bytes, std::string& out);
// How many leading bytes of `bytes` can be emitted now: every complete character and every
// invalid subpart; stops before a trailing, still-incomplete (but so far valid) sequence.
size_t utf8_emittable_prefix(std::string_view bytes);
// Decodes one code point at s[i] (valid UTF-8 assumed); advances i.
uint32_t utf8_next(std::string_view s, size_t& i);
void utf8_append(uint32_t cp, std::string& out);

}  // namespace rayctl::inference
