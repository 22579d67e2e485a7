#include "io/output_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <system_error>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace exvivo::io {

namespace fs = std::filesystem;

namespace {

/// "name" for "name.tmp-123" (a temporary of write_file_atomically), else "".
std::string temporary_of(const std::string& rel) {
  static const std::regex tmp(R"((.*)\.tmp-[0-9]+)");
  std::smatch m;
  return std::regex_match(rel, m, tmp) ? m[1].str() : std::string();
}

[[noreturn]] void refuse(const fs::path& dir, const std::string& what) {
  throw OptionError(SourceLocation{}, "-o", fmt::format("output directory '{}' {}", dir.string(), what));
}

struct Manifest {
  bool present = false;
  std::string command, name, inputs_sha256;
  bool complete = false;
  std::vector<std::string> files, trees;
};

Manifest read_manifest(const fs::path& dir) {
  Manifest m;
  const fs::path file = dir / output_manifest_name;
  std::error_code ec;
  if (!fs::exists(file, ec)) return m;
  if (!fs::is_regular_file(file, ec)) refuse(dir, fmt::format("holds a '{}' that is not a file; remove it", output_manifest_name));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw EnvironmentError("cannot read", file.string(), errno);
  try {
    const auto j = nlohmann::json::parse(in);
    m.present = true;
    j.at("command").get_to(m.command);
    j.at("name").get_to(m.name);
    j.at("inputs_sha256").get_to(m.inputs_sha256);
    m.complete = j.at("state").get<std::string>() == "complete";
    j.at("files").get_to(m.files);
    j.at("trees").get_to(m.trees);
  } catch (const nlohmann::json::exception&) {
    refuse(dir, fmt::format("has a damaged '{}' (the record of what exvivo wrote there), so exvivo cannot tell "
                            "its files from yours; choose another output directory, or delete this one",
                            output_manifest_name));
  }
  return m;
}

/// A directory and not a symbolic link to one (a dangling link is no error here).
bool is_real_directory(const fs::directory_entry& e) {
  std::error_code ignored;
  return e.is_directory(ignored) && !e.is_symlink(ignored);
}

std::string describe(const Manifest& m) { return fmt::format("`exvivo {}` of '{}'", m.command, m.name); }

std::string join_some(const std::vector<std::string>& names, std::size_t limit = 5) {
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > limit) s += fmt::format(" and {} more", names.size() - limit);
  return s;
}

}  // namespace

OutputDir::OutputDir(const fs::path& dir, const Computation& computation, bool resume, std::vector<Tree> trees)
    : dir_(dir), computation_(computation), trees_(std::move(trees)) {
  std::error_code ec;
  const auto status = fs::status(dir_, ec);
  if (fs::exists(status) && !fs::is_directory(status))
    refuse(dir_, "is not a directory; give a new or empty directory with -o");
  if (!fs::exists(status)) {
    fs::create_directories(dir_, ec);
    if (ec) throw EnvironmentError("cannot create the output directory", dir_.string(), ec.value());
  }

  const fs::path lock = dir_ / output_lock_name;
  lock_.fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (lock_.fd < 0) throw EnvironmentError("cannot create the lock file", lock.string(), errno);
  if (::flock(lock_.fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char pid[32] = {};
    const ssize_t n = ::pread(lock_.fd, pid, sizeof pid - 1, 0);
    if (err != EWOULDBLOCK) throw EnvironmentError("cannot lock", lock.string(), err);
    std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : std::string();
    holder.erase(std::remove(holder.begin(), holder.end(), '\n'), holder.end());
    refuse(dir_, fmt::format("is being written by another exvivo process{}; wait for it to finish, or choose "
                             "another output directory",
                             holder.empty() ? std::string() : " (pid " + holder + ")"));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_.fd, 0) != 0 || ::pwrite(lock_.fd, pid.data(), pid.size(), 0) < 0)
    throw EnvironmentError("cannot write", lock.string(), errno);

  const Manifest old = read_manifest(dir_);

  // Everything in DIR must be exvivo's: the manifest's files, its trees'
  // entries, temporaries of those, and folders holding them.
  const std::set<std::string> old_files(old.files.begin(), old.files.end());
  auto owned_file = [&](const std::string& rel) {
    if (rel == output_manifest_name || rel == output_lock_name || old_files.count(rel)) return true;
    const std::string base = temporary_of(rel);
    return !base.empty() && (base == output_manifest_name || old_files.count(base));
  };
  std::vector<std::regex> patterns;  // compiled once: a run may leave thousands of chunk files
  for (const auto& t : trees_) patterns.emplace_back(t.pattern);
  auto tree_of = [&](const std::string& first) -> const std::regex* {
    if (std::find(old.trees.begin(), old.trees.end(), first) == old.trees.end()) return nullptr;
    for (std::size_t i = 0; i < trees_.size(); ++i)
      if (trees_[i].name == first) return &patterns[i];
    return nullptr;
  };
  std::vector<std::string> foreign;
  for (auto it = fs::recursive_directory_iterator(dir_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path rel_path = it->path().lexically_relative(dir_);
    const std::string rel = rel_path.generic_string();
    const std::string first = rel_path.begin()->string();
    bool ours = false;
    if (const std::regex* pattern = tree_of(first)) {
      ours = true;
      for (auto c = std::next(rel_path.begin()); c != rel_path.end(); ++c)
        ours = ours && std::regex_match(c->string(), *pattern);
    } else if (owned_file(rel)) {
      ours = true;
    } else if (is_real_directory(*it)) {
      ours = std::any_of(old.files.begin(), old.files.end(),
                         [&](const std::string& f) { return f.rfind(rel + "/", 0) == 0; });
    }
    if (!ours) {
      foreign.push_back(is_real_directory(*it) ? rel + "/" : rel);
      if (is_real_directory(*it)) it.disable_recursion_pending();
    }
  }
  if (ec) throw EnvironmentError("cannot list", dir_.string(), ec.value());
  if (!foreign.empty())
    refuse(dir_, fmt::format("holds files that exvivo did not write ({}); exvivo never overwrites or deletes "
                             "them: choose a new or empty output directory, or move them away",
                             join_some(foreign)));

  const Computation& c = computation_;
  if (old.present && (old.command != c.command || old.name != c.name))
    refuse(dir_, fmt::format("holds the results of another computation ({}); choose another output directory "
                             "for `exvivo {}` of '{}', or delete that one to replace them",
                             describe(old), c.command, c.name));
  if (resume && old.present) {
    if (old.complete && old.inputs_sha256 == c.inputs_sha256) {
      already_complete_ = true;
      complete_ = true;
      files_ = old.files;
      claimed_trees_ = old.trees;
      return;
    }
    if (old.complete)
      refuse(dir_, fmt::format("holds the finished results of a different version of {} (its scenario, model or "
                               "engine changed); --resume continues only an interrupted run: run without "
                               "--resume to replace them",
                               describe(old)));
    files_ = old.files;
    claimed_trees_ = old.trees;
  } else {
    // A fresh start: the earlier results of this computation are stale.
    for (const auto& f : old.files) fs::remove(dir_ / f, ec);
    for (const auto& t : old.trees) fs::remove_all(dir_ / t, ec);
  }
  // Stale temporaries and emptied folders of exvivo's own files.
  std::vector<fs::path> stale, folders;
  for (auto it = fs::recursive_directory_iterator(dir_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string rel = it->path().lexically_relative(dir_).generic_string();
    if (tree_of(it->path().lexically_relative(dir_).begin()->string())) {
      it.disable_recursion_pending();
      continue;
    }
    if (!temporary_of(rel).empty()) stale.push_back(it->path());
    else if (is_real_directory(*it)) folders.push_back(it->path());
  }
  for (const auto& p : stale) fs::remove(p, ec);
  for (auto p = folders.rbegin(); p != folders.rend(); ++p)
    if (fs::is_empty(*p, ec)) fs::remove(*p, ec);
  write_manifest();
}

OutputDir::LockFd::~LockFd() {
  if (fd >= 0) ::close(fd);  // releases the flock; the lock file stays (removing it would race)
}

void OutputDir::write_manifest() const {
  nlohmann::ordered_json j;
  j["format"] = 1;
  j["command"] = computation_.command;
  j["name"] = computation_.name;
  j["inputs_sha256"] = computation_.inputs_sha256;
  j["state"] = complete_ ? "complete" : "running";
  std::vector<std::string> files = files_;
  std::sort(files.begin(), files.end());
  j["files"] = files;
  j["trees"] = claimed_trees_;
  write_file_atomically(dir_ / output_manifest_name, j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

void OutputDir::claim(const std::vector<std::string>& files) {
  bool added = false;
  for (const auto& f : files)
    if (std::find(files_.begin(), files_.end(), f) == files_.end()) {
      files_.push_back(f);
      added = true;
    }
  if (added) write_manifest();
}

void OutputDir::claim_tree(const std::string& name) {
  if (std::find(claimed_trees_.begin(), claimed_trees_.end(), name) != claimed_trees_.end()) return;
  claimed_trees_.push_back(name);
  write_manifest();
}

void OutputDir::remove(const std::string& name) {
  std::error_code ec;
  fs::remove_all(dir_ / name, ec);
  files_.erase(std::remove(files_.begin(), files_.end(), name), files_.end());
  claimed_trees_.erase(std::remove(claimed_trees_.begin(), claimed_trees_.end(), name), claimed_trees_.end());
  write_manifest();
}

void OutputDir::finish() {
  complete_ = true;
  write_manifest();
}

void record_output_files(const fs::path& dir, const std::vector<std::string>& files) {
  const fs::path file = dir / output_manifest_name;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return;
  std::ifstream in(file, std::ios::binary);
  auto j = nlohmann::ordered_json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("files") || !j["files"].is_array()) return;
  std::vector<std::string> list = j["files"].get<std::vector<std::string>>();
  for (const auto& f : files)
    if (std::find(list.begin(), list.end(), f) == list.end()) list.push_back(f);
  std::sort(list.begin(), list.end());
  j["files"] = list;
  write_file_atomically(file, j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace exvivo::io
