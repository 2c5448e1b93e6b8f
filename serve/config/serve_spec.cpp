// Loading + checking a Serve config for `rayctl serve deploy` (see serve_spec.h).
#include "serve/config/serve_spec.h"

#include "core/diagnostics.h"
#include "core/error.h"
#include "core/yaml_source.h"

namespace rayctl {

ServeConfig load_serve_spec(const std::string& path, IOStreams& io) {
  YamlFile file = YamlFile::load(path);
  if (file.documents.empty())
    throw Error(ErrorKind::Invalid, path + " is empty", "a Serve config has an `applications` list");
  Diagnostics diags, shown;
  auto cfg = load_serve_config(file.documents.front(), diags);
  for (const auto& d : diags.items())
    if (d.id != diag_id::kLocalRuntimeEnv || d.severity == Severity::Error)
      shown.add(d);  // rayctl uploads a local working_dir
  report_diagnostics(shown, file, io, "the Serve config", "fix them and deploy again; nothing was sent to the cluster");
  if (!cfg)
    throw Error(ErrorKind::Invalid, path + " is not a Serve config", "a Serve config has an `applications` list");
  return std::move(*cfg);
}

}  // namespace rayctl
