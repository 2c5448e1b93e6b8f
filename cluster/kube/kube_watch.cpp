// list + watch on a background thread, feeding a CollectionCache.
#include "cluster/kube/kube_watch.h"

#include "core/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace rayctl {

namespace {

using nlohmann::json;

// The string at obj[key], or "" when obj is not an object or the member is missing or not a
// string: the API server's JSON is input, and json::value() throws on nulls.
std::string string_at(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& member(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it != obj.end() ? *it : kNull;
}

Error malformed(const std::string& why) {
  return Error(ErrorKind::Remote, "the API server sent a malformed watch event: " + why);
}

// A watch event checked for the shape apply() relies on: a known type and an object (with
// metadata for the object kinds).
WatchEvent event_from(json& j) {
  WatchEvent ev;
  ev.type = string_at(j, "type");
  static const char* kTypes[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
  if (std::find(std::begin(kTypes), std::end(kTypes), ev.type) == std::end(kTypes))
    throw malformed("unknown type \"" + ev.type + "\"");
  auto it = j.find("object");
  if (it == j.end() || !it->is_object()) throw malformed(ev.type + " without an object");
  if (ev.type != "ERROR" && !member(*it, "metadata").is_object()) throw malformed(ev.type + " object without metadata");
  ev.object = std::move(*it);
  return ev;
}

}  // namespace

void WatchEventParser::feed(std::string_view chunk, const std::function<void(WatchEvent&&)>& emit) {
  buf_.append(chunk);
  size_t start = 0;
  for (;;) {
    auto nl = buf_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(buf_.data() + start, nl - start);
    start = nl + 1;
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw Error(ErrorKind::Remote, "the API server sent a watch event that is not JSON");
    emit(event_from(j));
  }
  buf_.erase(0, start);
}

static std::string key_of(const nlohmann::json& obj) {
  const auto& m = member(obj, "metadata");
  return string_at(m, "namespace") + "/" + string_at(m, "name");
}

void CollectionCache::reset_from_list(const nlohmann::json& list) {
  objects.clear();
  if (auto it = list.find("items"); it != list.end() && it->is_array())
    for (const auto& o : *it)
      if (o.is_object()) objects[key_of(o)] = o;
  resource_version = string_at(member(list, "metadata"), "resourceVersion");
}

WatchOutcome CollectionCache::apply(const WatchEvent& ev) {
  if (ev.type == "ERROR") {
    // A Status object; 410 means our resourceVersion is older than etcd's history.
    const auto& code = member(ev.object, "code");
    return code.is_number_integer() && code.get<long>() == 410 ? WatchOutcome::Gone : WatchOutcome::Failed;
  }
  auto rv = string_at(member(ev.object, "metadata"), "resourceVersion");
  if (!rv.empty()) resource_version = rv;
  if (ev.type == "BOOKMARK") return WatchOutcome::Bookmark;
  if (ev.type == "DELETED")
    objects.erase(key_of(ev.object));
  else
    objects[key_of(ev.object)] = ev.object;  // ADDED, MODIFIED
  return WatchOutcome::Changed;
}

std::vector<nlohmann::json> CollectionCache::items() const {
  std::vector<nlohmann::json> out;
  out.reserve(objects.size());
  for (const auto& [k, v] : objects) out.push_back(v);
  return out;
}

void Signal::raise() {
  {
    std::lock_guard<std::mutex> g(mu_);
    ++raised_;
  }
  cv_.notify_all();
}

bool Signal::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> g(mu_);
  bool ok = cv_.wait_until(g, deadline, [&] { return raised_ != seen_; });
  seen_ = raised_;
  return ok;
}

struct CollectionWatch::State {
  std::unique_ptr<KubeClient> client;
  std::string path, query, what;
  std::shared_ptr<Signal> signal;
  mutable std::mutex mu;
  CollectionCache cache;
  bool synced = false;
  std::optional<Error> failure;
  int relists = 0;
  std::atomic<bool> stop{false};

  void list();
  void watch_once();  // one watch request; returns on EOF, 410 or stop
  void run();
  void run_watch();
  void fail(const Error& e);
};

void CollectionWatch::State::list() {
  std::string sep = query.empty() ? "" : "?" + query;
  auto j = client->get(path + sep, {"list", what, path.find("/apis/ray.io/") == 0});
  std::lock_guard<std::mutex> g(mu);
  cache.reset_from_list(j);
  synced = true;
}

void CollectionWatch::State::watch_once() {
  std::string rv;
  {
    std::lock_guard<std::mutex> g(mu);
    rv = cache.resource_version;
  }
  auto url = fmt::format("{}?watch=true&allowWatchBookmarks=true&timeoutSeconds=60&resourceVersion={}{}{}", path,
                         url_encode(rv), query.empty() ? "" : "&", query);
  WatchEventParser parser;
  bool gone = false;
  auto resp = client->stream(
      url,
      [&](std::string_view chunk) {
        if (stop) return false;
        parser.feed(chunk, [&](WatchEvent&& ev) {
          WatchOutcome o;
          {
            std::lock_guard<std::mutex> g(mu);
            o = cache.apply(ev);
          }
          if (o == WatchOutcome::Gone)
            gone = true;
          else if (o == WatchOutcome::Changed)
            signal->raise();
          else if (o == WatchOutcome::Failed)
            throw Error(ErrorKind::Remote,
                        fmt::format("watch of {} failed: {}", what, string_at(ev.object, "message")));
        });
        return !gone && !stop;
      },
      std::chrono::seconds(90));
  if (resp.status == 410 || gone) {
    ++relists;
    list();  // history compacted: start over from a fresh LIST
    signal->raise();
    return;
  }
  if (resp.status / 100 != 2 && !stop) client->fail(resp, {"watch", what, path.find("/apis/ray.io/") == 0});
}

// The thread's body: no exception may leave it (that would std::terminate the command), so
// anything that is not an Error becomes an Internal failure of the watch.
void CollectionWatch::State::run() {
  try {
    run_watch();
  } catch (const Error& e) {
    fail(e);
  } catch (const std::exception& e) {
    fail(Error(ErrorKind::Internal, fmt::format("watch of {} stopped: {}", what, e.what())));
  } catch (...) {
    fail(Error(ErrorKind::Internal, fmt::format("watch of {} stopped", what)));
  }
}

void CollectionWatch::State::fail(const Error& e) {
  std::lock_guard<std::mutex> g(mu);
  failure = e;
  signal->raise();
}

void CollectionWatch::State::run_watch() {
  int consecutive_failures = 0;
  try {
    list();
    signal->raise();
  } catch (const Error& e) {
    fail(e);
    return;
  }
  while (!stop) {
    try {
      watch_once();
      consecutive_failures = 0;
    } catch (const Error& e) {
      if (stop) return;
      bool transient =
          e.kind() == ErrorKind::Network || e.kind() == ErrorKind::Timeout || e.kind() == ErrorKind::Remote;
      if (!transient || ++consecutive_failures > 5) {
        fail(e);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * consecutive_failures));
    }
  }
}

CollectionWatch::CollectionWatch(const KubeClient& client, std::string collection_path, std::string query,
                                 std::string what, std::shared_ptr<Signal> signal)
    : state_(std::make_shared<State>()) {
  state_->client = client.clone();
  state_->path = std::move(collection_path);
  state_->query = std::move(query);
  state_->what = std::move(what);
  state_->signal = std::move(signal);
}

CollectionWatch::~CollectionWatch() { state_->stop = true; }

void CollectionWatch::start() {
  // Detached: a watch blocked on an idle connection must not hold up the command's exit.
  // The thread owns the state (and its connection) through the shared_ptr.
  std::thread([s = state_] { s->run(); }).detach();
}

bool CollectionWatch::synced() const {
  std::lock_guard<std::mutex> g(state_->mu);
  return state_->synced;
}

std::vector<nlohmann::json> CollectionWatch::items() const {
  std::lock_guard<std::mutex> g(state_->mu);
  return state_->cache.items();
}

std::optional<Error> CollectionWatch::failure() const {
  std::lock_guard<std::mutex> g(state_->mu);
  return state_->failure;
}

int CollectionWatch::relists() const {
  std::lock_guard<std::mutex> g(state_->mu);
  return state_->relists;
}

}  // namespace rayctl
