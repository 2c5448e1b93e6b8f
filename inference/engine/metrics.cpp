// MetricsRegistry and EngineMetrics.
#include "inference/engine/metrics.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace rayctl::inference {

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

std::string label_text(const MetricLabels& labels, const std::string& extra_key = {},
                       const std::string& extra_val = {}) {
  if (labels.empty() && extra_key.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    out += k + "=\"" + escape_label(v) + "\"";
    first = false;
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += extra_key + "=\"" + extra_val + "\"";
  }
  return out + "}";
}

}  // namespace

MetricsRegistry::Series MetricsRegistry::make_series(const std::string& name, const std::string& help, Kind kind,
                                                     const MetricLabels& labels) {
  Series s;
  s.name = name;
  s.help = help;
  s.kind = kind;
  s.labels = labels;
  return s;
}

int MetricsRegistry::add_series(Series s) {
  std::lock_guard<std::mutex> lk(mu_);
  for (size_t i = 0; i < series_.size(); ++i) {
    if (series_[i].name == s.name && series_[i].labels == s.labels) return static_cast<int>(i);
  }
  series_.push_back(std::move(s));
  return static_cast<int>(series_.size() - 1);
}

int MetricsRegistry::counter(const std::string& name, const std::string& help, const MetricLabels& labels) {
  return add_series(make_series(name, help, Kind::Counter, labels));
}

int MetricsRegistry::gauge(const std::string& name, const std::string& help, const MetricLabels& labels) {
  return add_series(make_series(name, help, Kind::Gauge, labels));
}

int MetricsRegistry::histogram(const std::string& name, const std::string& help, std::vector<double> buckets,
                               const MetricLabels& labels) {
  std::sort(buckets.begin(), buckets.end());
  Series s = make_series(name, help, Kind::Histogram, labels);
  s.counts.assign(buckets.size(), 0);
  s.buckets = std::move(buckets);
  return add_series(std::move(s));
}

void MetricsRegistry::add(int series, double v) {
  std::lock_guard<std::mutex> lk(mu_);
  series_[static_cast<size_t>(series)].value += v;
}

void MetricsRegistry::set(int series, double v) {
  std::lock_guard<std::mutex> lk(mu_);
  series_[static_cast<size_t>(series)].value = v;
}

void MetricsRegistry::observe(int series, double v) {
  std::lock_guard<std::mutex> lk(mu_);
  auto& s = series_[static_cast<size_t>(series)];
  auto it = std::lower_bound(s.buckets.begin(), s.buckets.end(), v);
  if (it != s.buckets.end()) ++s.counts[static_cast<size_t>(it - s.buckets.begin())];
  s.sum += v;
  ++s.count;
}

double MetricsRegistry::value(int series) const {
  std::lock_guard<std::mutex> lk(mu_);
  const auto& s = series_[static_cast<size_t>(series)];
  return s.kind == Kind::Histogram ? static_cast<double>(s.count) : s.value;
}

std::string MetricsRegistry::render() const {
  std::lock_guard<std::mutex> lk(mu_);
  std::ostringstream os;
  std::string last_name;
  for (const auto& s : series_) {
    if (s.name != last_name) {
      const char* type = s.kind == Kind::Counter ? "counter" : s.kind == Kind::Gauge ? "gauge" : "histogram";
      os << "# HELP " << s.name << ' ' << s.help << "\n# TYPE " << s.name << ' ' << type << '\n';
      last_name = s.name;
    }
    if (s.kind != Kind::Histogram) {
      os << s.name << label_text(s.labels) << ' ' << format_value(s.value) << '\n';
      continue;
    }
    uint64_t cum = 0;
    for (size_t i = 0; i < s.buckets.size(); ++i) {
      cum += s.counts[i];
      os << s.name << "_bucket" << label_text(s.labels, "le", format_value(s.buckets[i])) << ' ' << cum << '\n';
    }
    os << s.name << "_bucket" << label_text(s.labels, "le", "+Inf") << ' ' << s.count << '\n';
    os << s.name << "_sum" << label_text(s.labels) << ' ' << format_value(s.sum) << '\n';
    os << s.name << "_count" << label_text(s.labels) << ' ' << s.count << '\n';
  }
  return os.str();
}

EngineMetrics::EngineMetrics(const std::string& model_name) {
  const MetricLabels m{{"model_name", model_name}};
  auto& r = registry;
  requests_running = r.gauge("vllm:num_requests_running", "Number of requests in model execution batches.", m);
  requests_waiting = r.gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", m);
  kv_usage = r.gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", m);
  kv_blocks_used = r.gauge("rayctl:kv_cache_blocks_used", "KV-cache blocks held by sequences.", m);
  kv_blocks_total = r.gauge("rayctl:kv_cache_blocks_total", "KV-cache blocks in the pool.", m);
  prompt_tokens = r.counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", m);
  generation_tokens = r.counter("vllm:generation_tokens_total", "Number of generation tokens processed.", m);
  preemptions = r.counter("vllm:num_preemptions_total", "Cumulative number of preemptions.", m);
  prefix_cache_queries = r.counter("vllm:prefix_cache_queries_total",
                                   "Prefix cache queries: prompt tokens looked up in the prefix cache.", m);
  prefix_cache_hits =
      r.counter("vllm:prefix_cache_hits_total", "Prefix cache hits: prompt tokens found in the prefix cache.", m);
  auto success = [&](const char* reason) {
    MetricLabels l = m;
    l.emplace_back("finished_reason", reason);
    return r.counter("vllm:request_success_total", "Count of finished requests by finish reason.", l);
  };
  success_stop = success("stop");
  success_length = success("length");
  success_abort = success("abort");
  success_error = success("error");
  const std::vector<double> latency{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25, 0.5,
                                    0.75,  1.0,   2.5,  5.0,  7.5,  10.0, 20.0, 40.0, 80.0};
  ttft = r.histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", latency, m);
  itl = r.histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", latency, m);
  e2e = r.histogram("vllm:e2e_request_latency_seconds", "Histogram of end to end request latency in seconds.", latency,
                    m);
  queue_time =
      r.histogram("vllm:request_queue_time_seconds", "Histogram of time spent waiting in the queue.", latency, m);
  const std::vector<double> sizes{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  prompt_len = r.histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", sizes, m);
  gen_len = r.histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", sizes, m);
  iteration_tokens =
      r.histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine step.", sizes, m);
  http_connections = r.gauge("rayctl:http_connections_open", "Open HTTP connections.", m);
}

}  // namespace rayctl::inference
