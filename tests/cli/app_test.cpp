// The root of the command line, in-process: help, unknown commands, where errors go with and
// without -o json, and colour switched off by --no-color and NO_COLOR.
#include "cli_harness.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace rayctl::cli;
using namespace rayctl::cli::testing;

TEST(Root, HelpListsTheCommandsInTableOrder) {
  auto r = run_cli({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  size_t last = 0;
  for (const auto& c : command_table()) {
    size_t at = r.out.find(std::string("\n  ") + c.name + " ");
    ASSERT_NE(at, std::string::npos) << c.name << " missing from:\n" << r.out;
    EXPECT_GT(at, last) << c.name << " out of table order in:\n" << r.out;
    last = at;
  }
  EXPECT_EQ(std::string(command_table().front().name), "validate");
  EXPECT_EQ(std::string(command_table().back().name), "completion");
  EXPECT_TRUE(contains(r.out, "Exit status: 0 ok, 1 error, 2 usage")) << r.out;
}

TEST(Root, NoArgumentsPrintsHelpAndExitsTwo) {
  auto r = run_cli({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.out, "inference")) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(Root, VersionFlagPrintsTheVersion) {
  auto r = run_cli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("rayctl ") + RAYCTL_VERSION + "\n");
}

TEST(Root, UnknownCommandExitsTwoWithASuggestion) {
  auto r = run_cli({"valdate", "cluster.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'valdate'")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'validate'?")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;

  auto far = run_cli({"-o", "table", "no-such-command"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_TRUE(contains(far.err, "unknown command 'no-such-command'")) << far.err;
  EXPECT_TRUE(contains(far.err, "rayctl --help lists every command")) << far.err;
  EXPECT_FALSE(contains(far.err, "did you mean")) << far.err;
}

TEST(Root, ExtraArgumentsAfterACommandAreAUsageErrorNotAnUnknownCommand) {
  auto r = run_cli({"version", "extra"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "extra")) << r.err;
  EXPECT_FALSE(contains(r.err, "unknown command")) << r.err;
}

// With -o json every error is one JSON object on stderr (gh, kubectl): rayctl's own, an unknown
// command, and the command-line parser's complaints alike; stdout keeps only data.
TEST(Root, JsonErrorsGoToStderrWhateverRaisedThem) {
  auto r = run_cli({"-o", "json", "inference", "run", "--model", "/nonexistent/model.gguf", "Hi"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  auto j = nlohmann::json::parse(r.err);
  EXPECT_EQ(j["error"]["kind"], "not_found");
  EXPECT_EQ(j["error"]["exit_code"], 1);
  EXPECT_TRUE(contains(j["error"]["message"].get<std::string>(), "/nonexistent/model.gguf")) << r.err;
  EXPECT_TRUE(j["error"]["hint"].is_string()) << r.err;

  auto unknown = run_cli({"-o", "json", "valdate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(unknown.out.empty()) << unknown.out;
  EXPECT_EQ(nlohmann::json::parse(unknown.err)["error"]["kind"], "usage");

  // -o comes after the error here: the parser stops at the missing --model before storing it.
  auto parse = run_cli({"inference", "run", "Hi", "-o", "json"});
  EXPECT_EQ(parse.exit_code, 2);
  EXPECT_TRUE(parse.out.empty()) << parse.out;
  auto pj = nlohmann::json::parse(parse.err);
  EXPECT_EQ(pj["error"]["kind"], "usage");
  EXPECT_TRUE(contains(pj["error"]["message"].get<std::string>(), "--model is required")) << parse.err;
  EXPECT_EQ(pj["error"]["hint"], "rayctl inference run --help shows its usage");

  auto text = run_cli({"inference", "run", "Hi"});
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_TRUE(contains(text.err, "error: --model is required")) << text.err;
}

TEST(Root, AMistypedSubcommandSuggestsTheNearestOne) {
  auto r = run_cli({"serve", "delpoy", "app.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'delpoy' for 'rayctl serve'")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'deploy'?")) << r.err;

  auto inference = run_cli({"inference", "srve"});
  EXPECT_EQ(inference.exit_code, 2);
  EXPECT_TRUE(contains(inference.err, "did you mean 'serve'?")) << inference.err;

  auto none = run_cli({"serve"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(contains(none.err, "rayctl serve --help")) << none.err;
}

// kubectl and gh list inherited flags in every subcommand's help.
TEST(Root, EverySubcommandsHelpListsTheGlobalFlags) {
  for (const std::vector<std::string>& words : std::vector<std::vector<std::string>>{
           {"validate"}, {"up"}, {"serve", "deploy"}, {"serve", "delete"}, {"inference", "run"}, {"version"}}) {
    auto args = words;
    args.push_back("--help");
    auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto at = r.out.find("Global Flags:");
    ASSERT_NE(at, std::string::npos) << words.back() << ":\n" << r.out;
    for (const char* flag : {"-o,--output", "-v,--verbose", "-q,--quiet", "--no-color"})
      EXPECT_NE(r.out.find(flag, at), std::string::npos) << flag << " in " << words.back();
  }
  EXPECT_FALSE(contains(run_cli({"--help"}).out, "Global Flags:"));  // the root lists them as its own
}

TEST(Root, OutputWideIsRefusedWithWhatToUseInstead) {
  auto r = run_cli({"version", "-o", "wide"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(contains(r.err, "-o wide adds no columns")) << r.err;
  EXPECT_TRUE(contains(r.err, "-o json")) << r.err;
}

TEST(Root, ErrorsAreColouredOnlyWhenColourIsOn) {
  const std::vector<std::string> bad = {"inference", "run", "--model", "/nonexistent/model.gguf", "Hi"};
  auto coloured = run_cli(bad, {.tty = true, .color = true});
  EXPECT_EQ(coloured.exit_code, 1);
  EXPECT_TRUE(contains(coloured.err, "\x1b[")) << "the control case: colour on a colour terminal\n" << coloured.err;

  std::vector<std::string> flagged = bad;
  flagged.insert(flagged.begin(), "--no-color");
  auto flag = run_cli(flagged, {.tty = true, .color = true});
  EXPECT_EQ(flag.exit_code, 1);
  EXPECT_TRUE(contains(flag.err, "error:")) << flag.err;
  EXPECT_FALSE(contains(flag.err, "\x1b[")) << flag.err;

  auto env = run_cli(bad, {.tty = true, .color = true, .env = {{"NO_COLOR", "1"}}});
  EXPECT_EQ(env.exit_code, 1);
  EXPECT_TRUE(contains(env.err, "error:")) << env.err;
  EXPECT_FALSE(contains(env.err, "\x1b[")) << env.err;
}

TEST(Root, EachRunStartsFromAFreshCommandTree) {
  EXPECT_EQ(run_cli({"-o", "json", "version"}).out.front(), '{');
  auto table = run_cli({"version"});  // -o json from the previous run must not linger
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_EQ(table.out.rfind("rayctl ", 0), 0u) << table.out;
}
