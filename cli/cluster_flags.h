// Flags and helpers the cluster verbs share (up, down, status, logs, exec, attach, serve): the
// cluster a command acts on (TARGET plus --kubeconfig/--context/-n), --timeout as a duration,
// and the terminal's yes/no question.
#pragma once

#include "cli/command.h"
#include "cluster/cluster.h"

#include <chrono>
#include <string>

namespace rayctl::cli {

// --kubeconfig, --context, -n/--namespace into `ref` (its target is the command's TARGET).
void add_kube_flags(CLI::App* cmd, ClusterRef& ref);
// --timeout DURATION into `text` (parsed later with parse_duration, so errors name the flag).
void add_timeout_flag(CLI::App* cmd, std::string& text, const std::string& what);
// Asks on the terminal (stderr, answer on stdin) when both are one; else unset (callers refuse).
Confirmer terminal_confirmer(const IOStreams& io);

// A KubeRay object's health: tables for humans, RayObjectHealth::to_json() (plus `extra`) for -o.
void print_kube_report(CliContext& ctx, const RayObjectHealth& h,
                       const nlohmann::json& extra = nlohmann::json::object());

}  // namespace rayctl::cli
