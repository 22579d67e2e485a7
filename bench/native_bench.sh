#!/usr/bin/env bash
# Native code vs the interpreter (not a test): throughput of a 10,000-run
# virtual-cohort sweep of the leukocyte model with a 72 h protocol (GM-CSF
# from 0 h, LPS at 24 h, samples to 72 h), with 1 and 2 threads, side by side
# in one run; the outputs of both evaluators must be byte-identical. Then the
# first-run latency of native code (empty cache: generate, compile, load) and
# the cached one. Reports wall and CPU (user+sys) time: on a shared machine
# the CPU time is the fairer measure.
# Usage: bench/native_bench.sh [BUILD_DIR]   (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
exvivo=$(realpath "${1:-build}/exvivo")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export EXVIVO_CACHE_DIR="$work/cache"

scenario() {  # $1 = evaluator, $2 = further solver options
  cat <<YAML
scenario: cohort10k_72h
model: $PWD/models/leukocyte_exvivo.yaml
culture: whole_blood
solver: {evaluator: $1${2:-}}
cohort:
  n: 5000
  seed: 1
  preset: septic
  distributions:
    HLA0: {lognormal: {median: 5500, sigma: 0.6}, unit: AB/C}
    IL10_plasma: {lognormal: {median: 58, sigma: 1.2}, unit: pg/mL}
    TOL0: {logitnormal: {median: 0.8, sigma: 1.0}}
    GMR0: {lognormal: {median: 0.6, sigma: 0.3}}
arms:
  - id: control
  - id: gmcsf
    protocol: [{at: 0 h, add: {GMCSF: 1 ng/mL}}]
protocol:
  - {at: 24 h, add: {LPS: 10 ng/mL}}
samples:
  times: [0 h, 24 h-, 28 h, 48 h, 72 h]
  observables: [mHLA_DR, TNF_pg]
output: {timecourses: true}
YAML
}
scenario native > "$work/native.yaml"
scenario interpreter > "$work/interpreter.yaml"
scenario native ", rel_tol: 1e-4, abs_tol: 1e-7" > "$work/native-tol4.yaml"
scenario native ", method: rk45, rel_tol: 1e-10, abs_tol: 1e-13" > "$work/reference.yaml"

echo "== first-run latency of native code (leukocyte model, empty cache), then cached"
for attempt in "empty cache" cached; do
  /usr/bin/time -f "$attempt: load, compile, run the GM-CSF scenario: %e s wall, %U s user" \
    "$exvivo" run "$PWD/scenarios/gmcsf_restores_hladr.yaml" -o "$work/latency" --quiet 2>&1 | tail -1
  /usr/bin/python3 -c "import json,sys; j=json.load(open('$work/latency/run.json')); print('   run.json native_code:', j.get('native_code'))"
done
rm -rf "$work/cache"; mkdir -p "$work/cache"
"$exvivo" run "$work/native.yaml" -o "$work/warm" --quiet > /dev/null 2>&1 || true  # fill the cache

echo "== 10,000-run leukocyte cohort, 72 h protocol ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
printf "%-12s %7s %9s %9s %11s %11s\n" evaluator threads wall_s cpu_s runs/s_wall runs/s_cpu
declare -A cpu
for evaluator in native interpreter native-tol4; do
  for t in 1 2; do
    out="$work/$evaluator-$t"
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$exvivo" run "$work/$evaluator.yaml" -o "$out" --threads $t --quiet
    read -r wall user sys < "$work/time"
    c=$(awk "BEGIN {print $user + $sys}")
    cpu[$evaluator-$t]=$c
    awk "BEGIN {printf \"%-12s %7d %9.2f %9.2f %11.0f %11.0f\\n\", \"$evaluator\", $t, $wall, $c, 10000 / $wall, 10000 / $c}"
  done
done
awk "BEGIN {printf \"native / interpreter, CPU time per run: %.1fx\\n\", ${cpu[interpreter-1]} / ${cpu[native-1]}}"
cmp -s "$work/native-1/timecourses.csv" "$work/interpreter-1/timecourses.csv" &&
  cmp -s "$work/native-1/timecourses.csv" "$work/native-2/timecourses.csv" &&
  echo "timecourses.csv identical for native/interpreter and 1/2 threads: yes" || echo "outputs differ!"

# Accuracy of the default (rel_tol 1e-6) and of rel_tol 1e-4 against a
# reference (rk45 at rel_tol 1e-10, abs_tol 1e-13) over every run, sample and
# observable: |y - y_ref| / max(|y_ref|, 1e-3 * max |y_ref| of the observable),
# the error measure of the peers benchmark (leukocyte_peers).
"$exvivo" run "$work/reference.yaml" -o "$work/reference" --threads 2 --quiet
/usr/bin/python3 - "$work" <<'PY'
import sys, pandas as pd, numpy as np
work = sys.argv[1]
ref = pd.read_csv(f"{work}/reference/timecourses.csv")
scale = ref.groupby("observable")["value"].transform(lambda v: 1e-3 * v.abs().max())
floor = np.maximum(ref["value"].abs(), scale)
for name, label in [("native-1", "rel_tol 1e-6 (default)"), ("native-tol4-1", "rel_tol 1e-4, abs_tol 1e-7")]:
    run = pd.read_csv(f"{work}/{name}/timecourses.csv")
    err = (run["value"] - ref["value"]).abs() / floor
    print(f"largest relative error of the cohort's observables at {label}: {err.max():.1e}")
PY
