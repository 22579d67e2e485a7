#include "report_command.hpp"

#include "core/error.hpp"
#include "io/output_dir.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;

namespace exvivo::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* default_python = "/usr/bin/python3";
constexpr const char* script_name = "exvivo_report.py";

std::string environment(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::vector<fs::path> script_candidates() {
  std::vector<fs::path> candidates;
  if (const std::string env = environment("EXVIVO_REPORT_SCRIPT"); !env.empty()) candidates.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share" / "exvivo" / "report" / script_name);
#ifdef EXVIVO_REPORT_SOURCE_DIR
  candidates.push_back(fs::path(EXVIVO_REPORT_SOURCE_DIR) / "tools" / "report" / script_name);
#endif
  return candidates;
}

/// Runs argv[0] with the arguments, without a shell (no quoting of paths
/// needed); returns its exit status, or -1 when it could not be started.
int run_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The figures and page are derived from DIR's results: recorded in DIR's
/// manifest so that the next computation there removes them with the results.
void record_report_files(const std::string& dir, const std::string& html_out) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "figures", ec))
    files.push_back("figures/" + e.path().filename().string());
  if (html_out.empty()) files.emplace_back("report.html");
  try {
    io::record_output_files(dir, files);
  } catch (const EnvironmentError&) {
    // The report itself was written; an unwritable manifest only costs the cleanup.
  }
}

}  // namespace

int command_report(const std::string& dir, const std::string& html_out, const std::string& time) {
  // The figures go to DIR/figures: an unwritable DIR (read-only file system,
  // permissions) is a failure of the environment, exit 4, said before drawing.
  std::error_code dir_ec;
  if (fs::is_directory(dir, dir_ec) && ::access(dir.c_str(), W_OK) != 0) {
    std::fprintf(stderr, "error: %s\n", EnvironmentError("cannot write figures in", dir, errno).what());
    return 4;
  }
  std::string python = environment("EXVIVO_PYTHON");
  if (python.empty()) python = default_python;
  if (access(python.c_str(), X_OK) != 0) {
    std::fprintf(stderr,
                 "error: exvivo report needs Python 3 with matplotlib at %s, which is missing; install Debian's "
                 "python3-matplotlib (apt-get install python3-matplotlib)\n",
                 python.c_str());
    return 2;
  }
  fs::path script;
  for (const auto& candidate : script_candidates()) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) {
      script = candidate;
      break;
    }
  }
  if (script.empty()) {
    std::fprintf(stderr, "error: exvivo report: the script %s was not found (looked in $EXVIVO_REPORT_SCRIPT, "
                         "next to the executable and in the source tree)\n", script_name);
    return 2;
  }
  std::vector<std::string> args{python, script.string(), dir};
  if (!html_out.empty()) {
    args.emplace_back("-o");
    args.push_back(html_out);
  }
  if (!time.empty()) args.push_back("--time=" + time);  // "=": a time such as "-1" stays one argument
  const int status = run_process(args);
  if (status == 0) record_report_files(dir, html_out);
  if (status == 0 || status == 2) return status;
  if (status < 0) std::fprintf(stderr, "error: exvivo report: could not run %s\n", python.c_str());
  return 3;
}

}  // namespace exvivo::cli
