// Native code for compiled models: C source generation, the on-disk cache,
// the system compiler, and dynamic loading (see native_code.hpp).
#include "model/native_code.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <system_error>
#include <vector>

#include <fmt/core.h>

#include "core/version.hpp"
#include "io/sha256.hpp"
#include "model/compiled_model_impl.hpp"

extern char** environ;

namespace exvivo::model {
namespace {

namespace fs = std::filesystem;
using NamedProgram = std::pair<std::string, expr::Program*>;

const std::vector<std::string> compiler_flags = {"-std=c99", "-O2", "-fPIC", "-shared", "-ffp-contract=off",
                                                 "-fno-math-errno"};
constexpr const char* key_symbol = "exvivo_native_key";

std::string symbol_of(const std::string& program) { return std::string("exvivo_") + program; }

std::string environment(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

fs::path cache_directory() {
  if (auto d = environment("EXVIVO_CACHE_DIR"); !d.empty()) return d;
  if (auto d = environment("XDG_CACHE_HOME"); !d.empty()) return fs::path(d) / "exvivo";
  if (auto d = environment("HOME"); !d.empty()) return fs::path(d) / ".cache" / "exvivo";
  return fs::temp_directory_path() / "exvivo-cache";
}

std::string compiler() {
  const std::string cc = environment("EXVIVO_CC");
  return cc.empty() ? "cc" : cc;
}

/// The source without the key line; its SHA-256 is the key.
std::string source_body(const std::string& title, const std::vector<NamedProgram>& programs) {
  std::string s = fmt::format("/* exvivo {} native code for {}.\n   Compiled with: {}", engine_version, title,
                              compiler());
  for (const auto& f : compiler_flags) s += " " + f;
  s += " -lm\n   Generated: do not edit. */\n";
  s += expr::Program::c_source_preamble();
  for (const auto& [name, program] : programs) {
    s += '\n';
    s += program->c_source(symbol_of(name));
  }
  return s;
}

std::string model_title(const CompiledModel::Impl& impl) { return fmt::format("model '{}'", impl.name); }

std::vector<NamedProgram> named_programs(CompiledModel::Impl& impl) {
  std::vector<NamedProgram> programs;
  for (const auto& [name, program] : impl.programs()) programs.emplace_back(name, program);
  return programs;
}

std::string key_line(const std::string& key) { return fmt::format("\nconst char {}[] = \"{}\";\n", key_symbol, key); }

/// A loaded library; dlclose when the last program using it is gone.
using Library = std::shared_ptr<void>;

Library open_library(const fs::path& path, const std::string& key, std::string* why) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    if (why) *why = dlerror();
    return nullptr;
  }
  Library lib(handle, [](void* h) { dlclose(h); });
  const auto* stored = static_cast<const char*>(dlsym(handle, key_symbol));
  if (!stored || key != stored) {
    if (why) *why = fmt::format("{} does not hold the expected code", path.string());
    return nullptr;
  }
  return lib;
}

/// Runs the compiler; returns "" on success, else its diagnostics (first lines).
std::string run_compiler(const fs::path& source, const fs::path& library, const fs::path& log) {
  std::vector<std::string> args = {compiler()};
  args.insert(args.end(), compiler_flags.begin(), compiler_flags.end());
  for (const std::string& a : {std::string("-o"), library.string(), source.string(), std::string("-lm")})
    args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return fmt::format("cannot run the C compiler '{}': {}", args[0], std::strerror(spawned));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return fmt::format("waiting for the C compiler: {}", std::strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  std::ifstream in(log);
  std::string text, line;
  for (int k = 0; k < 5 && std::getline(in, line); ++k) text += (text.empty() ? "" : " | ") + line;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return fmt::format("the C compiler '{}' was not found", args[0]);
  return fmt::format("the C compiler '{}' failed ({}): {}", args[0],
                     WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status)) : std::string("killed"), text);
}

/// A name no other process or thread uses: <dir>/<key>.<pid>.<counter>.
fs::path private_name(const fs::path& dir, const std::string& key) {
  static std::atomic<unsigned> counter{0};
  return dir / fmt::format("{}.{}.{}", key, static_cast<long>(getpid()), counter++);
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

/// Compiles `source` into <dir>/<key>.so (through a private name and a
/// rename) and loads it. Returns nullptr and sets *why on failure.
Library build_in(const fs::path& dir, const std::string& key, const std::string& source, std::string* why) {
  const fs::path base = private_name(dir, key);
  const fs::path src = base.string() + ".c", lib = base.string() + ".so", log = base.string() + ".log";
  {
    std::ofstream out(src, std::ios::binary);
    out << source;
    out.close();
    if (!out) {
      *why = fmt::format("cannot write {}: {}", src.string(), std::strerror(errno));
      remove_quietly(src);
      return nullptr;
    }
  }
  const std::string failure = run_compiler(src, lib, log);
  remove_quietly(log);
  if (!failure.empty()) {
    *why = failure;
    remove_quietly(src);
    remove_quietly(lib);
    return nullptr;
  }
  const fs::path final_lib = dir / (key + ".so");
  std::error_code ec;
  fs::rename(lib, final_lib, ec);
  if (ec) {
    *why = fmt::format("cannot move the library into {}: {}", dir.string(), ec.message());
    remove_quietly(lib);
    remove_quietly(src);
    return nullptr;
  }
  fs::rename(src, dir / (key + ".c"), ec);  // kept beside the library, for inspection
  if (ec) remove_quietly(src);
  return open_library(final_lib, key, why);
}

/// Loads <cache>/<key>.so, building it when absent or unusable; falls back to
/// a private temporary directory when the cache cannot be written.
Library load_or_build(const std::string& key, const std::string& source, bool* cache_hit, fs::path* path,
                      std::string* why) {
  const fs::path dir = cache_directory();
  *path = dir / (key + ".so");
  std::error_code ec;
  if (fs::is_regular_file(*path, ec)) {
    if (Library lib = open_library(*path, key, nullptr)) {
      *cache_hit = true;
      return lib;
    }
  }
  fs::create_directories(dir, ec);
  std::string cache_failure;
  if (!ec) {
    if (Library lib = build_in(dir, key, source, &cache_failure)) return lib;
    // A compiler failure would repeat in the fallback directory.
    if (cache_failure.rfind("cannot ", 0) != 0) {
      *why = cache_failure;
      return nullptr;
    }
  }
  std::string pattern = (fs::temp_directory_path() / "exvivo-native-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    *why = fmt::format("no writable directory for native code ({}; {}: {})", dir.string(), pattern,
                       std::strerror(errno));
    return nullptr;
  }
  const fs::path private_dir = pattern;
  *path = private_dir / (key + ".so");
  Library lib = build_in(private_dir, key, source, why);
  fs::remove_all(private_dir, ec);  // a loaded library stays mapped
  return lib;
}

std::mutex memo_mutex;
std::map<std::string, std::weak_ptr<void>>& memo() {
  static std::map<std::string, std::weak_ptr<void>> libraries;
  return libraries;
}

}  // namespace

std::string native_source(const CompiledModel& model) {
  CompiledModel::Impl impl = *model.impl_;
  const std::string body = source_body(model_title(impl), named_programs(impl));
  io::Sha256 sha;
  sha.update(body);
  return body + key_line(sha.hex_digest());
}

bool is_native(const CompiledModel& model) { return model.impl_->native; }

std::string attach_native_code(const std::string& title, const std::vector<NamedProgram>& programs,
                               NativeCodeResult* result) {
  const std::string body = source_body(title, programs);
  io::Sha256 sha;
  sha.update(body);
  const std::string key = sha.hex_digest();

  Library lib;
  std::string why;
  {
    // One compilation per source per process, even when threads ask at once.
    const std::lock_guard<std::mutex> lock(memo_mutex);
    lib = memo()[key].lock();
    if (lib) {
      if (result) result->cache_hit = true;
    } else {
      fs::path path;
      bool cache_hit = false;
      lib = load_or_build(key, body + key_line(key), &cache_hit, &path, &why);
      if (result) {
        result->cache_hit = cache_hit;
        result->library = path.string();
      }
      if (lib) memo()[key] = lib;
    }
  }
  if (!lib) return why;
  std::vector<expr::NativeFunction> functions;
  for (const auto& [name, program] : programs) {
    auto* function = reinterpret_cast<expr::NativeFunction>(dlsym(lib.get(), symbol_of(name).c_str()));
    if (!function) return fmt::format("the native library lacks the function {}", symbol_of(name));
    functions.push_back(function);
  }
  for (std::size_t k = 0; k < programs.size(); ++k) programs[k].second->use_native(functions[k], lib);
  return "";
}

NativeCodeResult with_native_code(const CompiledModel& model) {
  NativeCodeResult result;
  result.model = model;
  if (model.impl_->native) {
    result.native = true;
    result.cache_hit = true;
    return result;
  }
  const auto start = std::chrono::steady_clock::now();
  auto impl = std::make_shared<CompiledModel::Impl>(*model.impl_);
  result.reason = attach_native_code(model_title(*impl), named_programs(*impl), &result);
  if (!result.reason.empty()) return result;
  impl->native = true;
  result.model.impl_ = std::move(impl);
  result.native = true;
  result.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace exvivo::model
