#!/usr/bin/env bash
# Sweep benchmarks (not a test): throughput and parallel efficiency of a
# 10,000-run virtual-cohort sweep of the leukocyte model with 1 and 2 threads,
# side by side, and the peak memory of a 1,000,000-run sweep with timecourses
# off. Usage: bench/sweep_bench.sh [BUILD_DIR]   (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
exvivo=${1:-build}/exvivo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/cohort10k.yaml" <<YAML
scenario: cohort10k
model: $PWD/models/leukocyte_exvivo.yaml
culture: whole_blood
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
  times: [0 h, 24 h-, 28 h]
  observables: [mHLA_DR, TNF_pg]
output: {timecourses: true}
YAML

echo "== 10,000-run cohort sweep of the leukocyte model"
declare -A secs
for t in 1 2; do
  start=$(date +%s.%N)
  "$exvivo" run "$work/cohort10k.yaml" -o "$work/c$t" --threads $t --quiet
  end=$(date +%s.%N)
  secs[$t]=$(awk "BEGIN {print $end - $start}")
  awk "BEGIN {printf \"threads %d: %6.2f s, %7.0f runs/s\\n\", $t, ${secs[$t]}, 10000 / ${secs[$t]}}"
done
awk "BEGIN {printf \"parallel efficiency (2 threads): %.2f\\n\", ${secs[1]} / (2 * ${secs[2]})}"
cmp -s "$work/c1/timecourses.csv" "$work/c2/timecourses.csv" && echo "outputs of 1 and 2 threads identical: yes" || echo "outputs differ!"

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
