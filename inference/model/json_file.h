// read_json_file: the JSON document of one file of a HF model directory (config.json,
// model.safetensors.index.json, tokenizer.json, tokenizer_config.json), with the errors a user
// can act on: the file missing, or the byte where its JSON breaks.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace rayctl::inference {

// nullopt when the file cannot be read and !required; a required one missing is
// Error(NotFound) with `missing_hint`. Bad JSON is Error(Invalid) naming the byte, with
// `invalid_hint`.
std::optional<nlohmann::json> read_json_file(const std::string& path, bool required, const std::string& missing_hint,
                                             const std::string& invalid_hint);

}  // namespace rayctl::inference
