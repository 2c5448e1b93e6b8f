// The top-level commands, one setup_<verb> per cli/cmd_<verb>.cpp; the table in cli/app.cpp
// lists them in the order --help shows them.
#pragma once

#include "cli/command.h"

namespace rayctl::cli {

void setup_validate(CLI::App& root, CliContext& ctx);
void setup_render(CLI::App& root, CliContext& ctx);
void setup_inference(CLI::App& root, CliContext& ctx);
// `inference deploy | undeploy` (cli/cmd_llm_deploy.cpp; not in inference-only builds).
void setup_inference_deploy(CLI::App* inference, CliContext& ctx);
void setup_up(CLI::App& root, CliContext& ctx);
void setup_down(CLI::App& root, CliContext& ctx);
void setup_exec(CLI::App& root, CliContext& ctx);
void setup_attach(CLI::App& root, CliContext& ctx);
void setup_logs(CLI::App& root, CliContext& ctx);
void setup_status(CLI::App& root, CliContext& ctx);
void setup_serve(CLI::App& root, CliContext& ctx);
void setup_dashboard(CLI::App& root, CliContext& ctx);
void setup_doctor(CLI::App& root, CliContext& ctx);
void setup_diff(CLI::App& root, CliContext& ctx);
void setup_version(CLI::App& root, CliContext& ctx);
void setup_completion(CLI::App& root, CliContext& ctx);

}  // namespace rayctl::cli
