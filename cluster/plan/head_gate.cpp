// The head's progress as workers see it (see head_gate.h).
#include "cluster/plan/head_gate.h"

#include <chrono>

namespace rayctl {

HeadGate::HeadGate(const CancelFlag& user_cancel)
    : user_cancel_(user_cancel), settled_(&user_cancel), failed_(&user_cancel) {}

void HeadGate::set(State s, const std::string& error) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (state_ == State::Failed || (state_ == State::Started && s != State::Failed)) return;
    state_ = s;
    if (s == State::Failed) failure_ = error;
  }
  if (s == State::Started || s == State::Failed) settled_.cancel();
  if (s == State::Failed) failed_.cancel();
  cv_.notify_all();
}

void HeadGate::starting() { set(State::Starting, {}); }
void HeadGate::started() { set(State::Started, {}); }
void HeadGate::failed(const std::string& error) { set(State::Failed, error); }

HeadGate::State HeadGate::wait_until_starting() const {
  std::unique_lock<std::mutex> lock(mu_);
  // Ctrl-C sets a flag from a signal handler, which cannot notify: look at it now and then.
  while (state_ == State::Preparing && !user_cancel_.cancelled()) cv_.wait_for(lock, std::chrono::milliseconds(50));
  return state_;
}

HeadGate::State HeadGate::state() const {
  std::lock_guard<std::mutex> g(mu_);
  return state_;
}

std::string HeadGate::failure() const {
  std::lock_guard<std::mutex> g(mu_);
  return failure_;
}

}  // namespace rayctl
