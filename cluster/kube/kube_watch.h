// CollectionWatch: a local copy of one Kubernetes collection (e.g. the pods of a Ray cluster)
// kept current by list + watch — resourceVersion resume, bookmarks, 410 Gone → re-list — on a
// background thread, with a Signal raised after every change so that a waiter re-evaluates at
// once instead of polling. The event parsing and cache update are plain functions for tests.
#pragma once

#include "cluster/kube/kube_client.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rayctl {

struct WatchEvent {
  std::string type;  // ADDED MODIFIED DELETED BOOKMARK ERROR
  nlohmann::json object;
};

// Splits a watch response body (one JSON object per line, chunks cut anywhere) into events.
class WatchEventParser {
 public:
  // Calls emit for every complete line; throws Error(Remote) for a line that is not JSON.
  void feed(std::string_view chunk, const std::function<void(WatchEvent&&)>& emit);
  size_t pending_bytes() const { return buf_.size(); }

 private:
  std::string buf_;
};

// What applying one event to a cache meant.
enum class WatchOutcome { Changed, Bookmark, Gone, Failed };

// The local copy of a collection: objects by namespace/name, and the resourceVersion to resume.
struct CollectionCache {
  std::map<std::string, nlohmann::json> objects;
  std::string resource_version;

  void reset_from_list(const nlohmann::json& list);  // a LIST response
  WatchOutcome apply(const WatchEvent& ev);          // updates objects and resource_version
  std::vector<nlohmann::json> items() const;
};

// A wake-up shared between watch threads and the waiter.
class Signal {
 public:
  void raise();
  // Waits until raised since the last wait or until `deadline`; returns false on timeout.
  bool wait_until(std::chrono::steady_clock::time_point deadline);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  unsigned long raised_ = 0, seen_ = 0;
};

class CollectionWatch {
 public:
  // `query` is appended to the collection path: "labelSelector=..." or "fieldSelector=...".
  CollectionWatch(const KubeClient& client, std::string collection_path, std::string query, std::string what,
                  std::shared_ptr<Signal> signal);
  ~CollectionWatch();  // stops; the thread ends on its own (it owns its connection)
  CollectionWatch(const CollectionWatch&) = delete;
  CollectionWatch& operator=(const CollectionWatch&) = delete;

  void start();
  bool synced() const;  // the first LIST has arrived
  std::vector<nlohmann::json> items() const;
  std::optional<Error> failure() const;  // a failure that made the watch give up
  int relists() const;                   // how many times a 410 forced a re-list

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace rayctl
