#include "core/diagnostics.h"
#include "core/suggest.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace rayctl;

TEST(Diagnostics, CompilerStyleWithSourceAndCaret) {
  SourceCache sources;
  sources.add("cluster.yaml", "a: 1\n  min_worker: 2\n");
  Diagnostic d{"RL012", Severity::Error, {"cluster.yaml", 2, 3}, "unknown key 'min_worker'", "rename it", std::nullopt,
               {}};
  std::ostringstream os;
  render_diagnostic(os, d, sources, {false, true});
  EXPECT_EQ(os.str(),
            "cluster.yaml:2:3: error[RL012]: unknown key 'min_worker'\n"
            " 2 |   min_worker: 2\n"
            "   |   ^\n"
            "  hint: rename it\n");
}

TEST(Diagnostics, PlainWhenNotATtyAndRelatedLocation) {
  SourceCache sources;
  Diagnostic d{"RL301",
               Severity::Warning,
               {"serve.yaml", 9, 11},
               "asks for 2 GPUs",
               "",
               SourceLoc{"cluster.yaml", 4, 3},
               "largest node offers 1"};
  std::ostringstream os;
  render_diagnostic(os, d, sources, {false, false});
  EXPECT_EQ(os.str(),
            "serve.yaml:9:11: warning[RL301]: asks for 2 GPUs\ncluster.yaml:4:3: note: largest node offers 1\n");
  auto j = to_json(d);
  EXPECT_EQ(j["severity"], "warning");
  EXPECT_EQ(j["line"], 9);
  EXPECT_EQ(j["related"]["file"], "cluster.yaml");
  EXPECT_TRUE(j["hint"].is_null());
}

TEST(Diagnostics, ColourOnlyWhenAsked) {
  SourceCache sources;
  Diagnostic d{"RL001", Severity::Error, {"x.yaml", 1, 1}, "m", "", std::nullopt, {}};
  std::ostringstream plain, colour;
  render_diagnostic(plain, d, sources, {false, false});
  render_diagnostic(colour, d, sources, {true, false});
  EXPECT_EQ(plain.str().find('\x1b'), std::string::npos);
  EXPECT_NE(colour.str().find('\x1b'), std::string::npos);
}

TEST(Diagnostics, CountsAndSort) {
  Diagnostics ds;
  ds.warning("RL2", {"b.yaml", 1, 1}, "w");
  ds.error("RL1", {"a.yaml", 5, 1}, "e");
  ds.error("RL3", {"a.yaml", 2, 7}, "e2");
  EXPECT_EQ(ds.error_count(), 2u);
  EXPECT_EQ(ds.warning_count(), 1u);
  ds.sort();
  EXPECT_EQ(ds.items()[0].id, "RL3");
  EXPECT_EQ(ds.items()[2].id, "RL2");
}

TEST(Suggest, ClosestMatch) {
  EXPECT_EQ(closest_match("min_worker", {"min_workers", "max_workers", "resources"}), "min_workers");
  EXPECT_EQ(closest_match("num_gpu", {"num_cpus", "num_gpus"}), "num_gpus");
  EXPECT_EQ(closest_match("zzzzzz", {"num_cpus", "num_gpus"}), "");
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}
