// A Serve config file as `rayctl serve deploy` reads it: loaded, checked, its diagnostics
// printed (core's report_diagnostics); errors stop the command before anything is sent.
#pragma once

#include "core/output.h"
#include "serve/config/serve_config.h"

#include <string>

namespace rayctl {

// Loads and checks the first document of `path`. A local working_dir / py_modules (RL109) is not
// warned about: `rayctl serve deploy` uploads it. Throws Error(Invalid) when the file is empty or
// has errors.
ServeConfig load_serve_spec(const std::string& path, IOStreams& io);

}  // namespace rayctl
