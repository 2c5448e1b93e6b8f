// JsonChange: named lists matched by name, empty values as absent, one change per added element.
#include "inspect/diff/json_diff.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

using json = nlohmann::json;

TEST(JsonDiff, NamesTheElementOfANamedListThatChanged) {
  json a = json::parse(R"({"workerGroupSpecs":[{"groupName":"cpu","replicas":1},
      {"groupName":"gpu","template":{"spec":{"containers":[{"name":"w","image":"ray:2.9"}]}}}]})");
  json b = json::parse(R"({"workerGroupSpecs":[{"groupName":"gpu","template":{"spec":{"containers":[
      {"name":"w","image":"ray:2.10"}]}}},{"groupName":"cpu","replicas":1}]})");
  auto d = diff_json(a, b);
  ASSERT_EQ(d.size(), 1u);  // reordering alone is no change here (cluster_spec_rules checks order)
  EXPECT_EQ(d[0].path(), "workerGroupSpecs[gpu].template.spec.containers[w].image");
  EXPECT_EQ(d[0].before, "ray:2.9");
  EXPECT_EQ(d[0].after, "ray:2.10");
}

TEST(JsonDiff, EmptyValuesCountAsAbsentLikeGoOmitempty) {
  json a = json::parse(R"({"rayStartParams":{},"x":null,"l":[]})");
  json b = json::parse(R"({})");
  EXPECT_TRUE(diff_json(a, b).empty());
  EXPECT_EQ(diff_json(a, json::parse(R"({"rayStartParams":{"num-cpus":"1"}})")).size(), 1u);
}

TEST(JsonDiff, AnAddedElementIsOneChangeAndUnnamedListsAreWhole) {
  json a = json::parse(R"({"g":[{"groupName":"a"}],"args":["x","y"]})");
  json b = json::parse(R"({"g":[{"groupName":"a"},{"groupName":"b","replicas":2}],"args":["x","z"]})");
  auto d = diff_json(a, b);
  ASSERT_EQ(d.size(), 2u);  // keys come in nlohmann's (sorted) order
  EXPECT_EQ(d[0].path(), "args");
  EXPECT_EQ(d[1].path(), "g[b]");
  EXPECT_TRUE(d[1].before.is_null());
  EXPECT_EQ(d[1].after["replicas"], 2);
}

TEST(JsonDiff, IntegersAndFloatsOfTheSameValueAreEqual) {
  EXPECT_TRUE(diff_json(json::parse(R"({"n":1})"), json::parse(R"({"n":1.0})")).empty());
}

}  // namespace
}  // namespace rayctl
