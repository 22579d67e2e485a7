#pragma once
// exvivo init: a commented starter scenario for a model, valid as written.
#include <string>

namespace exvivo::cli {

struct InitArgs {
  std::string model;   ///< a model file, or the name of a bundled model ("leukocyte_exvivo")
  std::string out;     ///< the scenario file to write
  std::string agent;   ///< the species added by the treated arm ("" = the model's first soluble species)
  bool force = false;  ///< overwrite an existing file
};

/// Writes the starter scenario and checks that it loads; exit code 0.
/// Throws exvivo::Error (exit 2) for an unknown model or agent, or an existing
/// file without --force.
int command_init(const InitArgs& args);

/// The model file for `name`: the path itself when it is a file, else a
/// bundled model `name`.yaml next to the executable (share/exvivo/models) or
/// in the source tree; "" when none exists.
std::string find_model_file(const std::string& name);

}  // namespace exvivo::cli
