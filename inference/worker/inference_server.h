// InferenceServer: `rayctl inference serve` as a library object. It binds the HTTP port
// first (so /health answers 503 "Loading model" while the weights load), then opens the model,
// builds the backend and the engine, and flips the API to ready. stop() closes connections
// (cancelling their requests) and then the engine. Also used in-process by `inference bench
// --model` and by the integration tests.
#pragma once

#include "inference/engine/engine.h"
#include "inference/engine/metrics.h"
#include "inference/model/model_config.h"
#include "inference/server/http_server.h"
#include "inference/server/openai_api.h"
#include "inference/worker/backend_factory.h"

#include <functional>
#include <memory>
#include <string>

namespace rayctl::inference {

struct InferenceServerConfig {
  std::string model_path;
  std::string model_id;  // "" → the model file's name without .gguf
  BackendConfig backend;
  EngineOptions engine;
  HttpServerOptions http;
  std::string api_key;
  bool metrics_without_key = false;  // /metrics answers without the API key
};

class InferenceServer {
 public:
  explicit InferenceServer(InferenceServerConfig config);
  ~InferenceServer();

  void start();  // binds and listens; throws rayctl::Error when the address is unusable
  void load();   // loads the model and starts the engine; throws rayctl::Error on a bad model
  void stop();

  int port() const { return http_ ? http_->port() : 0; }
  std::string url() const;  // http://host:port
  const std::string& model_id() const { return model_id_; }
  const ModelFile& model() const { return *model_; }
  const Engine& engine() const { return *engine_; }
  const Backend& backend() const { return engine_->backend(); }

 private:
  InferenceServerConfig config_;
  std::string model_id_;
  std::unique_ptr<EngineMetrics> metrics_;
  std::unique_ptr<OpenAiApi> api_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<ModelFile> model_;
  std::unique_ptr<Engine> engine_;
};

// Default model id: the file name without directory and ".gguf" ("SmolLM2-135M-Instruct.Q4_1").
std::string default_model_id(const std::string& model_path);
// Blocks SIGINT/SIGTERM in the calling thread (call before starting threads, so they inherit
// the mask), and later waits for one of them. Returns the signal number.
void block_shutdown_signals();
int wait_for_shutdown_signal();
// Runs work() (a model load, which cannot be interrupted) while a SIGINT or SIGTERM ends the
// process at once with status 128 + signal, after on_signal(sig). The signals must be blocked
// (block_shutdown_signals()); they are waited for on a thread of its own. Exceptions from work()
// propagate once that thread has stopped.
void run_interruptible(const std::function<void()>& work, const std::function<void(int)>& on_signal);

}  // namespace rayctl::inference
