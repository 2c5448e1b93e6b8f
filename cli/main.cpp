// rayctl's entry point: the process's streams, environment and arguments, handed to
// run_rayctl (cli/app.h), where the command table, global flags and exit codes live.
#include "cli/app.h"

int main(int argc, char** argv) {
  return rayctl::cli::run_rayctl(std::vector<std::string>(argv + 1, argv + argc), rayctl::IOStreams::system(false));
}
