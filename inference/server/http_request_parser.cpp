// parse_http_head: the request line, the header fields and the body framing of one HTTP/1.1
// request, strictly (RFC 9112 sections 2-6); see http_request_parser.h.
#include "inference/server/http_request_parser.h"

#include <cctype>

namespace rayctl::inference {

namespace {

using State = HttpHeadResult::State;

HttpHeadResult error(int status, std::string message) {
  HttpHeadResult r;
  r.state = State::Error;
  r.status = status;
  r.message = std::move(message);
  return r;
}

// RFC 9110 token characters (method and field names).
bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// Field values: visible ASCII, obs-text, SP and HTAB; no other control byte.
bool is_field_value(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The request line: METHOD SP request-target SP HTTP-version, single spaces, origin-form target.
HttpHeadResult parse_request_line(std::string_view line, HttpRequest& req) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return error(400, "malformed request line");
  const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                         version = line.substr(sp2 + 1);
  if (!is_token(method)) return error(400, "malformed request line: bad method");
  if (target.empty() || target[0] != '/') return error(400, "malformed request line: the target must start with /");
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return error(400, "malformed request line: bad byte in the target");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    const bool looks_http = version.size() == 8 && version.substr(0, 5) == "HTTP/" && std::isdigit(version[5]) &&
                            version[6] == '.' && std::isdigit(version[7]);
    return looks_http ? error(505, "unsupported HTTP version") : error(400, "malformed request line: bad version");
  }
  req.method = std::string(method);
  req.target = std::string(target);
  req.version = std::string(version);
  const size_t q = target.find('?');
  req.path = std::string(target.substr(0, q));
  req.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  HttpHeadResult ok;
  ok.state = State::Complete;
  return ok;
}

// One header field line into req.headers; an error result when it is malformed.
HttpHeadResult parse_field(std::string_view line, HttpRequest& req) {
  if (line[0] == ' ' || line[0] == '\t') return error(400, "obsolete line folding in a header field");
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return error(400, "malformed header line");
  const std::string_view name = line.substr(0, colon);
  if (!is_token(name)) return error(400, "malformed header field name");  // also "Name :" (RFC 9112 5.1)
  const std::string_view value = trim_ows(line.substr(colon + 1));
  if (!is_field_value(value)) return error(400, "control character in a header field value");
  req.headers.emplace_back(http_lower(name), std::string(value));
  HttpHeadResult ok;
  ok.state = State::Complete;
  return ok;
}

// Content-Length, Transfer-Encoding, Host, Expect and Connection: the framing decisions.
HttpHeadResult frame_body(const HttpRequest& req, const HttpParseLimits& limits, HttpHeadResult r) {
  int n_cl = 0, n_te = 0, n_host = 0;
  std::string cl;
  for (const auto& [k, v] : req.headers) {
    if (k == "content-length") ++n_cl, cl = v;
    if (k == "transfer-encoding") ++n_te;
    if (k == "host") ++n_host;
  }
  if (n_te > 0 && n_cl > 0) return error(400, "both Transfer-Encoding and Content-Length");
  if (n_te > 0) return error(411, "chunked request bodies are not supported; send Content-Length");
  if (n_cl > 1) return error(400, "more than one Content-Length");
  if (n_host > 1) return error(400, "more than one Host");
  if (n_cl == 1) {
    if (cl.empty() || cl.size() > 18) return error(cl.empty() ? 400 : 413, "bad Content-Length");
    size_t v = 0;
    for (char c : cl) {
      if (c < '0' || c > '9') return error(400, "bad Content-Length");
      v = v * 10 + static_cast<size_t>(c - '0');
    }
    if (v > limits.max_body_bytes) return error(413, "request body too large");
    r.body_bytes = v;
  }
  const std::string conn = http_lower(req.header("connection"));
  const bool http10 = req.version == "HTTP/1.0";
  r.keep_alive = http10 ? conn == "keep-alive" : conn != "close";
  r.expect_continue = http_lower(req.header("expect")) == "100-continue";
  return r;
}

}  // namespace

std::string http_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

HttpHeadResult parse_http_head(std::string_view buf, const HttpParseLimits& limits, HttpRequest& req) {
  size_t start = 0;  // RFC 9112 2.2: empty lines before the request line are ignored
  while (buf.size() - start >= 2 && buf[start] == '\r' && buf[start + 1] == '\n') start += 2;
  const std::string_view window = buf.substr(0, std::min(buf.size(), limits.max_header_bytes + 4));
  const size_t end = window.find("\r\n\r\n", start);
  const size_t scan_to = end == std::string_view::npos ? window.size() : end;
  for (size_t i = start; i < scan_to; ++i) {
    if (window[i] == '\n' && (i == 0 || window[i - 1] != '\r')) return error(400, "bare LF in the request head");
    if (window[i] == '\r' && i + 1 < window.size() && window[i + 1] != '\n')
      return error(400, "bare CR in the request head");
  }
  if (end == std::string_view::npos) {
    if (buf.size() > limits.max_header_bytes) return error(431, "request headers too large");
    return {};
  }
  if (end > limits.max_header_bytes) return error(431, "request headers too large");
  const std::string_view head = buf.substr(start, end - start);
  size_t line_end = head.find("\r\n");
  HttpHeadResult r = parse_request_line(head.substr(0, line_end), req);
  if (r.state == State::Error) return r;
  req.headers.clear();
  for (size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2; at < head.size();) {
    size_t e = head.find("\r\n", at);
    if (e == std::string_view::npos) e = head.size();
    if (req.headers.size() >= limits.max_header_fields) return error(431, "too many header fields");
    HttpHeadResult f = parse_field(head.substr(at, e - at), req);
    if (f.state == State::Error) return f;
    at = e + 2;
  }
  r.head_bytes = end + 4;
  return frame_body(req, limits, r);
}

}  // namespace rayctl::inference
