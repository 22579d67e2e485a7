#!/usr/bin/env bash
# The example fit's own measure of sensitivity cost: runs
# scenarios/fit_gmcsf_patients.yaml ROUNDS times on one thread with each
# given exvivo binary (alternating, so that machine load affects all alike)
# and prints fit.json's timing per run: solves, mean seconds per solve, and
# the ratio sensitivity/plain (CPU time of the solving thread, as fit.json
# records it).
#
#   bench/sensitivity_fit.sh [ROUNDS] [EXVIVO ...]     # default: 3 build/exvivo
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
shift || true
binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=(build/exvivo)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((r = 1; r <= rounds; ++r)); do
  for b in "${binaries[@]}"; do
    "$b" fit scenarios/fit_gmcsf_patients.yaml -o "$work/out" --quiet --threads 1
    /usr/bin/python3 - "$work/out/fit.json" "$b" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t = j["timing"]
plain = t["plain_seconds"] / t["plain_solves"]
sens = t["sensitivity_seconds"] / t["sensitivity_solves"]
print(f"{sys.argv[2]}: {t['plain_solves']} plain x {plain * 1e6:.0f} us, "
      f"{t['sensitivity_solves']} sensitivity x {sens * 1e6:.0f} us, ratio {sens / plain:.2f}, "
      f"nllh {j['best']['nllh']:.8f}")
PY
  done
done
