#!/usr/bin/env bash
# Leukocyte fit benchmark (README.md): the two-scenario, 9-parameter fit of
# fit.yaml by `exvivo fit`, by SciPy's least_squares on exvivo's objective
# (isolates the optimizer) and by SciPy's least_squares on SciPy's own
# objective (solve_ivp on the model's code translated to Python), same starts,
# one thread each. Prints each side's optimum nllh, wall and CPU seconds and
# the CPU ratios, and checks that the optima agree.
#
#   bench/fit_leukocyte/run.sh [BUILD_DIR] [--scipy-starts N] [--method LSODA|BDF|Radau] [--repeat 3]
#
# BUILD_DIR (default build) needs the targets exvivo, exvivo_python and
# fit_problem_export (configured with -DEXVIVO_BUILD_BENCH=ON: tools/setup.sh
# --bench). --scipy-starts N runs only the first N starts on SciPy's own
# objective (minutes each on a loaded machine); its CPU is then compared per
# start. --method: solve_ivp's method there (default LSODA). --repeat: runs of
# the two fast sides, whose median times are reported (default 3).
#
# lps_data.tsv is regenerated first (exvivo run lps.yaml, the model's noise,
# seed 2, TNF below 10 pg/mL censored), so it is reproducible from this script.
# The Python model code is generated into a temporary directory at every run
# (fit_problem_export, then c_to_python.py), never stored.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then build=$1; shift; fi
build=$(cd "$build" && pwd)
exvivo=$build/exvivo
export_tool=$build/bench/fit_problem_export
python=/usr/bin/python3
for f in "$exvivo" "$export_tool"; do
  [ -x "$f" ] || { echo "run.sh: $f not found; build the targets exvivo, exvivo_python and fit_problem_export with -DEXVIVO_BUILD_BENCH=ON (tools/setup.sh --bench)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$exvivo" run "$here/lps.yaml" -o "$work/truth" --quiet
"$python" "$root/tools/make_synthetic_data.py" "$work/truth/timecourses.csv" \
  --model "$root/models/leukocyte_exvivo.yaml" --seed 2 > "$work/lps_raw.tsv"
"$python" "$here/censor.py" "$work/lps_raw.tsv" TNF_pg=10 > "$here/lps_data.tsv"

"$export_tool" "$here/fit.yaml" "$work/scipy"
"$python" "$here/c_to_python.py" "$work/scipy/model.c" "$work/scipy/problem.json" "$work/scipy/model_code.py"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
  "Python $("$python" -c 'import sys, scipy, numpy; print(sys.version.split()[0], "SciPy", scipy.__version__, "NumPy", numpy.__version__)');" \
  "uptime: $(uptime)"
PYTHONPATH="$build/python" "$python" "$here/bench.py" "$exvivo" "$here/fit.yaml" "$work/scipy" "$@"
