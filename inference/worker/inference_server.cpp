// InferenceServer: HTTP first, then the model, then ready.
#include "inference/worker/inference_server.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <thread>

namespace rayctl::inference {

std::string default_model_id(const std::string& model_path) {
  std::filesystem::path p(model_path);
  if (p.filename().empty()) p = p.parent_path();  // "dir/" → "dir"
  std::string name = p.filename().string();
  const std::string ext = ".gguf";
  if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
    name.resize(name.size() - ext.size());
  return name;
}

InferenceServer::InferenceServer(InferenceServerConfig config) : config_(std::move(config)) {
  model_id_ = config_.model_id.empty() ? default_model_id(config_.model_path) : config_.model_id;
  metrics_ = std::make_unique<EngineMetrics>(model_id_);
  api_ =
      std::make_unique<OpenAiApi>(OpenAiApiOptions{model_id_, config_.api_key, config_.metrics_without_key}, *metrics_);
}

InferenceServer::~InferenceServer() { stop(); }

void InferenceServer::start() {
  OpenAiApi* api = api_.get();
  HttpServerOptions http_options = config_.http;
  // A body without the key (or for no route) is never read: the 401 or 404 goes out at once.
  http_options.body_gate = [api](const HttpRequest& head) { return api->accepts_body(head); };
  http_ = std::make_unique<HttpServer>(
      http_options,
      [api](const HttpRequest& req, std::shared_ptr<HttpResponder> resp) { api->handle(req, std::move(resp)); });
  HttpServer* http = http_.get();
  api_->set_connection_counter([http] { return http->open_connections(); });
  http_->start();
}

void InferenceServer::load() {
  model_ = ModelFile::open(config_.model_path);
  EngineOptions eo = config_.engine;
  if (eo.context <= 0) eo.context = std::min(model_->config().n_ctx_train, 4096);
  eo.context = std::min(eo.context, model_->config().n_ctx_train);
  BackendConfig bc = config_.backend;
  bc.max_context = eo.context;
  engine_ = std::make_unique<Engine>(create_backend(*model_, bc), model_->tokenizer(), eo, metrics_.get());
  api_->set_ready(engine_.get(), model_.get());
}

void InferenceServer::stop() {
  if (http_) http_->stop();  // closes connections: their requests are cancelled
  if (api_) api_->set_ready(nullptr, nullptr);
  engine_.reset();
  http_.reset();
}

std::string InferenceServer::url() const {
  std::string host = config_.http.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port());
}

void block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_shutdown_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

void run_interruptible(const std::function<void()>& work, const std::function<void(int)>& on_signal) {
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const timespec tick{0, 100 * 1000 * 1000};  // how often it looks whether work() finished
    while (!done.load()) {
      const int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig > 0) {
        on_signal(sig);
        std::_Exit(128 + sig);
      }
    }
  });
  try {
    work();
  } catch (...) {
    done.store(true);
    watcher.join();
    throw;
  }
  done.store(true);
  watcher.join();
}

}  // namespace rayctl::inference
