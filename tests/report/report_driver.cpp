// Calls command_report() as `exvivo report DIR [-o FILE.html]` will, so the
// script lookup and exit codes are tested before (and independently of) the
// subcommand's registration in main.cpp.
#include <string>

#include "report_command.hpp"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  return exvivo::cli::command_report(argv[1], argc > 2 ? argv[2] : "");
}
