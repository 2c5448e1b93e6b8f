// RequestWorkers: a few threads that do the CPU-heavy part of an API request (parsing the JSON
// body, rendering the chat template, tokenizing) off the HTTP event loop, so one 16 MB prompt
// or /tokenize call does not stall /health or the token streams of other clients. Tasks run in
// the order posted; nothing here knows about HTTP or the engine.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rayctl::inference {

class RequestWorkers {
 public:
  explicit RequestWorkers(int threads);
  ~RequestWorkers();  // runs what is queued, then joins
  RequestWorkers(const RequestWorkers&) = delete;
  RequestWorkers& operator=(const RequestWorkers&) = delete;

  // Queues a task. Exceptions thrown by it are the task's own business: they are swallowed.
  void post(std::function<void()> task);
  // Returns once nothing is queued or running (tasks posted meanwhile included).
  void wait_idle();

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable work_cv_, idle_cv_;
  std::deque<std::function<void()>> queue_;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace rayctl::inference
