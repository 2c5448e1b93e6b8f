// BenchClient: the load generator behind `rayctl inference bench`. For each concurrency level
// it keeps N streaming /v1/completions requests in flight against an OpenAI-compatible server
// (ours, vLLM, llama.cpp) and measures time to first token, inter-token latency, end-to-end
// latency and aggregate output tokens per second. Requests use a fixed prompt, greedy
// sampling, ignore_eos and a fixed max_tokens so that every level does the same work.
// The plot of the results lives in bench_plot.h.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace rayctl::inference {

struct BenchConfig {
  std::string url;  // server base URL, e.g. http://127.0.0.1:8000
  std::vector<int> concurrency{1, 8, 32};
  int requests_per_level = 0;  // 0: 2 × concurrency, at least 4
  int max_tokens = 64;
  std::string prompt = "Write a short story about a lighthouse keeper who finds a message in a bottle.";
  std::string api_key;
  std::string model;  // "" → the first model /v1/models lists
  double request_timeout_s = 600;
};

struct LatencyStats {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0;
  static LatencyStats of(std::vector<double> samples);
};

struct BenchLevel {
  int concurrency = 0;
  int requests = 0;
  int failed = 0;
  std::string first_error;
  double wall_seconds = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double output_tokens_per_second = 0;  // aggregate, all streams
  double requests_per_second = 0;
  LatencyStats ttft, itl, e2e;  // seconds
};

// Runs every level in order. `progress` gets one human line per finished level.
std::vector<BenchLevel> run_bench(const BenchConfig& config,
                                  const std::function<void(const std::string&)>& progress = {});
nlohmann::json bench_to_json(const BenchConfig& config, const std::vector<BenchLevel>& levels);

}  // namespace rayctl::inference
