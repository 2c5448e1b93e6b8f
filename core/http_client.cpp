// HttpClient over libcurl: one easy handle per client, reset between requests so that
// keep-alive connections are reused.
#include "core/http_client.h"

#include "core/error.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <mutex>

namespace rayctl {

namespace {

struct Transfer {
  HttpResponse* resp;
  const ChunkHandler* on_chunk = nullptr;
  const std::function<void(long)>* on_status = nullptr;
  CURL* curl = nullptr;
  bool status_sent = false;
  bool stopped = false;
  std::exception_ptr failure;  // thrown by a callback; rethrown once curl has unwound
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->resp->headers.clear();  // a new response (after 100-continue or a redirect)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(value.begin());
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    t->resp->headers[name] = value;
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (!t->on_chunk) {
    t->resp->body.append(data, len);
    return len;
  }
  // No exception may cross libcurl's C frames: keep it and abort the transfer instead.
  try {
    if (!t->status_sent) {
      curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->resp->status);
      t->status_sent = true;
      if (t->on_status && *t->on_status) (*t->on_status)(t->resp->status);
    }
    if (!(*t->on_chunk)(std::string_view(data, len))) {
      t->stopped = true;
      return 0;  // aborts the transfer
    }
  } catch (...) {
    t->failure = std::current_exception();
    return 0;
  }
  return len;
}

// For TlsOptions::server_name: the URL with its host replaced by `name`, and the CONNECT_TO
// entry ("name:port:host:port") that sends the connection to the original host. libcurl has
// no SNI option; this makes SNI and certificate verification use `name`.
std::string url_for_server_name(const std::string& url, const std::string& name, std::string& connect_to) {
  CURLU* u = curl_url();
  char *host = nullptr, *port = nullptr, *out = nullptr;
  std::string result;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_HOST, name.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK) {
    connect_to = fmt::format("{}:{}:{}:{}", name, port, host, port);  // host keeps IPv6 brackets
    result = out;
  }
  curl_free(host);
  curl_free(port);
  curl_free(out);
  curl_url_cleanup(u);
  if (result.empty())
    throw Error(ErrorKind::Usage, fmt::format("cannot use TLS server name \"{}\" with {}", name, url),
                "check tls-server-name in the kubeconfig");
  return result;
}

void set_method_and_body(CURL* c, const HttpRequest& req) {
  if (req.method == "GET" && req.body.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    if (!req.body.empty() || req.method != "DELETE") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
  }
}

// Blobs are copied by libcurl (CURL_BLOB_COPY), so the PEM texts need not outlive the request.
void set_tls(CURL* c, const TlsOptions& tls) {
  curl_blob ca{}, cert{}, key{};
  if (!tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.ca_pem.empty()) {
    ca = {const_cast<char*>(tls.ca_pem.data()), tls.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!tls.client_cert_pem.empty()) {
    cert = {const_cast<char*>(tls.client_cert_pem.data()), tls.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!tls.client_key_pem.empty()) {
    key = {const_cast<char*>(tls.client_key_pem.data()), tls.client_key_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

// The Error for a failed transfer. The URL is safe to print: credentials never travel in URLs
// here (tokens go in headers).
Error transfer_error(CURLcode rc, const char* errbuf, const std::string& url) {
  std::string reason = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return Error(ErrorKind::Timeout, fmt::format("request to {} timed out: {}", url, reason));
  if (rc == CURLE_COULDNT_CONNECT)
    return Error(ErrorKind::Network, fmt::format("cannot connect to {}: {}", url, reason));
  if (rc == CURLE_COULDNT_RESOLVE_HOST)
    return Error(ErrorKind::Network, fmt::format("cannot resolve the host of {}: {}", url, reason));
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM)
    return Error(ErrorKind::Auth, fmt::format("TLS verification failed for {}: {}", url, reason),
                 "check the CA certificate and client certificate configured for this server");
  return Error(ErrorKind::Network, fmt::format("request to {} failed: {}", url, reason));
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient() {
  global_init();
  curl_ = curl_easy_init();
  if (!curl_) throw Error(ErrorKind::Internal, "could not initialise libcurl");
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::send(const HttpRequest& req) { return stream(req, nullptr, {}); }

HttpResponse HttpClient::stream(const HttpRequest& req, const ChunkHandler& on_chunk,
                                const std::function<void(long)>& on_status) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  HttpResponse resp;
  Transfer t{&resp};
  t.curl = c;
  if (on_chunk) t.on_chunk = &on_chunk;
  t.on_status = &on_status;
  char errbuf[CURL_ERROR_SIZE] = {0};

  // TLS server name override: connect to the URL's host, but speak TLS to `server_name`.
  std::string url = req.url, connect_to;
  curl_slist* connect_to_list = nullptr;
  if (!req.tls.server_name.empty()) {
    url = url_for_server_name(req.url, req.tls.server_name, connect_to);
    connect_to_list = curl_slist_append(nullptr, connect_to.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to_list);
  }
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  // Only the proxy the request names (kubeconfig proxy-url), never one from the environment.
  curl_easy_setopt(c, CURLOPT_PROXY, req.proxy.c_str());
  curl_easy_setopt(c, CURLOPT_NOPROXY, req.proxy.empty() ? "*" : "");
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);

  set_method_and_body(c, req);
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : req.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip on PUT
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  set_tls(c, req.tls);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_slist_free_all(connect_to_list);
  if (t.failure) std::rethrow_exception(t.failure);
  if (rc == CURLE_WRITE_ERROR && t.stopped) rc = CURLE_OK;
  if (rc != CURLE_OK) throw transfer_error(rc, errbuf, req.url);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  if (on_chunk && !t.status_sent && on_status) on_status(resp.status);
  return resp;
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~')
      out += static_cast<char>(ch);
    else
      out += fmt::format("%{:02X}", ch);
  }
  return out;
}

std::string url_join(const std::string& base, const std::string& path) {
  if (base.empty()) return path;
  if (path.empty()) return base;
  bool a = base.back() == '/', b = path.front() == '/';
  if (a && b) return base + path.substr(1);
  if (!a && !b) return base + "/" + path;
  return base + path;
}

}  // namespace rayctl
