// libFuzzer over the config loaders: YAML parsing with positions, kind detection, the launcher,
// Serve and KubeRay loaders, serveConfigV2 position mapping, and every check (placement
// included, against the document's own shapes and a fixed GPU cluster).
#include "core/error.h"
#include "serve/config/config_validation.h"
#include "serve/config/placement_checks.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace rayctl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  static const ClusterResources cluster = [] {
    ClusterResources c;
    NodeShape head{"head", true, 0.0, 0.0, 8e9, {}, 1, 1, {}};
    NodeShape gpu{"gpu", false, 8.0, 1.0, 32e9, {{"accelerator_type:A100", 1}}, 0, 4, {}};
    c.shapes = {head, gpu};
    return c;
  }();
  ValidationResult r;
  try {
    validate_config_text("fuzz.yaml", text, r, &cluster);
    for (const auto& d : r.documents)
      if (d.serve) (void)check_serve_placement(*d.serve, cluster);
  } catch (const rayctl::Error&) {
    return 0;  // a clear rayctl error (what the CLI prints) is a correct outcome; anything else is a finding
  }
  (void)to_json(r.diagnostics).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
