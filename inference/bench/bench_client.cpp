// BenchClient: concurrent streaming requests, SSE parsing, statistics and the SVG plot.
#include "inference/bench/bench_client.h"

#include "core/error.h"
#include "core/http_client.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

namespace rayctl::inference {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

LatencyStats LatencyStats::of(std::vector<double> s) {
  LatencyStats r;
  if (s.empty()) return r;
  std::sort(s.begin(), s.end());
  double sum = 0;
  for (double v : s) sum += v;
  r.mean = sum / static_cast<double>(s.size());
  auto pct = [&](double p) {
    return s[std::min(s.size() - 1, static_cast<size_t>(p * static_cast<double>(s.size() - 1) + 0.5))];
  };
  r.p50 = pct(0.50);
  r.p90 = pct(0.90);
  r.p99 = pct(0.99);
  return r;
}

namespace {

struct RequestSample {
  bool ok = false;
  std::string error;
  double ttft = 0, e2e = 0;
  std::vector<double> itl;
  int64_t prompt_tokens = 0, completion_tokens = 0;
};

std::vector<std::pair<std::string, std::string>> auth_headers(const BenchConfig& c) {
  std::vector<std::pair<std::string, std::string>> h{{"Content-Type", "application/json"}};
  if (!c.api_key.empty()) h.emplace_back("Authorization", "Bearer " + c.api_key);
  return h;
}

std::string resolve_model(const BenchConfig& c) {
  if (!c.model.empty()) return c.model;
  HttpClient http;
  HttpRequest req;
  req.url = url_join(c.url, "/v1/models");
  req.headers = auth_headers(c);
  HttpResponse r = http.send(req);
  if (r.status != 200)
    throw Error(ErrorKind::Remote, "GET " + req.url + " answered " + std::to_string(r.status),
                "is the server up? check --url and --api-key");
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("data") || !j["data"].is_array() || j["data"].empty() ||
      !j["data"][0].contains("id"))
    throw Error(ErrorKind::Remote, "GET " + req.url + " did not list a model", "pass --model-name");
  return j["data"][0]["id"].get<std::string>();
}

RequestSample one_request(HttpClient& http, const BenchConfig& c, const std::string& model) {
  RequestSample s;
  HttpRequest req;
  req.method = "POST";
  req.url = url_join(c.url, "/v1/completions");
  req.headers = auth_headers(c);
  req.timeout = std::chrono::milliseconds(static_cast<int64_t>(c.request_timeout_s * 1000));
  req.body = json{{"model", model},
                  {"prompt", c.prompt},
                  {"max_tokens", c.max_tokens},
                  {"temperature", 0},
                  {"ignore_eos", true},
                  {"stream", true},
                  {"stream_options", {{"include_usage", true}}}}
                 .dump();
  const auto t0 = Clock::now();
  Clock::time_point last;
  bool first = true, done = false;
  std::string buf;
  auto on_event = [&](std::string_view data) {
    if (data == "[DONE]") {
      done = true;
      return;
    }
    json j = json::parse(data, nullptr, false);
    if (j.is_discarded()) return;
    if (j.contains("error")) {
      s.error = j["error"].value("message", "error event");
      return;
    }
    if (j.contains("usage") && j["usage"].is_object()) {
      s.prompt_tokens = j["usage"].value("prompt_tokens", 0);
      s.completion_tokens = j["usage"].value("completion_tokens", 0);
    }
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) return;
    const json& ch = j["choices"][0];
    std::string text = ch.contains("text") && ch["text"].is_string() ? ch["text"].get<std::string>() : "";
    if (ch.contains("delta") && ch["delta"].contains("content") && ch["delta"]["content"].is_string())
      text = ch["delta"]["content"].get<std::string>();
    if (text.empty()) return;
    const auto now = Clock::now();
    if (first) {
      s.ttft = std::chrono::duration<double>(now - t0).count();
      first = false;
    } else {
      s.itl.push_back(std::chrono::duration<double>(now - last).count());
    }
    last = now;
  };
  long status = 0;
  try {
    http.stream(
        req,
        [&](std::string_view chunk) {
          buf.append(chunk);
          size_t at;
          while ((at = buf.find("\n\n")) != std::string::npos) {
            std::string_view ev(buf.data(), at);
            if (ev.rfind("data: ", 0) == 0) on_event(ev.substr(6));
            buf.erase(0, at + 2);
          }
          return true;
        },
        [&](long st) { status = st; });
  } catch (const Error& e) {
    s.error = e.message();
    return s;
  }
  s.e2e = std::chrono::duration<double>(Clock::now() - t0).count();
  if (status != 200 && s.error.empty()) s.error = "HTTP " + std::to_string(status);
  if (s.error.empty() && !done) s.error = "stream ended without data: [DONE]";
  s.ok = s.error.empty();
  return s;
}

BenchLevel run_level(const BenchConfig& c, const std::string& model, int concurrency) {
  BenchLevel lv;
  lv.concurrency = concurrency;
  lv.requests = c.requests_per_level > 0 ? c.requests_per_level : std::max(4, 2 * concurrency);
  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<RequestSample> samples;
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      HttpClient http;
      while (next.fetch_add(1) < lv.requests) {
        RequestSample s = one_request(http, c, model);
        std::lock_guard<std::mutex> lk(mu);
        samples.push_back(std::move(s));
      }
    });
  }
  for (auto& t : threads) t.join();
  lv.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> ttft, itl, e2e;
  for (const auto& s : samples) {
    if (!s.ok) {
      ++lv.failed;
      if (lv.first_error.empty()) lv.first_error = s.error;
      continue;
    }
    ttft.push_back(s.ttft);
    e2e.push_back(s.e2e);
    itl.insert(itl.end(), s.itl.begin(), s.itl.end());
    lv.prompt_tokens += s.prompt_tokens;
    lv.completion_tokens += s.completion_tokens;
  }
  lv.ttft = LatencyStats::of(ttft);
  lv.itl = LatencyStats::of(itl);
  lv.e2e = LatencyStats::of(e2e);
  lv.output_tokens_per_second = static_cast<double>(lv.completion_tokens) / lv.wall_seconds;
  lv.requests_per_second = static_cast<double>(lv.requests - lv.failed) / lv.wall_seconds;
  return lv;
}

}  // namespace

std::vector<BenchLevel> run_bench(const BenchConfig& config, const std::function<void(const std::string&)>& progress) {
  const std::string model = resolve_model(config);
  std::vector<BenchLevel> out;
  for (int c : config.concurrency) {
    out.push_back(run_level(config, model, c));
    const auto& lv = out.back();
    if (progress) {
      char line[256];
      std::snprintf(line, sizeof line, "concurrency %d: %.1f tokens/s, TTFT p50 %.0f ms, ITL p50 %.1f ms, %d/%d ok", c,
                    lv.output_tokens_per_second, lv.ttft.p50 * 1e3, lv.itl.p50 * 1e3, lv.requests - lv.failed,
                    lv.requests);
      progress(line);
    }
  }
  return out;
}

nlohmann::json bench_to_json(const BenchConfig& config, const std::vector<BenchLevel>& levels) {
  auto stats = [](const LatencyStats& s) {
    return json{{"mean", s.mean}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}};
  };
  json lv = json::array();
  for (const auto& l : levels) {
    lv.push_back({{"concurrency", l.concurrency},
                  {"requests", l.requests},
                  {"failed", l.failed},
                  {"first_error", l.first_error.empty() ? json(nullptr) : json(l.first_error)},
                  {"wall_seconds", l.wall_seconds},
                  {"prompt_tokens", l.prompt_tokens},
                  {"completion_tokens", l.completion_tokens},
                  {"output_tokens_per_second", l.output_tokens_per_second},
                  {"requests_per_second", l.requests_per_second},
                  {"ttft_seconds", stats(l.ttft)},
                  {"inter_token_latency_seconds", stats(l.itl)},
                  {"e2e_latency_seconds", stats(l.e2e)}});
  }
  return {{"url", config.url}, {"max_tokens", config.max_tokens}, {"prompt", config.prompt}, {"levels", lv}};
}

}  // namespace rayctl::inference
