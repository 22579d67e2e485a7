#pragma once
// The subcommands of the exvivo CLI. Each returns the process exit code and
// lets exvivo::Error (exit 2), exvivo::EnvironmentError (exit 4, or 2 for a
// path naming the wrong kind of file) and other exceptions (exit 3) propagate.
#include <cstdint>
#include <string>
#include <vector>

namespace exvivo::cli {

struct RunArgs {
  std::string scenario;
  std::string out_dir;
  int threads = 0;
  std::string shard;  ///< "I/N" or ""
  bool resume = false;
  bool quiet = false;
};

struct FitArgs {
  std::string fit_file;
  std::string out_dir;
  int threads = 0;
  bool quiet = false;
  int starts = 0;          ///< PEtab problems only (0: the default, 20)
  std::uint64_t seed = 0;  ///< PEtab problems only
  bool seed_given = false;
  std::vector<std::string> profile;  ///< PEtab problems only: parameterIds to profile
};

struct AnalyzeArgs {
  std::string analysis_file;
  std::string out_dir;
  int threads = 0;
  bool quiet = false;
};

int command_run(const RunArgs& args);
int command_analyze(const AnalyzeArgs& args);
int command_fit(const FitArgs& args);
int command_check(const std::string& file);
int command_merge(const std::vector<std::string>& dirs, const std::string& out_dir);
int command_info(const std::string& file);

}  // namespace exvivo::cli
