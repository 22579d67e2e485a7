// exvivo command line (DESIGN.md §4). Exit codes: 0 ok, 1 some runs failed,
// 2 invalid input, 3 internal error.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <exception>

#include "core/error.hpp"
#include "core/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"exvivo: simulate ex vivo drug-restoration assays on leukocytes"};
  app.set_version_flag("--version", std::string("exvivo ") + exvivo::engine_version);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return 0;
}
