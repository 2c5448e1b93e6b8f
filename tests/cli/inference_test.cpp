// `rayctl inference` command lines that are refused before any model is loaded: missing or
// conflicting flags, out-of-range values, a model path that does not exist. In-process.
#include "cli_harness.h"

#ifdef RAYCTL_HAVE_CUDA
#include "inference/cuda/cuda_backend.h"
#endif
#include <gtest/gtest.h>

using namespace rayctl::cli::testing;

TEST(InferenceCli, RunWithoutModelIsAUsageError) {
  auto r = run_cli({"inference", "run", "What is Ray Serve?"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--model is required")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(InferenceCli, RunWithoutPromptIsAUsageError) {
  auto r = run_cli({"inference", "run", "--model", "/nonexistent/model.gguf"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "prompt")) << r.err;
}

TEST(InferenceCli, InferenceNeedsASubcommand) {
  auto r = run_cli({"inference"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "subcommand")) << r.err;
}

TEST(InferenceCli, OutOfRangeValuesAreUsageErrors) {
  EXPECT_EQ(run_cli({"inference", "run", "-m", "m.gguf", "--temperature", "3", "Hi"}).exit_code, 2);
  EXPECT_EQ(run_cli({"inference", "serve", "-m", "m.gguf", "--port", "70000"}).exit_code, 2);
  EXPECT_EQ(run_cli({"inference", "serve", "-m", "m.gguf", "--device", "tpu"}).exit_code, 2);
  EXPECT_EQ(run_cli({"inference", "run", "-m", "m.gguf", "--precision", "half", "Hi"}).exit_code, 2);
}

// -n means --namespace across rayctl; run's token limit is --max-tokens only (#16).
TEST(InferenceCli, RunHasNoDashN) {
  auto r = run_cli({"inference", "run", "-m", "m.gguf", "-n", "5", "Hi"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "-n")) << r.err;
}

TEST(InferenceCli, MissingModelFileIsNotFound) {
  auto r = run_cli({"inference", "run", "--model", "/nonexistent/model.gguf", "Hi"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--model /nonexistent/model.gguf: no such file or directory")) << r.err;
  EXPECT_TRUE(contains(r.err, "hint:")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(InferenceCli, BenchNeedsExactlyOneOfUrlAndModel) {
  auto neither = run_cli({"inference", "bench"});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_TRUE(contains(neither.err, "give exactly one of --url")) << neither.err;
  auto both = run_cli({"inference", "bench", "--url", "http://127.0.0.1:1", "--model", "m.gguf"});
  EXPECT_EQ(both.exit_code, 2);
  auto level = run_cli({"inference", "bench", "--url", "http://127.0.0.1:1", "--concurrency", "1,0"});
  EXPECT_EQ(level.exit_code, 2);
  EXPECT_TRUE(contains(level.err, "--concurrency 0")) << level.err;
}

#ifdef RAYCTL_HAVE_CUDA
// A CUDA build on a machine without a usable GPU (CI): --device cuda is refused with the reason.
TEST(InferenceCli, CudaDeviceWithoutAGpuIsAUsageErrorThatSaysWhy) {
  const std::string why = rayctl::inference::cuda_unavailable_reason();
  if (why.empty()) GTEST_SKIP() << "a GPU is present here";
  const std::string model = std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/tiny/tiny-llama-f32";
  auto r = run_cli({"inference", "run", "--model", model, "--device", "cuda", "--max-tokens", "1", "Hi"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--device cuda: " + why)) << r.err;
}
#else
TEST(InferenceCli, CudaDeviceWithoutCudaIsAUsageError) {
  auto r = run_cli({"inference", "run", "--model", "/nonexistent/model.gguf", "--device", "cuda", "Hi"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "built without CUDA support")) << r.err;
}
#endif
