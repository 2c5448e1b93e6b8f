#include "core/yaml_source.h"
#include "core/error.h"
#include "core/yaml_reader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

using namespace rayctl;

TEST(YamlSource, PositionsAreOneBasedAndOffsetForEmbeddedDocs) {
  auto f = YamlFile::parse("c.yaml", "a: 1\nb:\n  c: x\n");
  ASSERT_EQ(f.documents.size(), 1u);
  const auto& d = f.documents[0];
  auto loc = d.loc(d.root["b"]["c"]);
  EXPECT_EQ(loc.str(), "c.yaml:3:6");
  auto g = YamlFile::parse("m.yaml", "x: 1\n", 10, 4);
  EXPECT_EQ(g.documents[0].loc(g.documents[0].root["x"]).str(), "m.yaml:11:8");
}

TEST(YamlSource, MultiDocumentSkipsEmptyDocuments) {
  auto f = YamlFile::parse("m.yaml", "a: 1\n---\n---\nb: 2\n");
  ASSERT_EQ(f.documents.size(), 2u);
  EXPECT_EQ(f.documents[1].index, 2);
  EXPECT_EQ(f.documents[1].loc(f.documents[1].root["b"]).line, 4);
}

TEST(YamlSource, SyntaxErrorCarriesPosition) {
  try {
    YamlFile::parse("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_EQ(e.loc().file, "bad.yaml");
    EXPECT_GT(e.loc().line, 1);
    EXPECT_NE(e.message().find("YAML syntax error"), std::string::npos);
  }
}

// yaml-cpp 0.7 leaves a ',' outside [ ] or { } unconsumed and yields an empty document for it
// forever; YAML::LoadAll alone would grow its vector until memory runs out.
TEST(YamlSource, StrayCommaIsASyntaxErrorNotEndlessDocuments) {
  const std::string input =
      std::string(RAYCTL_TEST_DATA) + "/fixtures/fuzz-regressions/config-stray-comma-endless-documents.yaml";
  try {
    YamlFile::load(input);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_EQ(e.loc().str(), input + ":1:1");
    EXPECT_EQ(e.message(), "YAML syntax error: unexpected ',' where a value should start");
    EXPECT_NE(e.hint().find("inside [ ] or { }"), std::string::npos) << e.hint();
  }
  for (const auto& [text, where] : std::vector<std::pair<std::string, std::string>>{{",", "s.yaml:1:1"},
                                                                                    {"a: 1\n...\n,\n", "s.yaml:3:1"},
                                                                                    {"- a\n,\n", "s.yaml:2:1"},
                                                                                    {"&x ,", "s.yaml:1:4"},
                                                                                    {"a\n---\n ,\n", "s.yaml:3:2"},
                                                                                    {"\xEF\xBB\xBF,", "s.yaml:1:1"}}) {
    try {
      YamlFile::parse("s.yaml", text);
      ADD_FAILURE() << "expected an error for " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.loc().str(), where) << text;
      EXPECT_NE(e.message().find("unexpected ','"), std::string::npos) << e.message();
    }
  }
  // Offsets for embedded YAML apply to this error too.
  try {
    YamlFile::parse("m.yaml", "a\n...\n,\n", 10, 4);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.loc().str(), "m.yaml:13:5");
  }
  // Commas where YAML allows them are untouched.
  auto ok = YamlFile::parse("ok.yaml", "a: [1, 2]\nb: {c: 1, d: 2}\ne: x, y\n---\n- x\n");
  ASSERT_EQ(ok.documents.size(), 2u);
  EXPECT_EQ(ok.documents[0].root["e"].Scalar(), "x, y");
}

TEST(YamlSource, StreamsPastTheDocumentCapAreRefused) {
  std::string at_cap;
  for (size_t i = 0; i < kMaxYamlDocuments; ++i) at_cap += "---\na: 1\n";
  EXPECT_EQ(YamlFile::parse("cap.yaml", at_cap).documents.size(), kMaxYamlDocuments);
  // Empty documents count too: they cost a node each in YAML::LoadAll.
  std::string past = "a: 1\n";
  for (size_t i = 0; i < kMaxYamlDocuments; ++i) past += "---\n";
  try {
    YamlFile::parse("many.yaml", past);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_EQ(e.loc().str(), fmt::format("many.yaml:{}:1", kMaxYamlDocuments + 1));
    EXPECT_NE(e.message().find("more than 1000 YAML documents"), std::string::npos) << e.message();
    EXPECT_NE(e.hint().find("split"), std::string::npos) << e.hint();
  }
}

// yaml-cpp lets an alias name the node it sits in; the node then contains itself and any
// recursive walk overflows the stack (a fuzz finding: `rayctl validate` crashed).
TEST(YamlSource, AliasInsideItsOwnNodeIsRefusedAtLoad) {
  const std::string input =
      std::string(RAYCTL_TEST_DATA) + "/fixtures/fuzz-regressions/config-alias-inside-its-own-node.yaml";
  try {
    YamlFile::load(input);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_EQ(e.loc().str(), input + ":2:4");  // b: &b [*b, ...]
    EXPECT_NE(e.message().find("alias (*name) to its own anchor"), std::string::npos) << e.message();
  }
  for (const auto& [text, where] : std::vector<std::pair<std::string, std::string>>{
           {"a: &a [*a]\n", "s.yaml:1:4"}, {"x: 1\na: &a {k: [1, *a]}\n", "s.yaml:2:4"}}) {
    try {
      YamlFile::parse("s.yaml", text);
      ADD_FAILURE() << "expected an error for " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.loc().str(), where) << text;
      EXPECT_NE(e.message().find("repeats itself without end"), std::string::npos) << e.message();
    }
  }
}

// Aliases that name aliases add their nesting up; past kMaxYamlDepth levels a document is refused
// even without a loop, so walkers' recursion stays bounded.
TEST(YamlSource, NestingPastTheDepthCapIsRefused) {
  auto nest = [](const std::string& inner) { return std::string(400, '[') + inner + std::string(400, ']'); };
  const std::string two = "d: &d " + nest("x") + "\ne: &e " + nest("*d") + "\n";
  EXPECT_EQ(YamlFile::parse("ok.yaml", two).documents.size(), 1u);  // 801 levels
  try {
    YamlFile::parse("deep.yaml", two + "f: " + nest("*e") + "\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_EQ(e.loc().file, "deep.yaml");
    EXPECT_NE(e.message().find("nests deeper than 1000 levels"), std::string::npos) << e.message();
  }
}

TEST(YamlSource, MissingFileIsIoError) {
  try {
    YamlFile::load("/nonexistent/x.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
}

TEST(YamlMapReader, UnknownKeySuggestsClosestKnownKey) {
  auto f = YamlFile::parse("c.yaml", "gpu:\n  min_worker: 1\n  max_workers: 2\n");
  const auto& d = f.documents[0];
  Diagnostics diags;
  YamlMapReader r(d, d.root["gpu"], "available_node_types.gpu", diags);
  r.integer("min_workers", 0);
  r.integer("max_workers", 0);
  r.report_unknown();
  ASSERT_EQ(diags.items().size(), 1u);
  const auto& x = diags.items()[0];
  EXPECT_EQ(x.id, "RL012");
  EXPECT_EQ(x.loc.str(), "c.yaml:2:3");
  EXPECT_EQ(x.message, "unknown key 'min_worker' in available_node_types.gpu (did you mean 'min_workers'?)");
}

TEST(YamlMapReader, TypesAndRanges) {
  auto f = YamlFile::parse("t.yaml",
                           "n: '4'\nm: -1\nb: maybe\nl: [a, {x: 1}]\ne: Foo\nf: 1.5\n"
                           "y: yes\ni: 1_000\ng: 1e3\n");
  const auto& d = f.documents[0];
  Diagnostics diags;
  YamlMapReader r(d, d.root, "", diags);
  EXPECT_FALSE(r.integer("n"));  // quoted: a string, not an integer
  EXPECT_FALSE(r.integer("m", 0));
  EXPECT_FALSE(r.boolean("b"));
  EXPECT_FALSE(r.str_list("l"));
  EXPECT_FALSE(r.one_of("e", {"Disabled", "HeadOnly", "EveryNode"}));
  EXPECT_EQ(r.number("f").value(), 1.5);
  EXPECT_EQ(r.boolean("y"), true);          // PyYAML (YAML 1.1), as Ray reads it
  EXPECT_EQ(r.integer("i").value(), 1000);  // 1_000
  EXPECT_FALSE(r.number("g"));              // 1e3 is a string for PyYAML (no dot)
  ASSERT_EQ(diags.error_count(), 6u);
  EXPECT_EQ(diags.items()[0].id, "RL010");
  EXPECT_EQ(diags.items()[1].id, "RL011");
  EXPECT_EQ(diags.items()[1].loc.str(), "t.yaml:2:4");
  EXPECT_EQ(diags.items()[3].loc.str(), "t.yaml:4:8");
  EXPECT_EQ(diags.items()[4].id, "RL015");
}

TEST(YamlMapReader, RequiredAndDeprecated) {
  auto f = YamlFile::parse("t.yaml", "max_concurrent_queries: 5\n");
  const auto& d = f.documents[0];
  Diagnostics diags;
  YamlMapReader r(d, d.root, "deployments[0]", diags);
  EXPECT_FALSE(r.str("name", true));
  auto old = r.deprecated("max_concurrent_queries", "max_ongoing_requests");
  EXPECT_TRUE(old.IsDefined());
  r.report_unknown();
  ASSERT_EQ(diags.items().size(), 2u);
  EXPECT_EQ(diags.items()[0].id, "RL013");
  EXPECT_EQ(diags.items()[1].id, "RL014");
  EXPECT_EQ(diags.items()[1].severity, Severity::Warning);
}

TEST(YamlMapReader, NotAMappingIsReported) {
  auto f = YamlFile::parse("t.yaml", "provider: [1, 2]\n");
  Diagnostics diags;
  YamlMapReader r(f.documents[0], f.documents[0].root["provider"], "provider", diags);
  EXPECT_FALSE(r.is_map());
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].loc.str(), "t.yaml:1:11");
}

TEST(ParseNumbers, StrictParsing) {
  EXPECT_EQ(parse_int("42").value(), 42);
  EXPECT_FALSE(parse_int("4x"));
  EXPECT_FALSE(parse_int(""));
  EXPECT_FALSE(parse_int("99999999999999999999"));
  EXPECT_DOUBLE_EQ(parse_double("0.25").value(), 0.25);
  EXPECT_FALSE(parse_double("abc"));
}

// "Billion laughs": refused at load, with the file, before any check walks the document.
TEST(YamlSource, AliasBombIsRefusedAtLoad) {
  const std::string bomb = std::string(RAYCTL_TEST_DATA) + "/fixtures/fuzz-regressions/config-alias-bomb.yaml";
  try {
    YamlFile::load(bomb);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_EQ(e.loc().file, bomb);
    EXPECT_NE(e.message().find("aliases"), std::string::npos) << e.message();
  }
  EXPECT_EQ(YamlFile::parse("ok.yaml", "base: &b {cpu: 1}\nhead: *b\nworker: *b\n").documents.size(), 1u);
}
