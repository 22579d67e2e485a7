#!/usr/bin/env bash
# exvivo vs R deSolve (LSODA) and SciPy (LSODA) on the leukocyte model at
# matched accuracy (not a test; see bench/README.md, "exvivo vs R deSolve and
# SciPy"). Needs a build with -DEXVIVO_BUILD_BENCH=ON (tools/setup.sh --bench
# installs r-cran-desolve and python3-scipy), Rscript and a C compiler.
#
#   bench/leukocyte_peers/run.sh [BUILD_DIR] [--quick]     (default build-bench/)
#
# Steps: export run 0 of assay72h.yaml (generated C code, deSolve/ctypes
# wrapper, protocol as event tables), compile it with the flags exvivo's
# native code uses (so all solvers call identical machine code for the model),
# then peers.py: reference solution, tolerance sweeps, matched-accuracy table.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-bench}
[ "${1:-}" = --quick ] && build=build-bench
quick=()
for a in "$@"; do [ "$a" = --quick ] && quick=(--quick); done
tool=$(cd "$build" && pwd)/bench/leukocyte_peers
[ -x "$tool" ] || { echo "run.sh: $tool not found; build the target leukocyte_peers with -DEXVIVO_BUILD_BENCH=ON" >&2; exit 2; }
command -v Rscript >/dev/null || { echo "run.sh: Rscript not found (apt-get install r-cran-desolve)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario="$here/assay72h.yaml"
"$tool" export "$scenario" "$work" >&2
cc -std=c99 -O2 -fPIC -shared -ffp-contract=off -fno-math-errno -o "$work/leuko.so" \
  "$work/model.c" "$work/wrapper.c" -lm
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(cc --version | head -1);" \
  "R $(Rscript -e 'cat(format(getRversion()))') with deSolve $(Rscript -e 'cat(format(packageVersion("deSolve")))');" \
  "Python $(/usr/bin/python3 -c 'import sys, scipy, numpy; print(sys.version.split()[0], "SciPy", scipy.__version__, "NumPy", numpy.__version__)')"
/usr/bin/python3 "$here/peers.py" "$tool" "$scenario" "$work" "${quick[@]}"
