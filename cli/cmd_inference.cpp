// `rayctl inference serve|run|bench`: the bundled OpenAI-compatible LLM worker. This file
// only declares options, validates combinations and prints; the work is in inference/
// (InferenceServer, generate_locally, run_bench).
#include "cli/command.h"
#include "cli/commands.h"

#include "inference/bench/bench_client.h"
#include "inference/bench/bench_plot.h"
#include "inference/worker/backend_factory.h"
#include "inference/worker/inference_server.h"
#include "inference/worker/local_generation.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace rayctl::cli {

namespace inf = rayctl::inference;

namespace {

// Options shared by the commands that load a model in-process.
struct ModelOptions {
  std::string model;
  std::string device = "cpu";
  int threads = 0;
  int ctx = 0;
  std::string precision = "fast";
  int gpu = 0;
  double gpu_memory_utilization = 0.9;
};

void fill_backend(inf::BackendConfig& b, const ModelOptions& o) {
  b.device = o.device;
  b.threads = o.threads;
  b.exact = o.precision == "exact";
  b.gpu = o.gpu;
  b.gpu_memory_utilization = o.gpu_memory_utilization;
}

void add_model_options(CLI::App* cmd, ModelOptions& o, bool required) {
  auto* m = cmd->add_option("--model,-m", o.model, "GGUF file (or Hugging Face checkpoint directory) to load");
  if (required) m->required();
  cmd->add_option("--device", o.device, "Where to run the model: cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_option("--gpu", o.gpu, "CUDA: which visible GPU to use (0 = the first that CUDA_VISIBLE_DEVICES leaves)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--gpu-memory-utilization", o.gpu_memory_utilization,
                  "CUDA: share of the GPU's memory this worker may use, weights + KV cache (default 0.9)")
      ->check(CLI::Range(0.05, 1.0));
  cmd->add_option("--threads", o.threads, "CPU threads for the forward pass (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--precision", o.precision,
                  "CPU numerics: fast (int8 activations, f16 KV cache; the default) or exact (f32 throughout, "
                  "matches Hugging Face within 0.02; several times slower)")
      ->check(CLI::IsMember({"fast", "exact"}));
  cmd->add_option("--ctx", o.ctx, "Longest sequence, prompt + completion, in tokens (default: min(model's, 4096))")
      ->check(CLI::NonNegativeNumber);
}

void validate_model_options(const ModelOptions& o) {
  if (!inf::backend_available(o.device))
    throw Error(ErrorKind::Usage, "--device " + o.device + ": this rayctl was built without CUDA support",
                "use --device cpu, or rebuild rayctl with the CUDA toolkit (cmake -DRAYCTL_CUDA=ON)");
  if (!o.model.empty() && !std::filesystem::exists(o.model))
    throw Error(ErrorKind::NotFound, "--model " + o.model + ": no such file or directory",
                "fetch the bundled test model with scripts/fetch-model.sh, or give the path of a .gguf file");
}

std::string api_key_from(const CliContext& ctx, const std::string& flag) {
  return flag.empty() ? ctx.env("RAYCTL_INFERENCE_API_KEY") : flag;
}

struct ServeOptions {
  ModelOptions model;
  std::string host = "127.0.0.1";
  int port = 8000;
  int parallel = 8;
  int max_queued = 256;
  int max_batch_tokens = 512;
  bool no_prefix_caching = false;
  std::string api_key;
  bool metrics_without_key = false;
  std::string model_name;
};

void serve(CliContext& ctx, const ServeOptions& o) {
  validate_model_options(o.model);
  inf::InferenceServerConfig cfg;
  cfg.model_path = o.model.model;
  cfg.model_id = o.model_name;
  fill_backend(cfg.backend, o.model);
  cfg.engine.max_seqs = o.parallel;
  cfg.engine.context = o.model.ctx;
  cfg.engine.max_queued = o.max_queued;
  cfg.engine.max_tokens_per_step = std::max(o.max_batch_tokens, o.parallel);
  cfg.engine.prefix_caching = !o.no_prefix_caching;
  cfg.http.host = o.host;
  cfg.http.port = o.port;
  cfg.api_key = api_key_from(ctx, o.api_key);
  cfg.metrics_without_key = o.metrics_without_key;
  inf::block_shutdown_signals();  // before any thread starts, so all of them inherit it
  inf::InferenceServer server(cfg);
  server.start();
  say_info(ctx.io, fmt::format("listening on {} (loading {} ...)", server.url(), cfg.model_path));
  // Ctrl-C while the weights load ends the process there and then (status 128 + signal).
  inf::run_interruptible([&] { server.load(); },
                         [&](int sig) { say_info(ctx.io, fmt::format("signal {} while loading: exiting", sig)); });
  const auto& be = server.backend();
  nlohmann::json info = {{"url", server.url()},
                         {"model", server.model_id()},
                         {"path", cfg.model_path},
                         {"device", be.name()},
                         {"context", server.engine().context()},
                         {"parallel", o.parallel},
                         {"max_queued", o.max_queued},
                         {"auth", !cfg.api_key.empty()},
                         {"kv_cache_blocks", server.engine().options().kv_blocks},
                         {"kv_block_size", server.engine().options().block_size},
                         {"prefix_caching", server.engine().options().prefix_caching}};
  if (ctx.format() == OutputFormat::Table) {
    *ctx.io.out << fmt::format("serving {} at {} ({}, context {}, {} parallel, {} KV blocks of {} tokens{})\n",
                               server.model_id(), server.url(), be.name(), server.engine().context(), o.parallel,
                               server.engine().options().kv_blocks, server.engine().options().block_size,
                               cfg.api_key.empty() ? "" : ", API key required")
                << std::flush;
  } else {
    *ctx.io.out << info.dump() << "\n" << std::flush;
  }
  int sig = inf::wait_for_shutdown_signal();
  say_info(ctx.io, fmt::format("signal {}: shutting down", sig));
  server.stop();
}

struct RunOptions {
  ModelOptions model;
  std::string prompt, system;
  bool raw = false;
  int max_tokens = 256;
  float temperature = 0.0f;
  float top_p = 1.0f, min_p = 0.0f;
  int top_k = 0;
  int64_t seed = -1;
};

void run(CliContext& ctx, const RunOptions& o) {
  validate_model_options(o.model);
  inf::LocalGenerationConfig cfg;
  cfg.model_path = o.model.model;
  fill_backend(cfg.backend, o.model);
  cfg.context = o.model.ctx;
  cfg.prompt = o.prompt;
  cfg.system = o.system;
  cfg.chat = !o.raw;
  cfg.sampling.temperature = o.temperature;
  cfg.sampling.top_p = o.top_p;
  cfg.sampling.top_k = o.top_k;
  cfg.sampling.min_p = o.min_p;
  cfg.sampling.max_tokens = o.max_tokens;
  if (o.seed >= 0) cfg.sampling.seed = static_cast<uint64_t>(o.seed);
  const bool human = ctx.format() == OutputFormat::Table;
  auto res = inf::generate_locally(cfg, [&](std::string_view text) {
    if (human) *ctx.io.out << text << std::flush;
  });
  if (human) {
    *ctx.io.out << "\n";
    say_info(ctx.io, fmt::format("{} prompt tokens, {} generated ({}), first token after {:.0f} ms, {:.1f} tokens/s",
                                 res.prompt_tokens, res.completion_tokens, inf::finish_reason_name(res.finish_reason),
                                 res.time_to_first_token * 1e3, res.decode_tokens_per_second));
    return;
  }
  print_data(*ctx.io.out, ctx.format(),
             {{"model", res.model},
              {"text", res.text},
              {"finish_reason", inf::finish_reason_name(res.finish_reason)},
              {"usage",
               {{"prompt_tokens", res.prompt_tokens},
                {"completion_tokens", res.completion_tokens},
                {"total_tokens", res.prompt_tokens + res.completion_tokens}}},
              {"timings",
               {{"load_seconds", res.load_seconds},
                {"time_to_first_token_seconds", res.time_to_first_token},
                {"decode_tokens_per_second", res.decode_tokens_per_second}}}});
}

struct BenchOptions {
  ModelOptions model;
  std::string url;
  std::vector<int> concurrency{1, 8, 32};
  int requests = 0;
  int max_tokens = 64;
  std::string prompt;
  std::string api_key;
  std::string plot;
};

void bench(CliContext& ctx, const BenchOptions& o) {
  if (o.url.empty() == o.model.model.empty())
    throw Error(ErrorKind::Usage, "give exactly one of --url (a running server) or --model (start one in-process)",
                "rayctl inference bench --model model.gguf --concurrency 1,8");
  for (int c : o.concurrency)
    if (c < 1 || c > 1024)
      throw Error(ErrorKind::Usage, fmt::format("--concurrency {}: must be between 1 and 1024", c));
  inf::BenchConfig cfg;
  cfg.concurrency = o.concurrency;
  cfg.requests_per_level = o.requests;
  cfg.max_tokens = o.max_tokens;
  if (!o.prompt.empty()) cfg.prompt = o.prompt;
  cfg.api_key = api_key_from(ctx, o.api_key);
  std::unique_ptr<inf::InferenceServer> server;
  if (!o.model.model.empty()) {
    validate_model_options(o.model);
    inf::InferenceServerConfig sc;
    sc.model_path = o.model.model;
    fill_backend(sc.backend, o.model);
    sc.engine.context = o.model.ctx;
    sc.engine.max_seqs = *std::max_element(o.concurrency.begin(), o.concurrency.end());
    sc.engine.max_queued = 4096;
    sc.http.port = 0;  // an ephemeral loopback port
    sc.api_key = cfg.api_key;
    server = std::make_unique<inf::InferenceServer>(sc);
    server->start();
    server->load();
    cfg.url = server->url();
    say_info(ctx.io, fmt::format("started {} in-process at {}", server->model_id(), cfg.url));
  } else {
    cfg.url = o.url;
  }
  auto levels = inf::run_bench(cfg, [&](const std::string& line) { say_info(ctx.io, line); });
  if (server) server->stop();
  if (!o.plot.empty()) {
    std::ofstream f(o.plot);
    f << inf::bench_svg(levels, fmt::format("rayctl inference bench — {} tokens per request", cfg.max_tokens));
    if (!f) throw Error(ErrorKind::Io, "cannot write --plot " + o.plot);
    say_info(ctx.io, "plot written to " + o.plot);
  }
  int failed = 0;
  for (const auto& l : levels) failed += l.failed;
  if (ctx.format() != OutputFormat::Table) {
    print_data(*ctx.io.out, ctx.format(), inf::bench_to_json(cfg, levels));
  } else {
    Table t(
        {"CONCURRENCY", "REQUESTS", "FAILED", "TOKENS/S", "TTFT P50", "TTFT P90", "ITL P50", "ITL P90", "E2E MEAN"});
    auto ms = [](double s) { return fmt::format("{:.1f} ms", s * 1e3); };
    for (const auto& l : levels)
      t.add_row({std::to_string(l.concurrency), std::to_string(l.requests), std::to_string(l.failed),
                 fmt::format("{:.1f}", l.output_tokens_per_second), ms(l.ttft.p50), ms(l.ttft.p90), ms(l.itl.p50),
                 ms(l.itl.p90), fmt::format("{:.2f} s", l.e2e.mean)});
    t.print(*ctx.io.out);
  }
  if (failed > 0) {
    for (const auto& l : levels)
      if (!l.first_error.empty()) say_warning(ctx.io, fmt::format("concurrency {}: {}", l.concurrency, l.first_error));
    ctx.exit_code = static_cast<int>(ExitCode::Error);
  }
}

}  // namespace

void setup_inference(CLI::App& root, CliContext& ctx) {
  auto* cmd =
      root.add_subcommand("inference", "Serve, run and benchmark LLMs with the bundled OpenAI-compatible worker");
  cmd->require_subcommand(1);
  set_examples(cmd,
               "  rayctl inference serve --model SmolLM2-135M-Instruct.Q4_1.gguf --port 8000\n"
               "  rayctl inference run --model SmolLM2-135M-Instruct.Q4_1.gguf \"What is the capital of France?\"\n"
               "  rayctl inference bench --url http://127.0.0.1:8000 --concurrency 1,8,32 --plot bench.svg");

  auto so = std::make_shared<ServeOptions>();
  auto* s = cmd->add_subcommand("serve", "Serve a model over HTTP (OpenAI /v1 API, /health, /metrics)");
  add_model_options(s, so->model, true);
  s->add_option("--host", so->host,
                "Address to bind (default 127.0.0.1; 0.0.0.0 exposes the server on every interface)");
  s->add_option("--port", so->port, "TCP port (0: any free port)")->check(CLI::Range(0, 65535));
  s->add_option("--parallel", so->parallel, "Sequences decoded together in one step")->check(CLI::Range(1, 1024));
  s->add_option("--max-queued", so->max_queued, "Requests allowed to wait for a slot; beyond that: HTTP 503")
      ->check(CLI::Range(0, 1000000));
  s->add_option("--max-batch-tokens", so->max_batch_tokens, "Tokens (prefill + decode) in one step")
      ->check(CLI::Range(1, 65536));
  s->add_flag("--no-prefix-caching", so->no_prefix_caching,
              "Compute every prompt in full instead of reusing the KV blocks of prefixes seen before");
  s->add_option("--api-key", so->api_key,
                "Require 'Authorization: Bearer KEY' on /v1, tokenizer and /metrics routes (or set "
                "RAYCTL_INFERENCE_API_KEY)");
  s->add_flag("--metrics-without-key", so->metrics_without_key,
              "Serve /metrics without the API key (for a scraper on a trusted network)");
  s->add_option("--model-name", so->model_name, "Model id clients use in \"model\" (default: the file name)");
  set_examples(s,
               "  rayctl inference serve --model SmolLM2-135M-Instruct.Q4_1.gguf\n"
               "  rayctl inference serve --model m.gguf --host 0.0.0.0 --port 8080 --parallel 16 --ctx 8192\n"
               "  RAYCTL_INFERENCE_API_KEY=secret rayctl inference serve --model m.gguf\n"
               "  curl -N http://127.0.0.1:8000/v1/chat/completions -H 'Content-Type: application/json' \\\n"
               "       -d '{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}'");
  s->callback([&ctx, so] { serve(ctx, *so); });

  auto ro = std::make_shared<RunOptions>();
  auto* r = cmd->add_subcommand("run", "Answer one prompt with a local model, streaming the reply to stdout");
  add_model_options(r, ro->model, true);
  r->add_option("prompt", ro->prompt, "The user message (or the raw prompt with --raw)")->required();
  r->add_option("--system", ro->system, "A system message (default: the chat template's own, if any)");
  r->add_flag("--raw", ro->raw, "Feed the prompt as is, without the chat template");
  r->add_option("--max-tokens", ro->max_tokens, "Most tokens to generate")->check(CLI::Range(1, 1 << 20));
  r->add_option("--temperature", ro->temperature, "Sampling temperature (0: greedy, the default)")
      ->check(CLI::Range(0.0, 2.0));
  r->add_option("--top-p", ro->top_p, "Nucleus sampling mass")->check(CLI::Range(0.0, 1.0));
  r->add_option("--top-k", ro->top_k, "Sample among the K most likely tokens (0: off)")->check(CLI::NonNegativeNumber);
  r->add_option("--min-p", ro->min_p, "Drop tokens less likely than min-p × the top one")->check(CLI::Range(0.0, 1.0));
  r->add_option("--seed", ro->seed, "Random seed for sampling");
  set_examples(
      r,
      "  rayctl inference run --model SmolLM2-135M-Instruct.Q4_1.gguf \"What is the capital of France?\"\n"
      "  rayctl inference run -m m.gguf --temperature 0.7 --seed 1 --max-tokens 64 \"Write a haiku about the sea\"\n"
      "  rayctl inference run -m m.gguf -o json \"Hi\"   # text, usage and timings as JSON");
  r->callback([&ctx, ro] { run(ctx, *ro); });

  auto bo = std::make_shared<BenchOptions>();
  auto* b = cmd->add_subcommand("bench", "Measure TTFT, inter-token latency and tokens/s against concurrency");
  b->add_option("--url", bo->url, "Base URL of a running OpenAI-compatible server");
  add_model_options(b, bo->model, false);
  b->add_option("--concurrency,-c", bo->concurrency, "Comma-separated concurrency levels")->delimiter(',');
  b->add_option("--requests", bo->requests, "Requests per level (default: 2 × concurrency, at least 4)")
      ->check(CLI::NonNegativeNumber);
  b->add_option("--max-tokens", bo->max_tokens, "Tokens generated per request (EOS ignored)")
      ->check(CLI::Range(1, 1 << 20));
  b->add_option("--prompt", bo->prompt, "Prompt for every request");
  b->add_option("--api-key", bo->api_key, "Bearer token for the server (or RAYCTL_INFERENCE_API_KEY)");
  b->add_option("--plot", bo->plot, "Write an SVG plot of throughput and latency vs concurrency");
  set_examples(b,
               "  rayctl inference bench --model SmolLM2-135M-Instruct.Q4_1.gguf --concurrency 1,8 --plot bench.svg\n"
               "  rayctl inference bench --url http://127.0.0.1:8000 --concurrency 1,8,32 -o json");
  b->callback([&ctx, bo] { bench(ctx, *bo); });
#ifndef RAYCTL_INFERENCE_ONLY
  setup_inference_deploy(cmd, ctx);
#endif
}

}  // namespace rayctl::cli
