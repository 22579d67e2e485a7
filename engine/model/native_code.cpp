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
// The source is compiled in this many parts at once (see run_compiler).
constexpr std::size_t compile_parts = 2;

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

/// The generated C of a model: a header comment, the preamble (helper
/// functions), one function per program.
struct Source {
  std::string head;
  std::vector<std::string> functions;

  /// The whole source without the key line; its SHA-256 is the key.
  std::string body() const {
    std::string s = head;
    for (const auto& f : functions) s += '\n' + f;
    return s;
  }

  /// The functions in `count` consecutive groups of about equal length, each
  /// a compilable file; the first also defines the key.
  std::vector<std::string> parts(std::size_t count, const std::string& key_line) const {
    std::size_t total = 0;
    for (const auto& f : functions) total += f.size();
    std::vector<std::string> out(1, head);
    std::size_t done = 0;
    for (const auto& f : functions) {
      if (done >= total * out.size() / count && out.back().size() > head.size() && out.size() < count)
        out.push_back(head);
      out.back() += '\n' + f;
      done += f.size();
    }
    out.front() += key_line;
    return out;
  }
};

// Before a function: an AVX2 clone beside the default one, picked at load
// time by the CPU (attach_native_code's vector_clones).
constexpr const char* vector_clones_attribute =
    "#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)\n"
    "__attribute__((target_clones(\"avx2\", \"default\")))\n"
    "#endif\n";

Source generate(const std::string& title, const std::vector<NamedProgram>& programs, bool vector_clones = false) {
  Source source;
  source.head =
      fmt::format("/* exvivo {} native code for {}.\n   Compiled with: {}", engine_version, title, compiler());
  for (const auto& f : compiler_flags) source.head += " " + f;
  source.head += " -lm\n   Generated: do not edit. */\n";
  source.head += expr::Program::c_source_preamble();
  for (const auto& [name, program] : programs)
    source.functions.push_back((vector_clones ? vector_clones_attribute : "") + program->c_source(symbol_of(name)));
  return source;
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

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

/// A started compiler process (pid 0: not started, `failure` says why).
struct CompilerProcess {
  pid_t pid = 0;
  std::string failure;
  fs::path log;
};

/// Starts `compiler() flags... args...` with its output going to `log`.
CompilerProcess start_compiler(const std::vector<std::string>& flags, const std::vector<std::string>& files,
                               const fs::path& log) {
  std::vector<std::string> args = {compiler()};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), files.begin(), files.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  CompilerProcess process;
  process.log = log;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int spawned = posix_spawnp(&process.pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    process.pid = 0;
    process.failure = fmt::format("cannot run the C compiler '{}': {}", args[0], std::strerror(spawned));
  }
  return process;
}

/// Waits for a started compiler; returns "" on success, else its diagnostics
/// (first lines of its log).
std::string wait_for(const CompilerProcess& process) {
  if (process.pid == 0) return process.failure;
  int status = 0;
  while (waitpid(process.pid, &status, 0) < 0)
    if (errno != EINTR) return fmt::format("waiting for the C compiler: {}", std::strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  std::ifstream in(process.log);
  std::string text, line;
  for (int k = 0; k < 5 && std::getline(in, line); ++k) text += (text.empty() ? "" : " | ") + line;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return fmt::format("the C compiler '{}' was not found", compiler());
  return fmt::format("the C compiler '{}' failed ({}): {}", compiler(),
                     WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status)) : std::string("killed"), text);
}

/// Compiles the parts of a model's source concurrently (`-c`, one process
/// each: the leukocyte model's 6,700 lines take ~1.5 s of CPU at -O2, about
/// half of it in the parameter Jacobian, so two parts halve the first-run
/// latency on a machine with two free cores), then links them into `library`.
/// Returns "" on success, else the first failure.
std::string run_compiler(const std::vector<fs::path>& parts, const fs::path& library, const fs::path& base) {
  std::vector<std::string> compile_flags;
  for (const auto& f : compiler_flags)
    if (f != "-shared") compile_flags.push_back(f);
  compile_flags.push_back("-c");
  std::vector<CompilerProcess> processes;
  std::vector<fs::path> objects;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    objects.push_back(fmt::format("{}.{}.o", base.string(), i));
    processes.push_back(start_compiler(compile_flags, {"-o", objects.back().string(), parts[i].string()},
                                       fmt::format("{}.{}.log", base.string(), i)));
  }
  std::string failure;
  for (const auto& process : processes) {  // wait for every process, even after a failure
    const std::string why = wait_for(process);
    remove_quietly(process.log);
    if (failure.empty()) failure = why;
  }
  if (failure.empty()) {
    std::vector<std::string> files = {"-o", library.string()};
    for (const auto& o : objects) files.push_back(o.string());
    files.push_back("-lm");
    const CompilerProcess link = start_compiler({"-shared", "-fPIC"}, files, base.string() + ".link.log");
    failure = wait_for(link);
    remove_quietly(link.log);
  }
  for (const auto& o : objects) remove_quietly(o);
  return failure;
}

/// A name no other process or thread uses: <dir>/<key>.<pid>.<counter>.
fs::path private_name(const fs::path& dir, const std::string& key) {
  static std::atomic<unsigned> counter{0};
  return dir / fmt::format("{}.{}.{}", key, static_cast<long>(getpid()), counter++);
}

/// Compiles `source` into <dir>/<key>.so (through private names and a
/// rename) and loads it. Returns nullptr and sets *why on failure.
Library build_in(const fs::path& dir, const std::string& key, const Source& source, std::string* why) {
  const fs::path base = private_name(dir, key);
  const fs::path src = base.string() + ".c", lib = base.string() + ".so";
  std::vector<fs::path> part_files;
  std::vector<std::pair<fs::path, std::string>> files = {{src, source.body() + key_line(key)}};
  for (const std::string& part : source.parts(compile_parts, key_line(key))) {
    part_files.push_back(fmt::format("{}.part{}.c", base.string(), part_files.size()));
    files.emplace_back(part_files.back(), part);
  }
  const auto remove_sources = [&] {
    for (const auto& p : part_files) remove_quietly(p);
  };
  for (const auto& [path, text] : files) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out) {
      *why = fmt::format("cannot write {}: {}", path.string(), std::strerror(errno));
      remove_sources();
      remove_quietly(src);
      return nullptr;
    }
  }
  const std::string failure = run_compiler(part_files, lib, base);
  remove_sources();
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
Library load_or_build(const std::string& key, const Source& source, bool* cache_hit, fs::path* path, std::string* why) {
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
  const std::string body = generate(model_title(impl), named_programs(impl)).body();
  io::Sha256 sha;
  sha.update(body);
  return body + key_line(sha.hex_digest());
}

bool is_native(const CompiledModel& model) { return model.impl_->native; }

std::string attach_native_code(const std::string& title, const std::vector<NamedProgram>& programs,
                               NativeCodeResult* result, bool vector_clones) {
  const Source source = generate(title, programs, vector_clones);
  io::Sha256 sha;
  sha.update(source.body());
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
      lib = load_or_build(key, source, &cache_hit, &path, &why);
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
  std::vector<expr::NativeStateFunction> state_functions;
  for (const auto& [name, program] : programs) {
    state_functions.push_back(nullptr);
    if (!program->has_state_slots()) continue;
    const std::string symbol = symbol_of(name) + expr::Program::state_function_suffix;
    state_functions.back() = reinterpret_cast<expr::NativeStateFunction>(dlsym(lib.get(), symbol.c_str()));
    if (!state_functions.back()) return fmt::format("the native library lacks the function {}", symbol);
  }
  for (std::size_t k = 0; k < programs.size(); ++k) {
    programs[k].second->use_native(functions[k], lib);
    programs[k].second->use_native_state(state_functions[k]);
  }
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
