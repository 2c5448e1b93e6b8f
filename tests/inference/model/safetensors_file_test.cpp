// SafetensorsFile: header parsing, dtype/shape/offset checks against the data buffer.
#include "inference/model/safetensors_file.h"
#include "core/error.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace rayctl::inference;

namespace {
std::string file(const std::string& header, size_t data_bytes) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((n >> (8 * i)) & 0xFF);
  return out + header + std::string(data_bytes, '\x07');
}
std::string error_of(const std::string& bytes) {
  try {
    SafetensorsFile::from_bytes(bytes, "m.safetensors");
  } catch (const rayctl::Error& e) {
    return e.message();
  }
  return "";
}
}  // namespace

TEST(SafetensorsFile, ParsesTensorsAndMetadata) {
  auto f = SafetensorsFile::from_bytes(
      file(R"({"__metadata__":{"format":"pt"},"w":{"dtype":"BF16","shape":[3,4],"data_offsets":[0,24]},)"
           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}})",
           32),
      "m.safetensors");
  ASSERT_EQ(f.tensors().size(), 2u);
  const SafetensorsTensor* w = f.find("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(w->nbytes, 24u);
  EXPECT_EQ(f.find("b")->data - w->data, 24);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  GgmlType t;
  EXPECT_TRUE(safetensors_dtype_to_ggml("BF16", t));
  EXPECT_EQ(t, GgmlType::BF16);
  EXPECT_FALSE(safetensors_dtype_to_ggml("I64", t));
}

TEST(SafetensorsFile, RejectsInconsistentHeaders) {
  EXPECT_NE(error_of("abc").find("shorter than the 8-byte header"), std::string::npos);
  EXPECT_NE(error_of(file("{", 0)).find("invalid JSON"), std::string::npos);
  std::string huge = file("{}", 0);
  huge[6] = 1;
  EXPECT_NE(error_of(huge).find("runs past the end"), std::string::npos);
  EXPECT_NE(error_of(file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}})", 16)).find("needs 16"),
            std::string::npos);
  EXPECT_NE(
      error_of(file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8)).find("outside the data buffer"),
      std::string::npos);
  EXPECT_NE(error_of(file(R"({"w":{"dtype":"Q9","shape":[4],"data_offsets":[0,4]}})", 8)).find("unknown dtype"),
            std::string::npos);
  EXPECT_NE(error_of(file(R"({"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,4]}})", 8)).find("negative"),
            std::string::npos);
  EXPECT_NE(error_of(file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 8))
                .find("overflows"),
            std::string::npos);
  EXPECT_NE(error_of(file(R"({"w":{"dtype":"F32","shape":[1]}})", 8)).find("data_offsets"), std::string::npos);
}

TEST(SafetensorsCheckpoint, RejectsAnIndexWhoseWeightMapIsNotFileNames) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("rayctl-st-index-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"model_type": "llama"})";
  for (const char* map : {R"({"weight_map": {"w": 3}})", R"({"weight_map": {"w": "../x.safetensors"}})"}) {
    std::ofstream(dir / "model.safetensors.index.json") << map;
    std::string msg;
    try {
      SafetensorsCheckpoint::open(dir.string());
    } catch (const rayctl::Error& e) {
      msg = e.message();
    }
    EXPECT_NE(msg.find("model.safetensors.index.json"), std::string::npos) << map << ": " << msg;
  }
  fs::remove_all(dir);
}
