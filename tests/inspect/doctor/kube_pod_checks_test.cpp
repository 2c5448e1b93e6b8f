// DR171, DR173, DR175 and DR203 from pods, events and EndpointSlices shaped like the API's
// (v1 Pod status with PodScheduled / containerStatuses, discovery.k8s.io/v1 EndpointSlice).
#include "inspect/doctor/kube_pod_checks.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

using nlohmann::json;

json pod(const std::string& name, const std::string& type, const std::string& group, const std::string& ip = "") {
  json p = json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","labels":{
      "ray.io/cluster":"rc","ray.io/node-type":")" +
                       type + R"(","ray.io/group":")" + group + R"(",
      "ray.io/is-ray-node":"yes"}},
    "spec":{"nodeName":"kwok-cpu-0","containers":[{"name":"ray-)" +
                       type + R"(","image":"rayproject/ray:2.53.0"}]},
    "status":{"phase":"Running","conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}],
      "containerStatuses":[{"name":"ray-)" +
                       type + R"(","ready":true,"restartCount":0,
        "state":{"running":{"startedAt":"2026-12-04T08:00:00Z"}}}]}})");
  p["status"]["podIP"] = ip;
  return p;
}

json pending_gpu_pod() {
  json p = pod("rc-big-gpu-worker-7xk2q", "worker", "big-gpu");
  p["spec"].erase("nodeName");
  p["status"] = json::parse(R"({"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False",
    "reason":"Unschedulable","message":"0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."}]})");
  return p;
}

TEST(KubePodChecks, PendingPodsFailWithTheSchedulersReason) {
  std::vector<json> pods = {pod("rc-head-abcde", "head", "headgroup"), pending_gpu_pod()};
  json event = json::parse(R"({"kind":"Event","type":"Warning","reason":"FailedScheduling",
    "involvedObject":{"kind":"Pod","name":"rc-big-gpu-worker-7xk2q"},
    "message":"0/3 nodes are available: 3 Insufficient nvidia.com/gpu.","lastTimestamp":null,
    "eventTime":"2026-12-04T08:59:00.000000Z"})");
  auto f = scheduling_finding(pods, {event});
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_EQ(f.subject, "pod rc-big-gpu-worker-7xk2q (big-gpu)");
  EXPECT_EQ(f.summary, "1 of 2 pods not scheduled");
  ASSERT_EQ(f.evidence.size(), 1u);  // the event says what the condition says: not repeated
  EXPECT_NE(f.evidence[0].find("Pending, not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient "
                               "nvidia.com/gpu"),
            std::string::npos);

  auto ok = scheduling_finding({pod("rc-head-abcde", "head", "headgroup")}, {});
  EXPECT_EQ(ok.state, CheckState::Ok);
  EXPECT_EQ(ok.summary, "1 pod scheduled on 1 node");

  auto headless = scheduling_finding({}, {});
  EXPECT_EQ(headless.state, CheckState::Fail);
  EXPECT_EQ(headless.summary, "there is no head pod");
}

TEST(KubePodChecks, CrashLoopingContainerFailsWithItsLastExitAndLog) {
  json w = pod("rc-small-worker-q8z4m", "worker", "small");
  w["status"]["containerStatuses"][0] = json::parse(R"J({"name":"ray-worker","ready":false,"restartCount":5,
    "state":{"waiting":{"reason":"CrashLoopBackOff",
      "message":"back-off 2m40s restarting failed container=ray-worker pod=rc-small-worker-q8z4m_default(1234)"}},
    "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"2026-12-04T08:58:00Z"}}})J");
  std::vector<json> pods = {pod("rc-head-abcde", "head", "headgroup"), w};
  auto looping = crash_looping(pods);
  ASSERT_EQ(looping.size(), 1u);
  EXPECT_EQ(looping[0], std::make_pair(std::string("rc-small-worker-q8z4m"), std::string("ray-worker")));
  auto f = containers_finding(
      pods, {{"rc-small-worker-q8z4m/ray-worker", {"ConnectionError: GCS at rc-head-svc:6379 did not answer"}}});
  EXPECT_EQ(f.state, CheckState::Fail);
  ASSERT_EQ(f.evidence.size(), 2u);
  EXPECT_NE(f.evidence[0].find("CrashLoopBackOff: back-off 2m40s"), std::string::npos);
  EXPECT_NE(f.evidence[0].find("restarted 5 times; last exit: Error (exit code 1 at 2026-12-04T08:58:00Z)"),
            std::string::npos);
  EXPECT_EQ(f.evidence[1], "  [previous run] ConnectionError: GCS at rc-head-svc:6379 did not answer");

  // Running again after an OOM kill: worth a warning, not broken.
  w["status"]["containerStatuses"][0]["state"] = {{"running", {{"startedAt", "2026-12-04T08:59:00Z"}}}};
  w["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"] = "OOMKilled";
  w["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] = 137;
  auto warn = containers_finding({w}, {});
  EXPECT_EQ(warn.state, CheckState::Warn);
  EXPECT_NE(warn.evidence[0].find("OOMKilled (exit code 137"), std::string::npos);
  EXPECT_EQ(containers_finding({pod("rc-head-abcde", "head", "headgroup")}, {}).state, CheckState::Ok);
}

json slices(const std::string& target, bool ready) {
  json s = json::parse(R"({"kind":"EndpointSliceList","items":[{"addressType":"IPv4",
    "metadata":{"name":"rc-head-svc-x2k9d","labels":{"kubernetes.io/service-name":"rc-head-svc"}},
    "ports":[{"name":"gcs-server","port":6379}],
    "endpoints":[{"addresses":["10.244.0.7"],"conditions":{"serving":true,"terminating":false},
                  "targetRef":{"kind":"Pod","namespace":"default","name":")" +
                       target + R"("}}]}]})");
  s["items"][0]["endpoints"][0]["conditions"]["ready"] = ready;
  return s;
}

TEST(KubePodChecks, HeadServiceMustPointAtTheHeadPod) {
  json head = pod("rc-head-abcde", "head", "headgroup");
  KubeReply svc = KubeReply::of(200, json::parse(R"({"metadata":{"name":"rc-head-svc"},"spec":{"clusterIP":"None",
    "selector":{"ray.io/cluster":"rc","ray.io/node-type":"head"}}})"));
  auto ok = head_service_finding("rc-head-svc", svc, KubeReply::of(200, slices("rc-head-abcde", true)), &head);
  EXPECT_EQ(ok.state, CheckState::Ok);
  EXPECT_EQ(ok.summary, "→ head pod rc-head-abcde (10.244.0.7)");

  EXPECT_EQ(head_service_finding("rc-head-svc", svc, KubeReply::of(200, slices("rc-head-abcde", false)), &head).state,
            CheckState::Fail);

  json relabelled = head;
  relabelled["metadata"]["labels"]["ray.io/node-type"] = "worker";
  auto none = head_service_finding("rc-head-svc", svc, KubeReply::of(200, json::parse(R"({"items":[]})")), &relabelled);
  EXPECT_EQ(none.state, CheckState::Fail);
  ASSERT_EQ(none.evidence.size(), 2u);
  EXPECT_EQ(none.evidence[1], "its selector wants ray.io/node-type=head, the head pod has \"worker\"");

  auto missing =
      head_service_finding("rc-head-svc", KubeReply::of(404, nullptr, "services \"rc-head-svc\" not found"), {}, &head);
  EXPECT_EQ(missing.state, CheckState::Fail);
  EXPECT_EQ(missing.summary, "the head service does not exist");
}

TEST(KubePodChecks, RunningPodsMustBeAliveInTheGcs) {
  std::vector<json> pods = {pod("rc-head-abcde", "head", "headgroup", "10.244.0.7"),
                            pod("rc-small-worker-q8z4m", "worker", "small", "10.244.0.8")};
  std::vector<LiveNode> both = {{"a1", "10.244.0.7", true, true, 2, 0}, {"b2", "10.244.0.8", false, true, 2, 0}};
  EXPECT_EQ(joined_finding(pods, both, "").state, CheckState::Ok);

  std::vector<LiveNode> head_only = {{"a1", "10.244.0.7", true, true, 2, 0}};
  auto f = joined_finding(pods, head_only, "");
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_NE(f.summary.find("pods running but not joined"), std::string::npos);
  ASSERT_EQ(f.evidence.size(), 1u);  // the addresses compare: only the worker is named
  EXPECT_EQ(f.evidence[0], "pod rc-small-worker-q8z4m (small) 10.244.0.8 (worker): no ALIVE node has this address");

  // Addresses that do not compare (a NAT, a proxy): every running pod is listed, the count decides.
  std::vector<LiveNode> natted = {{"a1", "127.0.0.1", true, true, 2, 0}};
  EXPECT_EQ(joined_finding(pods, natted, "").evidence.size(), 2u);
  EXPECT_EQ(joined_finding({pods[0]}, natted, "").state, CheckState::Ok);

  EXPECT_EQ(joined_finding(pods, {}, "503 Service Unavailable").state, CheckState::Warn);
}

}  // namespace
}  // namespace rayctl
