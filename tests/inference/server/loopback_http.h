// One HTTP/1.1 request to 127.0.0.1:port for the worker's tests: sends it with Connection:
// close, reads to the end, and returns the status and the body (de-chunked when chunked).
#pragma once

#include "tests/inference/server/loopback_socket.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <utility>

namespace rayctl::inference {

inline std::pair<int, std::string> loopback_http(int port, const std::string& method, const std::string& path,
                                                 const std::string& body = "") {
  const std::string req = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  int fd = connect_loopback(port, 30);
  EXPECT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string raw;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const size_t he = raw.find("\r\n\r\n");
  if (he == std::string::npos || raw.size() < 12) return {0, raw};
  const std::string rest = raw.substr(he + 4);
  if (raw.substr(0, he).find("Transfer-Encoding: chunked") == std::string::npos)
    return {std::stoi(raw.substr(9, 3)), rest};
  std::string out;
  for (size_t at = 0;;) {
    const size_t le = rest.find("\r\n", at);
    if (le == std::string::npos) break;
    const size_t n = std::stoul(rest.substr(at, le - at), nullptr, 16);
    if (n == 0) break;
    out += rest.substr(le + 2, n);
    at = le + 2 + n + 2;
  }
  return {std::stoi(raw.substr(9, 3)), out};
}

}  // namespace rayctl::inference
