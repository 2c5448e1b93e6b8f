// Metrics: a small Prometheus registry (counters, gauges, histograms, one optional label set
// each) rendered in the text exposition format, and EngineMetrics, the worker's series under
// vLLM's names (vllm:num_requests_running, vllm:time_to_first_token_seconds, ...) so that
// dashboards built for vLLM work unchanged. Thread-safe; the engine thread updates, the HTTP
// thread renders.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rayctl::inference {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  // Registers (or finds) a series; the returned index is used to update it.
  int counter(const std::string& name, const std::string& help, const MetricLabels& labels = {});
  int gauge(const std::string& name, const std::string& help, const MetricLabels& labels = {});
  int histogram(const std::string& name, const std::string& help, std::vector<double> buckets,
                const MetricLabels& labels = {});

  void add(int series, double v = 1.0);  // counters (and gauges)
  void set(int series, double v);        // gauges
  void observe(int series, double v);    // histograms
  double value(int series) const;        // counter / gauge value, histogram count

  std::string render() const;  // Prometheus text format 0.0.4

 private:
  enum class Kind { Counter, Gauge, Histogram };
  struct Series {
    std::string name, help;
    Kind kind = Kind::Counter;
    MetricLabels labels;
    double value = 0;
    std::vector<double> buckets;   // upper bounds (histograms)
    std::vector<uint64_t> counts;  // per bucket, not cumulative
    double sum = 0;
    uint64_t count = 0;
  };
  static Series make_series(const std::string& name, const std::string& help, Kind kind, const MetricLabels& labels);
  int add_series(Series s);
  mutable std::mutex mu_;
  std::vector<Series> series_;
};

// The engine's series. All carry model_name.
struct EngineMetrics {
  explicit EngineMetrics(const std::string& model_name);
  MetricsRegistry registry;
  int requests_running, requests_waiting, kv_usage, kv_blocks_used, kv_blocks_total;
  int prompt_tokens, generation_tokens, preemptions, prefix_cache_queries, prefix_cache_hits;
  int success_stop, success_length, success_abort, success_error;
  int ttft, itl, e2e, queue_time, prompt_len, gen_len, iteration_tokens;
  int http_connections;
};

}  // namespace rayctl::inference
