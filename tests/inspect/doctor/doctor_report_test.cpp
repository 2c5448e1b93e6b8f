// The doctor's report model: which layer is broken, the stable JSON shape, and the catalogue of
// check IDs held together with man/rayctl-doctor.1.
#include "core/output.h"
#include "inspect/doctor/doctor_checks.h"
#include "inspect/doctor/doctor_walk.h"

#include "cluster/nodes/remote_runner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace rayctl {
namespace {

struct Walk {
  DoctorReport report;
  DoctorOptions opt;
  std::ostringstream out, err;
  IOStreams io = IOStreams::capture(out, err);
  CancelFlag cancel;
  DoctorContext ctx{report, opt, io, cancel};
  Walk() {
    report.layers = {DoctorLayer::Ssh,   DoctorLayer::Ray,       DoctorLayer::Dashboard,
                     DoctorLayer::Serve, DoctorLayer::Resources, DoctorLayer::App};
  }
};

TEST(DoctorReport, HealthyWhenNoCheckFails) {
  Walk w;
  w.ctx.ok("DR101", "head", "root@10.0.0.1:22");
  w.ctx.warn("DR401", "", "Serve is not running", {}, "");
  EXPECT_TRUE(w.report.healthy());
  EXPECT_EQ(w.report.exit_code(), ExitCode::Ok);
  EXPECT_EQ(w.report.first_failure(), nullptr);
  auto j = w.report.to_json();
  EXPECT_TRUE(j["healthy"].get<bool>());
  EXPECT_TRUE(j["broken_layer"].is_null());
  EXPECT_TRUE(j["first_failure"].is_null());
  // The warning carries the catalogue's fix; the passing check none.
  EXPECT_EQ(j["checks"][0]["fix"], "");
  EXPECT_EQ(j["checks"][1]["fix"], doctor_check("DR401").fix);
  EXPECT_EQ(j["layers"][0]["state"], "ok");
  EXPECT_EQ(j["layers"][1]["state"], "not-checked");
  EXPECT_EQ(j["layers"][3]["state"], "warn");
}

TEST(DoctorReport, FirstBrokenLayerInWalkOrderNotRecordOrder) {
  Walk w;
  w.ctx.ok("DR101", "head", "reachable");
  // Recorded first, but the serve layer comes after the ray layer in the walk.
  w.ctx.fail("DR404", "rag", "DEPLOY_FAILED", {"ModuleNotFoundError: No module named 'nope'"});
  w.ctx.fail("DR201", "worker-1", "raylet is not running", {"[raylet.out] ... killed"}, "restart it");
  ASSERT_FALSE(w.report.healthy());
  EXPECT_EQ(w.report.exit_code(), ExitCode::Unhealthy);
  EXPECT_EQ(*w.report.broken_layer(), DoctorLayer::Ray);
  ASSERT_NE(w.report.first_failure(), nullptr);
  EXPECT_EQ(w.report.first_failure()->id, "DR201");
  auto j = w.report.to_json();
  EXPECT_EQ(j["broken_layer"], "ray");
  EXPECT_EQ(j["first_failure"]["subject"], "worker-1");
  EXPECT_EQ(j["first_failure"]["fix"], "restart it");  // a check's own fix wins over the catalogue's
  EXPECT_EQ(j["first_failure"]["evidence"][0], "[raylet.out] ... killed");
  // Layers after the broken one are reported as not checked, whatever was recorded there.
  EXPECT_EQ(j["layers"][1]["state"], "fail");
  EXPECT_EQ(j["layers"][3]["state"], "not-checked");
}

TEST(DoctorReport, JsonKeysAreTheDocumentedOnes) {
  Walk w;
  w.report.target = "mycluster";
  w.report.provider = "ssh";
  w.ctx.fail("DR101", "head", "connection refused");
  auto j = w.report.to_json();
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  EXPECT_EQ(keys, (std::set<std::string>{"target", "provider", "healthy", "broken_layer", "first_failure", "layers",
                                         "checks", "seconds"}));
  std::set<std::string> check_keys;
  for (auto it = j["checks"][0].begin(); it != j["checks"][0].end(); ++it) check_keys.insert(it.key());
  EXPECT_EQ(check_keys, (std::set<std::string>{"id", "layer", "title", "subject", "state", "summary", "evidence", "fix",
                                               "seconds"}));
  EXPECT_EQ(j["checks"][0]["title"], doctor_check("DR101").title);
  EXPECT_EQ(j["checks"][0]["layer"], "ssh");
}

TEST(DoctorWalk, ADeferredCheckIsRecordedWhenItsLayerIsReachedAndNeverBefore) {
  Walk w;
  w.ctx.begin_layer(DoctorLayer::Ray);
  w.ctx.at_layer(DoctorLayer::Resources, [](DoctorContext& c) { c.fail("DR502", "big-gpu", "num-gpus 4, limit 1"); });
  w.ctx.ok("DR201", "head", "raylet running");
  w.ctx.begin_layer(DoctorLayer::Dashboard);
  w.ctx.ok("DR301", "", "Ray 2.60.0");
  ASSERT_EQ(w.report.checks.size(), 2u);  // not yet: the walk has not reached the resources layer
  EXPECT_TRUE(w.report.healthy());
  w.ctx.begin_layer(DoctorLayer::Resources);
  ASSERT_EQ(w.report.checks.size(), 3u);
  EXPECT_EQ(w.report.checks.back().id, "DR502");
  EXPECT_EQ(*w.report.broken_layer(), DoctorLayer::Resources);
  w.ctx.begin_layer(DoctorLayer::Resources);  // recorded once only
  EXPECT_EQ(w.report.checks.size(), 3u);

  Walk stopped;  // a walk that stops at the ray layer never records it
  stopped.ctx.at_layer(DoctorLayer::Resources, [](DoctorContext& c) { c.fail("DR502", "", "x"); });
  stopped.ctx.begin_layer(DoctorLayer::Ray);
  stopped.ctx.fail("DR201", "worker-1", "raylet is not running");
  EXPECT_EQ(stopped.report.checks.size(), 1u);
  EXPECT_EQ(*stopped.report.broken_layer(), DoctorLayer::Ray);
}

TEST(DoctorReport, UnknownCheckIdIsAnInternalError) {
  Walk w;
  EXPECT_THROW(w.ctx.ok("DR999", "", "x"), Error);
  EXPECT_TRUE(w.report.checks.empty());
}

TEST(DoctorChecks, IdsAreUniqueAndInLayerOrder) {
  std::set<std::string> seen;
  int last_layer = -1;
  for (const auto& c : doctor_checks()) {
    EXPECT_TRUE(seen.insert(c.id).second) << c.id;
    EXPECT_GE(static_cast<int>(c.layer), last_layer) << c.id << " is listed out of walk order";
    last_layer = static_cast<int>(c.layer);
    EXPECT_TRUE(std::regex_match(std::string(c.id), std::regex("DR[1-6][0-9][0-9]"))) << c.id;
    EXPECT_FALSE(std::string(c.fix).empty()) << c.id;
  }
  for (const char* name : {"ssh", "kubernetes", "kuberay", "pods", "ray", "dashboard", "serve", "resources", "app"})
    EXPECT_EQ(layer_name(*parse_layer(name)), std::string(name));
  EXPECT_FALSE(parse_layer("network"));
}

TEST(DoctorChecks, EveryIdIsDocumentedInTheManPageAndNoOther) {
  std::ifstream in(std::string(RAYCTL_SOURCE_DIR) + "/man/rayctl-doctor.1");
  ASSERT_TRUE(in) << "man/rayctl-doctor.1 is missing";
  std::stringstream text;
  text << in.rdbuf();
  std::string man = text.str();
  std::set<std::string> documented;
  std::regex entry(R"(\n\.B (DR[0-9]+) ([a-z]+)\n)");
  for (auto it = std::sregex_iterator(man.begin(), man.end(), entry); it != std::sregex_iterator(); ++it) {
    std::string id = (*it)[1], layer = (*it)[2];
    documented.insert(id);
    EXPECT_NO_THROW(doctor_check(id)) << "man page documents " << id << ", which doctor does not have";
    if (layer_name(doctor_check(id).layer) != layer) ADD_FAILURE() << id << " is documented under layer " << layer;
  }
  for (const auto& c : doctor_checks()) {
    EXPECT_TRUE(documented.count(c.id)) << c.id << " is not in man/rayctl-doctor.1";
  }
}

}  // namespace
}  // namespace rayctl
