// HttpRequestParser: the pure part of the HTTP/1.1 server — one request head (request line and
// header fields) read out of the bytes a connection received, and the framing of its body
// (Content-Length only). Strict in the way RFC 9112 asks and nginx does: conflicting or
// duplicate Content-Length, whitespace before a colon, obs-fold, bare LF, Transfer-Encoding
// (with or without Content-Length), control bytes and bad digits are errors, never guessed at.
// No sockets, no clock, no state between calls; the server (http_server.cpp) owns all of that.
#pragma once

#include "inference/server/http_server.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace rayctl::inference {

struct HttpParseLimits {
  size_t max_header_bytes = 64u << 10;
  size_t max_body_bytes = 16u << 20;
  size_t max_header_fields = 100;
};

// What parse_http_head found at the start of a buffer.
struct HttpHeadResult {
  enum class State { NeedMore, Complete, Error };
  State state = State::NeedMore;
  int status = 0;                // Error: the HTTP status to answer with (400, 411, 413, 431, 501, 505)
  std::string message;           // Error: why, for the response body
  size_t head_bytes = 0;         // Complete: bytes of the head, including the blank line
  size_t body_bytes = 0;         // Complete: the body's length (Content-Length, or 0)
  bool expect_continue = false;  // Complete: "Expect: 100-continue"
  bool keep_alive = true;        // Complete: the connection stays open after the response
};

// ASCII lower-case (header names are compared lower-cased).
std::string http_lower(std::string_view s);

// Parses the request head at the start of `buf` into `req` (method, target, path, query,
// version, headers with lower-cased names; body and peer untouched). NeedMore when the blank
// line has not arrived yet and `buf` is still within the header limit.
HttpHeadResult parse_http_head(std::string_view buf, const HttpParseLimits& limits, HttpRequest& req);

}  // namespace rayctl::inference
