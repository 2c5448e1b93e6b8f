#include "core/json_yaml.h"
#include "core/error.h"
#include "core/output.h"
#include "core/state_store.h"
#include "core/yaml_source.h"

#include <gtest/gtest.h>

#include <sstream>
#include <utility>

using namespace rayctl;

TEST(JsonYaml, PyYamlTyping) {
  // Ray's reader (PyYAML, YAML 1.1): 1e3 has no dot, so it is a string; yes/off are booleans.
  auto j =
      yaml_to_json(YAML::Load("a: 1\nb: '1'\nc: true\nd: ~\ne: 0.5\nf: hello\ng: [1, x]\nh: 1.0e+3\n"
                              "i: 1e3\nj: yes\nk: off\nl: 0o17\nm: 017\nn: 1_000\no: 1:30\n"));
  EXPECT_TRUE(j["a"].is_number_integer());
  EXPECT_TRUE(j["b"].is_string());
  EXPECT_TRUE(j["c"].is_boolean());
  EXPECT_TRUE(j["d"].is_null());
  EXPECT_DOUBLE_EQ(j["e"].get<double>(), 0.5);
  EXPECT_EQ(j["f"], "hello");
  EXPECT_EQ(j["g"][1], "x");
  EXPECT_DOUBLE_EQ(j["h"].get<double>(), 1000.0);
  EXPECT_EQ(j["i"], "1e3");
  EXPECT_EQ(j["j"], true);
  EXPECT_EQ(j["k"], false);
  EXPECT_EQ(j["l"], "0o17");
  EXPECT_EQ(j["m"], 15);
  EXPECT_EQ(j["n"], 1000);
  EXPECT_EQ(j["o"], 90);
}

TEST(JsonYaml, GoYamlTypingForKubernetesManifests) {
  // sigs.k8s.io/yaml (goyaml v2): y/n are booleans too, Go's number syntax (0o17, 1e3), no base 60.
  auto j = yaml_to_json(YAML::Load("a: y\nb: 0o17\nc: 1e3\nd: 1:30\ne: 017\nf: 2024-01-02\ng: yes\n"),
                        YamlDialect::GoYamlV2);
  EXPECT_EQ(j["a"], true);
  EXPECT_EQ(j["b"], 15);
  EXPECT_DOUBLE_EQ(j["c"].get<double>(), 1000.0);
  EXPECT_EQ(j["d"], "1:30");
  EXPECT_EQ(j["e"], 15);
  EXPECT_EQ(j["f"], "2024-01-02");
  EXPECT_EQ(j["g"], true);
}

TEST(JsonYaml, EmitsQuotesForStringsAnyReaderWouldType) {
  nlohmann::json j = {{"a", "yes"}, {"b", "y"}, {"c", "1e3"}, {"d", "0o17"}, {"e", "1:30"}, {"f", "~"}};
  std::string text = to_yaml_text(j);
  EXPECT_EQ(yaml_to_json(YAML::Load(text)), j) << text;
  EXPECT_EQ(yaml_to_json(YAML::Load(text), YamlDialect::GoYamlV2), j) << text;
}

TEST(JsonYaml, RoundTripKeepsStringsThatLookLikeOtherTypes) {
  nlohmann::json j = {{"num-gpus", "1"}, {"flag", "true"},          {"empty", ""},        {"n", 2},
                      {"f", 1.5},        {"multi", "a: 1\nb: 2\n"}, {"list", {1, "two"}}, {"nil", nullptr}};
  auto back = yaml_to_json(YAML::Load(to_yaml_text(j)));
  EXPECT_EQ(back, j);
}

TEST(Output, TableAlignsUnicodeAndUppercasesHeaders) {
  Table t({"node", "status"});
  t.add_row({"head", "ALIVE"});
  t.add_row({"wörker-é", "DEAD"});
  std::ostringstream os;
  t.print(os);
  EXPECT_EQ(os.str(), "NODE      STATUS\nhead      ALIVE\nwörker-é  DEAD\n");
  EXPECT_EQ(display_width("日本"), 4u);
  EXPECT_EQ(display_width("\x1b[31mred\x1b[0m"), 3u);
}

TEST(Output, FormatsAndProgressWithoutTty) {
  EXPECT_EQ(parse_output_format("json"), OutputFormat::Json);
  EXPECT_THROW(parse_output_format("xml"), std::exception);
  std::ostringstream out, err;
  IOStreams io = IOStreams::capture(out, err);
  {
    ProgressBoard b(io);
    b.set("worker-1", "setting up");
    b.set("worker-1", "setting up");  // unchanged: no new line
    b.set("worker-1", "up-to-date");
  }
  EXPECT_EQ(err.str(), "worker-1: setting up\nworker-1: up-to-date\n");
  std::ostringstream data;
  print_data(data, OutputFormat::Yaml, {{"a", 1}});
  EXPECT_EQ(data.str(), "a: 1\n");
}

// "Billion laughs" (10^7 values from ten lines, a fuzz finding): the conversion stops with a
// clear error.
static const std::string kAliasBomb =
    std::string(RAYCTL_TEST_DATA) + "/fixtures/fuzz-regressions/config-alias-bomb.yaml";

TEST(JsonYaml, AliasBombIsRefused) {
  YAML::Node n = YAML::Load(read_file_or_throw(kAliasBomb));
  try {
    yaml_to_json(n);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_NE(e.message().find("aliases"), std::string::npos) << e.message();
  }
  // Modest alias use still converts.
  auto j = yaml_to_json(YAML::Load("base: &b {cpu: 1}\nhead: *b\nworker: *b\n"));
  EXPECT_EQ(j["worker"]["cpu"], 1);
}

// A node of a loaded file: the error names file:line:column, offsets of embedded YAML included.
// A bare node: the message carries yaml-cpp's line and column instead.
TEST(JsonYaml, KeyErrorsNameTheFileWhenTheDocumentIsKnown) {
  const std::string text = "a:\n  [x]: 1\n";
  for (const auto& [f, where] : {std::pair{YamlFile::parse("k.yaml", text), "k.yaml:2:3"},
                                 std::pair{YamlFile::parse("m.yaml", text, 10, 4), "m.yaml:12:7"}}) {
    try {
      yaml_to_json(f.documents.at(0), f.documents.at(0).root);
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Invalid);
      EXPECT_EQ(e.loc().str(), where);
      EXPECT_EQ(e.message(), "a mapping key is a list; keys must be plain strings");
      EXPECT_NE(e.hint().find("quote"), std::string::npos) << e.hint();
    }
  }
  try {
    yaml_to_json(YAML::Load(text));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(e.loc().file.empty());
    EXPECT_EQ(e.message(), "a mapping key (line 2, column 3) is a list; keys must be plain strings");
  }
}

// A node that contains itself (a: &a [*a]) when it did not come through YamlFile::parse.
TEST(JsonYaml, NodeThatContainsItselfIsRefused) {
  try {
    yaml_to_json(YAML::Load("a: &a [*a]\n"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
    EXPECT_NE(e.message().find("nests deeper than 1000 levels"), std::string::npos) << e.message();
  }
}
