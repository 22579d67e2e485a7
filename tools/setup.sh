#!/usr/bin/env bash
# Installs the Debian packages exvivo needs (only those missing), then
# configures and builds it.
#
#   tools/setup.sh                 # release build of the CLI and tests in build/
#   tools/setup.sh --sanitize      # ASan+UBSan build in build-sanitize/
#   tools/setup.sh --tsan          # ThreadSanitizer build in build-tsan/
#   tools/setup.sh --bench         # also the benchmarks (SUNDIALS, SciPy, deSolve peers)
#   tools/setup.sh --no-tests      # only the library, the CLI and the Python module
#   tools/setup.sh --browser       # also Chromium, for the report's screenshot check
#
# Environment: BUILD_DIR overrides the build directory, JOBS the parallel jobs,
# TARGETS limits the build to the named targets (space-separated).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
build_type=Release
tests=ON
bench=OFF
sanitize=OFF
tsan=OFF
browser=OFF
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=ON; build_type=Sanitize; build_dir=${BUILD_DIR:-build-sanitize} ;;
    --tsan) tsan=ON; build_type=Sanitize; build_dir=${BUILD_DIR:-build-tsan} ;;
    --bench) bench=ON ;;
    --no-tests) tests=OFF ;;
    --browser) browser=ON ;;
    --debug) build_type=Debug ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

# python3-dev, pybind11-dev: the Python module; python3-pandas: its DataFrames;
# python3-pytest: its tests; dpkg-dev: dpkg-shlibdeps, which `cpack -G DEB` uses
# to declare the package's library dependencies. clang-format, clang-tidy:
# the style checks of CI (.ci/run) on changed files.
packages=(g++ cmake ninja-build pkg-config libboost-dev libeigen3-dev libtbb-dev libyaml-cpp-dev libsuitesparse-dev
          catch2 libcli11-dev libfmt-dev nlohmann-json3-dev libsbml5-dev python3-matplotlib python3-yaml
          python3-dev pybind11-dev python3-pandas python3-pytest dpkg-dev clang-format clang-tidy)
if [ "$browser" = ON ]; then
  packages+=(chromium)
fi
if [ "$bench" = ON ]; then
  packages+=(libsundials-dev libbenchmark-dev python3-scipy r-cran-desolve)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

jobs=${JOBS:-$(nproc)}
# The sanitizer builds use -O1 -g1: fast to compile, still readable stack traces;
# they build test executables only, so the Python module is left out. They are
# unity builds (cmake/UnityBuild.cmake): CI compiles them from scratch on a
# fresh machine. compile_commands.json is for clang-tidy, which reads the
# release tree (not a unity build: clang-tidy needs one entry per source).
extra=()
[ "$build_type" = Sanitize ] && extra=(-DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DEXVIVO_BUILD_PYTHON=OFF -DCMAKE_UNITY_BUILD=ON)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "${extra[@]}" \
  -DEXVIVO_BUILD_TESTS="$tests" -DEXVIVO_BUILD_BENCH="$bench" -DEXVIVO_SANITIZE="$sanitize" \
  -DEXVIVO_SANITIZE_THREAD="$tsan" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >&2
if [ -n "${TARGETS:-}" ]; then
  # shellcheck disable=SC2086
  cmake --build "$build_dir" -j "$jobs" --target $TARGETS >&2
else
  cmake --build "$build_dir" -j "$jobs" >&2
fi
