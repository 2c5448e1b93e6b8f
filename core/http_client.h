// HttpClient: the one HTTP client (libcurl) under the dashboard, Kubernetes and inference
// clients. It knows nothing about Ray or Kubernetes: requests, TLS material, timeouts and
// streaming bodies. Transport failures throw Error(Network) with curl's reason; HTTP statuses
// are returned, never thrown, so callers map them to their own messages.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace rayctl {

struct TlsOptions {
  std::string ca_file;          // PEM file with CA certificates
  std::string ca_pem;           // PEM text (kubeconfig certificate-authority-data), in memory
  std::string client_cert_pem;  // client certificate PEM text
  std::string client_key_pem;   // client key PEM text (never logged)
  bool insecure_skip_verify = false;
  // Name to send as SNI and to verify the server's certificate against instead of the URL's
  // host (kubeconfig tls-server-name); the connection still goes to the URL's host and port.
  std::string server_name;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // values never logged for Authorization
  std::string body;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};  // whole request; 0 = none (streams)
  TlsOptions tls;
  // The proxy to go through (kubeconfig proxy-url: http://, https://, socks5://); "" = none.
  // Environment proxies (HTTPS_PROXY and the like) are never used.
  std::string proxy;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// Called for each chunk of a streamed body; return false to stop (the request is aborted).
using ChunkHandler = std::function<bool(std::string_view chunk)>;

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse send(const HttpRequest& req);
  // Streams the body to `on_chunk` as it arrives; the returned response has an empty body.
  // Status and headers are known before the first chunk is delivered (see `on_status`).
  HttpResponse stream(const HttpRequest& req, const ChunkHandler& on_chunk,
                      const std::function<void(long status)>& on_status = {});

 private:
  void* curl_;  // CURL*, reused so keep-alive connections are shared across requests
};

std::string url_encode(const std::string& s);
// "http://host:port/a" + "/b" without doubled slashes.
std::string url_join(const std::string& base, const std::string& path);

}  // namespace rayctl
