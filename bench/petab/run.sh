#!/usr/bin/env bash
# PEtab benchmark (bench/README.md, "PEtab benchmark problems"): in one run,
#  1. exvivo's seconds per llh and per forward-sensitivity gradient on the
#     benchmark problems with native code, next to AMICI's CI time limits,
#     and the same with the interpreter (bench_petab --interpreter);
#  2. the same objective of Boehm_JProteomeRes2014 evaluated by SciPy
#     (solve_ivp LSODA and BDF; scipy_petab.py), llh and seconds per call;
#  3. `exvivo fit` of Boehm_JProteomeRes2014 (10 starts, 1 thread): best nllh, wall s.
#
#   bench/petab/run.sh [BUILD_DIR]   (default build; needs -DEXVIVO_BUILD_BENCH=ON)
#   ALL=1 bench/petab/run.sh         also the slow problems (Bachmann, Isensee, Lucarelli, Smith),
#                                    native code only
#   ALL=1 INTERPRETER=all bench/petab/run.sh   the slow ones with the interpreter too
#                                    (about 10 CPU minutes more)
#   INTERPRETER=0 bench/petab/run.sh native code only
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
external=$root/../shared/external
if [ ! -d "$external/petab-benchmark-collection" ]; then
  echo "PEtab benchmark collection not found under $external" >&2
  exit 1
fi
problems=(Boehm_JProteomeRes2014 Borghans_BiophysChem1997 Brannmark_JBC2010 Bruno_JExpBot2016
          Crauste_CellSystems2017 Elowitz_Nature2000 Fiedler_BMCSystBiol2016 Fujita_SciSignal2010
          Schwen_PONE2014 Sneyd_PNAS2002 Weber_BMC2015 Zheng_PNAS2012)
slow=(Bachmann_MSB2011 Isensee_JCB2018 Lucarelli_CellSystems2018 Smith_BMCSystBiol2013)
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
interpreter=(--interpreter)
[ "${INTERPRETER:-1}" = 0 ] && interpreter=()
echo "== exvivo CPU seconds per evaluation vs AMICI CI limits (ratio = exvivo / limit)"
"$build/bench/bench_petab" "${interpreter[@]}" "$external" "${problems[@]}"
if [ "${ALL:-0}" = 1 ]; then
  [ "${INTERPRETER:-1}" = all ] || interpreter=()
  "$build/bench/bench_petab" "${interpreter[@]}" "$external" "${slow[@]}"
fi
boehm=$external/petab-benchmark-collection/Benchmark-Models/Boehm_JProteomeRes2014
echo "== SciPy, same objective (Boehm_JProteomeRes2014; CPU seconds, one BLAS thread)"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
/usr/bin/python3 "$here/scipy_petab.py" --method LSODA "$boehm"
/usr/bin/python3 "$here/scipy_petab.py" --method BDF "$boehm"
echo "== exvivo fit Boehm_JProteomeRes2014 (10 starts, 1 thread)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
TIMEFORMAT='wall_s=%R cpu_s=%U'
time "$build/exvivo" fit "$boehm/Boehm_JProteomeRes2014.yaml" --starts 10 --threads 1 -o "$work/fit"
awk -F, 'NR > 1 && $4 ~ /tol/ { c++ } END { print "converged starts:", c }' "$work/fit/starts.csv"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
