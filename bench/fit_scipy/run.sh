#!/usr/bin/env bash
# Fit benchmark: the same 21-parameter problem (per-donor k_el of 20 donors,
# shared C0; README.md) fitted by `exvivo fit` and by SciPy (least_squares +
# solve_ivp), same box, scale, start count and objective. Prints each side's
# optimum nllh, wall and CPU seconds, and the SciPy/exvivo ratios.
#
#   bench/fit_scipy/run.sh [path/to/exvivo]     (default: build/exvivo)
#
# Both sides run single-threaded (exvivo --threads 1). The data table is
# regenerated from scenario.yaml first (exvivo run + make_synthetic_data.py,
# seed 1), so data.tsv is reproducible from this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
exvivo=${1:-$root/build/exvivo}
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$exvivo" run "$here/scenario.yaml" -o "$work/truth" --quiet
"$python" "$root/tools/make_synthetic_data.py" "$work/truth/timecourses.csv" \
  --model "$root/models/one_compartment.yaml" --seed 1 --replicates 2 > "$here/data.tsv"

# measure NAME CMD...: runs CMD, stdout to $work/NAME.out, "wall cpu" seconds to $work/NAME.time
measure() {
  local name=$1; shift
  local TIMEFORMAT='%R %U %S'
  { time "$@" > "$work/$name.out" 2> "$work/$name.err"; } 2> "$work/$name.rawtime"
  awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$work/$name.rawtime" > "$work/$name.time"
}

measure exvivo "$exvivo" fit "$here/fit.yaml" -o "$work/fit" --threads 1 --quiet
measure scipy_fd "$python" "$here/fit_scipy.py" "$here/data.tsv" --starts 10 --seed 1 --jac 2-point
measure scipy_sens "$python" "$here/fit_scipy.py" "$here/data.tsv" --starts 10 --seed 1 --jac sens

exvivo_nllh=$(awk -F, 'NR == 2 {print $2}' "$work/fit/starts.csv")
read -r ex_wall ex_cpu < "$work/exvivo.time"
printf '%-22s %14s %9s %9s %12s %12s\n' side nllh wall_s cpu_s wall/exvivo cpu/exvivo
printf '%-22s %14.6f %9.2f %9.2f %12s %12s\n' "exvivo fit" "$exvivo_nllh" "$ex_wall" "$ex_cpu" 1 1
for side in scipy_fd scipy_sens; do
  nllh=$(sed -n 's/.*nllh=\([^ ]*\).*/\1/p' "$work/$side.out")
  read -r wall cpu < "$work/$side.time"
  label=$([ "$side" = scipy_fd ] && echo "scipy (2-point jac)" || echo "scipy (sensitivities)")
  printf '%-22s %14.6f %9.2f %9.2f %12.1f %12.1f\n' "$label" "$nllh" "$wall" "$cpu" \
    "$(echo "$wall / $ex_wall" | bc -l)" "$(echo "$cpu / $ex_cpu" | bc -l)"
done
