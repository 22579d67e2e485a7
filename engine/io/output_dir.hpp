#pragma once
// Ownership of an output directory (-o DIR of run, fit, analyze and merge).
//
// A directory belongs to one computation: exvivo keeps in DIR/exvivo-output.json
// (the manifest) what wrote it — the command, the name of the scenario, fit or
// analysis, a hash of its inputs, whether it finished — and every file and
// folder it wrote. Opening a directory for a computation:
//  * takes an exclusive lock (flock on DIR/.exvivo-lock) for the life of the
//    OutputDir: a second process gets an error naming the first one's pid;
//  * refuses (OptionError, exit 2, saying how to go on) a directory that holds
//    files exvivo did not write, or the results of another computation (another
//    command, scenario, fit or analysis, or another shard);
//  * for a fresh start, removes the files its manifest lists (results of an
//    earlier version of the same computation, figures of `exvivo report`), and
//    never anything else; stale temporary files of its own are removed too.
// Files are claimed (recorded in the manifest) before they are written, so a
// killed process leaves nothing that a later one would take for a user's file.
#include <filesystem>
#include <string>
#include <vector>

namespace exvivo::io {

/// What is writing the directory.
struct Computation {
  std::string command;        ///< "run", "fit", "analyze"
  std::string name;           ///< scenario / fit / analysis name, plus e.g. " shard 2/4"
  std::string inputs_sha256;  ///< hash of everything that determines the results
};

/// The name of the manifest file in an output directory.
inline constexpr const char* output_manifest_name = "exvivo-output.json";
inline constexpr const char* output_lock_name = ".exvivo-lock";

class OutputDir {
 public:
  /// A folder of DIR whose entries exvivo writes in bulk (the chunks of a run):
  /// claimed as a whole; inside it only names matching `pattern` (an ECMAScript
  /// regex on each file or folder name) count as exvivo's.
  struct Tree {
    std::string name;
    std::string pattern;
  };

  /// Opens (creating if needed) `dir` for `computation`; `resume` keeps the
  /// files of an unfinished earlier attempt of the same computation instead of
  /// removing them. `trees` are the folders this kind of computation may claim.
  /// Throws OptionError (exit 2) when the directory is not this computation's
  /// to write, EnvironmentError when it cannot be created, locked or written.
  OutputDir(const std::filesystem::path& dir, const Computation& computation, bool resume,
            std::vector<Tree> trees = {});
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  const std::filesystem::path& path() const { return dir_; }
  /// True when resuming and the directory already holds the finished results
  /// of exactly this computation (same inputs): there is nothing to do.
  bool already_complete() const { return already_complete_; }

  /// Records files (paths relative to DIR) before they are written.
  void claim(const std::vector<std::string>& files);
  /// Records a folder of trees() (e.g. "chunks") before it is written.
  void claim_tree(const std::string& name);
  /// Removes a claimed file or tree and forgets it.
  void remove(const std::string& name);
  /// Marks the computation finished.
  void finish();

 private:
  void write_manifest() const;

  /// The open lock file; closing it releases the flock, also when the
  /// constructor throws after taking it.
  struct LockFd {
    int fd = -1;
    ~LockFd();
  };

  LockFd lock_;
  std::filesystem::path dir_;
  Computation computation_;
  std::vector<Tree> trees_;
  std::vector<std::string> files_;
  std::vector<std::string> claimed_trees_;
  bool complete_ = false;
  bool already_complete_ = false;
};

/// Adds files written into an output directory after its computation (the
/// figures and page of `exvivo report`) to its manifest, so that a later
/// computation removes them with the results they were drawn from. Does
/// nothing when DIR has no manifest.
void record_output_files(const std::filesystem::path& dir, const std::vector<std::string>& files);

}  // namespace exvivo::io
