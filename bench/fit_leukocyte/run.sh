#!/usr/bin/env bash
# Leukocyte fit benchmark (README.md): the two-scenario, 9-parameter fit of
# fit.yaml by `exvivo fit` and by SciPy's least_squares on exvivo's objective
# and sensitivities (fit_scipy.py), same starts, one thread each. Prints each
# side's optimum nllh, wall and CPU seconds and the SciPy/exvivo ratios.
#
#   bench/fit_leukocyte/run.sh [BUILD_DIR]     (default: build; needs the
#                                              exvivo and exvivo_python targets)
#
# lps_data.tsv is regenerated first (exvivo run lps.yaml, the model's noise,
# seed 2, TNF below 10 pg/mL censored), so it is reproducible from this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
exvivo=$build/exvivo
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$exvivo" run "$here/lps.yaml" -o "$work/truth" --quiet
"$python" "$root/tools/make_synthetic_data.py" "$work/truth/timecourses.csv" \
  --model "$root/models/leukocyte_exvivo.yaml" --seed 2 > "$work/lps_raw.tsv"
"$python" "$here/censor.py" "$work/lps_raw.tsv" TNF_pg=10 > "$here/lps_data.tsv"

# measure NAME CMD...: runs CMD, stdout to $work/NAME.out, "wall cpu" seconds to $work/NAME.time
measure() {
  local name=$1; shift
  local TIMEFORMAT='%R %U %S'
  { time "$@" > "$work/$name.out" 2> "$work/$name.err"; } 2> "$work/$name.rawtime"
  awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$work/$name.rawtime" > "$work/$name.time"
}

measure exvivo "$exvivo" fit "$here/fit.yaml" -o "$work/fit" --threads 1 --quiet
measure scipy env PYTHONPATH="$build/python" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
  "$python" "$here/fit_scipy.py" "$here/fit.yaml" --starts 8 --seed 1

exvivo_nllh=$(awk -F, 'NR == 2 {print $2}' "$work/fit/starts.csv")
read -r ex_wall ex_cpu < "$work/exvivo.time"
scipy_nllh=$(sed -n 's/^best nllh=\([^ ]*\).*/\1/p' "$work/scipy.out")
read -r sc_wall sc_cpu < "$work/scipy.time"
printf '%-30s %14s %9s %9s %12s %12s\n' side nllh wall_s cpu_s wall/exvivo cpu/exvivo
printf '%-30s %14.6f %9.2f %9.2f %12s %12s\n' "exvivo fit" "$exvivo_nllh" "$ex_wall" "$ex_cpu" 1 1
printf '%-30s %14.6f %9.2f %9.2f %12.2f %12.2f\n' "scipy least_squares (trf)" "$scipy_nllh" "$sc_wall" "$sc_cpu" \
  "$(echo "$sc_wall / $ex_wall" | bc -l)" "$(echo "$sc_cpu / $ex_cpu" | bc -l)"
echo "exvivo timing: $("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['timing'])" "$work/fit/fit.json")"
grep '^best\|^start' "$work/scipy.out" | sed 's/^/scipy /'
