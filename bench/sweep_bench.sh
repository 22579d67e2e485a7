#!/usr/bin/env bash
# Sweep benchmark (not a test): time and peak memory of a 1,000,000-run sweep
# with timecourses off. Throughput of a leukocyte cohort with 1 and 2 threads,
# native code against the interpreter, is bench/native_bench.sh.
# Usage: bench/sweep_bench.sh [BUILD_DIR]   (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
exvivo=${1:-build}/exvivo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/million.yaml" <<YAML
scenario: million
model: $PWD/models/one_compartment.yaml
arms:
  - id: dosed
    protocol: [{at: 0 h, add: {C: \$dose}}, {at: 12 h, wash: true}]
samples:
  times: [1 h, 6 h, 12 h-, 24 h]
sweep:
  design: random
  n: 1000000
  seed: 5
  factors:
    dose: {range: [0.1, 100], scale: log10, unit: ng/mL}
    k_el: {range: [0.01, 1], scale: log10}
output: {timecourses: false}
YAML
echo "== 1,000,000-run sweep, timecourses off"
/usr/bin/time -f "%e s wall, peak RSS %M kB" "$exvivo" run "$work/million.yaml" -o "$work/m" --quiet 2>&1 | tail -1
echo "runs.csv rows: $(($(wc -l < "$work/m/runs.csv") - 1))"
