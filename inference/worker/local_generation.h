// generate_locally: `rayctl inference run` as a library call — load a model, apply its chat
// template to one prompt (or take the prompt raw), generate through the same engine as the
// server, and stream the text to a callback. Reports token counts and timings.
#pragma once

#include "inference/engine/engine.h"
#include "inference/engine/sampler.h"
#include "inference/worker/backend_factory.h"

#include <functional>
#include <string>
#include <string_view>

namespace rayctl::inference {

struct LocalGenerationConfig {
  std::string model_path;
  BackendConfig backend;
  int context = 0;  // 0: min(model context, 4096)
  std::string prompt;
  std::string system;  // chat: an optional system message
  bool chat = true;    // false: the prompt is fed raw (no template)
  SamplingParams sampling;
};

struct LocalGenerationResult {
  std::string text;
  std::string model;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  FinishReason finish_reason = FinishReason::None;
  double load_seconds = 0;
  double time_to_first_token = 0;  // from submit (prompt processing + first step)
  double decode_tokens_per_second = 0;
};

// Throws rayctl::Error for a bad model, device or prompt.
LocalGenerationResult generate_locally(const LocalGenerationConfig& config,
                                       const std::function<void(std::string_view)>& on_text);

}  // namespace rayctl::inference
