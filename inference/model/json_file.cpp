// read_json_file (see json_file.h).
#include "inference/model/json_file.h"

#include "core/error.h"
#include "core/state_store.h"

namespace rayctl::inference {

std::optional<nlohmann::json> read_json_file(const std::string& path, bool required, const std::string& missing_hint,
                                             const std::string& invalid_hint) {
  std::optional<std::string> text = read_file(path);
  if (!text) {
    if (!required) return std::nullopt;
    throw Error(ErrorKind::NotFound, path + ": cannot open", missing_hint);
  }
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::Invalid, path + ": byte " + std::to_string(e.byte) + ": invalid JSON", invalid_hint);
  }
}

}  // namespace rayctl::inference
