// generate_locally: one prompt through a private engine.
#include "inference/worker/local_generation.h"

#include "core/error.h"
#include "inference/model/model_config.h"
#include "inference/worker/inference_server.h"

#include <chrono>
#include <future>

namespace rayctl::inference {

LocalGenerationResult generate_locally(const LocalGenerationConfig& config,
                                       const std::function<void(std::string_view)>& on_text) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  auto model = ModelFile::open(config.model_path);
  LocalGenerationResult res;
  res.model = default_model_id(config.model_path);
  int ctx = config.context > 0 ? config.context : std::min(model->config().n_ctx_train, 4096);
  ctx = std::min(ctx, model->config().n_ctx_train);

  std::vector<int32_t> prompt;
  if (config.chat) {
    nlohmann::json messages = nlohmann::json::array();
    if (!config.system.empty()) messages.push_back({{"role", "system"}, {"content", config.system}});
    messages.push_back({{"role", "user"}, {"content", config.prompt}});
    prompt = model->tokenizer().encode(model->chat_template().render(messages, true), false, true);
  } else {
    prompt = model->tokenizer().encode(config.prompt, true, true);
  }
  if (prompt.empty()) throw Error(ErrorKind::Usage, "the prompt is empty", "pass the prompt as the last argument");
  if (static_cast<int>(prompt.size()) >= ctx)
    throw Error(ErrorKind::Usage,
                "the prompt has " + std::to_string(prompt.size()) + " tokens; the context holds " + std::to_string(ctx),
                "shorten the prompt or raise --ctx");
  SamplingParams sp = config.sampling;
  sp.max_tokens = std::min(sp.max_tokens, ctx - static_cast<int>(prompt.size()));

  BackendConfig bc = config.backend;
  bc.max_context = ctx;
  EngineOptions eo;
  eo.max_seqs = 1;
  eo.context = ctx;
  eo.kv_blocks = (ctx + eo.block_size - 1) / eo.block_size;
  Engine engine(create_backend(*model, bc), model->tokenizer(), eo);
  res.load_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  res.prompt_tokens = static_cast<int>(prompt.size());

  std::promise<void> done;
  Clock::time_point submitted = Clock::now(), first, last;
  GenerationRequest req;
  req.prompt = std::move(prompt);
  req.sampling = sp;
  req.on_output = [&](const GenerationOutput& out) {
    const auto now = Clock::now();
    if (!out.tokens.empty()) {
      if (res.completion_tokens == 0) first = now;
      last = now;
    }
    res.completion_tokens = out.completion_tokens;
    if (!out.text.empty()) {
      res.text += out.text;
      if (on_text) on_text(out.text);
    }
    if (out.finished) {
      res.finish_reason = out.finish_reason;
      if (out.finish_reason == FinishReason::Error) res.text = out.error;
      done.set_value();
    }
  };
  submitted = Clock::now();
  engine.submit(std::move(req));
  done.get_future().wait();
  if (res.finish_reason == FinishReason::Error) throw Error(ErrorKind::Internal, "generation failed: " + res.text);
  if (res.completion_tokens > 0) res.time_to_first_token = std::chrono::duration<double>(first - submitted).count();
  if (res.completion_tokens > 1)
    res.decode_tokens_per_second = (res.completion_tokens - 1) / std::chrono::duration<double>(last - first).count();
  return res;
}

}  // namespace rayctl::inference
