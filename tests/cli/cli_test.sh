#!/usr/bin/env bash
# Usage: cli_test.sh EXVIVO SOURCE_DIR WORK_DIR
# Checks exit codes (0 ok, 1 runs failed, 2 invalid input) and that messages
# name the file, line, column and key path.
set -u
exvivo=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
failures=0 passed=0

source "$src/tests/cli/expect.sh"

model="$src/models/one_compartment.yaml"
expect 0 "exvivo " -- "$exvivo" --version
expect 0 "model 'one_compartment' is valid" -- "$exvivo" check "$model"
expect 0 "scenario 'one_compartment_dosing' is valid" -- "$exvivo" check "$src/scenarios/one_compartment_dosing.yaml"
expect 0 "k_el" -- "$exvivo" info "$model"
expect 2 "" -- "$exvivo"
expect 2 "subcommand" -- "$exvivo" frobnicate
expect 2 "cannot open file" -- "$exvivo" check "$work/missing.yaml"
expect 2 "--shard: expected I/N such as 2/8, got 'x'" -- "$exvivo" run "$src/scenarios/one_compartment_dosing.yaml" --shard x -o "$work/o"
expect 2 "--shard: expected I/N with 1 <= I <= N, got 3/2" -- "$exvivo" run "$src/scenarios/one_compartment_dosing.yaml" --shard 3/2 -o "$work/o"

cat > "$work/typo.yaml" <<YAML
scenario: typo
model: $model
arms:
  - id: dosed
    protocol:
      - {at: 0 h, add: {CC: 10 ng/mL}}
samples: {times: [0, 1]}
YAML
expect 2 "typo.yaml:6:25: arms[0].protocol[0].add.CC: unknown species 'CC' (did you mean 'C'?)" -- "$exvivo" run "$work/typo.yaml" -o "$work/o"
expect 2 "typo.yaml:6:25" -- "$exvivo" check "$work/typo.yaml"
printf 'model: x\n\x00\x01garbage' > "$work/binary.yaml"
expect 2 "not a text file" -- "$exvivo" check "$work/binary.yaml"
: > "$work/empty.yaml"
expect 2 "empty file" -- "$exvivo" check "$work/empty.yaml"

# A run that fails (too few steps) is recorded; the others go on; exit 1.
cat > "$work/failing.yaml" <<YAML
scenario: failing
model: $model
solver: {max_steps: 50, method: rk45}
allow_out_of_bounds: true   # k_el = 1000 is outside its bounds on purpose
arms:
  - id: long
    protocol:
      - {at: 0 h, add: {C: 10 ng/mL}}
samples: {times: [0 h, 10 h]}
sweep:
  factors:
    k_el: {values: [0.001, 1000]}
YAML
expect 1 "failed: run 1" -- "$exvivo" run "$work/failing.yaml" -o "$work/failing"
if ! grep -q "^0,default,long,0,ok," "$work/failing/runs.csv" || ! grep -q "^1,default,long,1,max_steps," "$work/failing/runs.csv"; then
  echo "FAIL: runs.csv does not record the ok and the failed run:"; cat "$work/failing/runs.csv"; failures=$((failures + 1))
else
  passed=$((passed + 1))
fi

# Output bytes do not depend on the thread count.
"$exvivo" run "$src/scenarios/one_compartment_dosing.yaml" -o "$work/t1" --threads 1 --quiet
"$exvivo" run "$src/scenarios/one_compartment_dosing.yaml" -o "$work/t2" --threads 2 --quiet
for f in timecourses.csv summary.csv; do
  if cmp -s "$work/t1/$f" "$work/t2/$f"; then passed=$((passed + 1)); else echo "FAIL: $f differs between 1 and 2 threads"; failures=$((failures + 1)); fi
done
if cut -d, -f1-6 "$work/t1/runs.csv" | cmp -s - <(cut -d, -f1-6 "$work/t2/runs.csv"); then passed=$((passed + 1)); else echo "FAIL: runs.csv differs"; failures=$((failures + 1)); fi

# Shards 1/3, 2/3, 3/3 merged equal the unsharded run (wall_ms, column 9, aside).
scenario="$src/scenarios/one_compartment_dosing.yaml"
for i in 1 2 3; do "$exvivo" run "$scenario" --shard $i/3 -o "$work/shard$i" --quiet; done
expect 0 "merged 3 shard directories: 12 runs, 12 ok" -- "$exvivo" merge "$work/shard3" "$work/shard1" "$work/shard2" -o "$work/merged"
for f in timecourses.csv summary.csv; do
  if cmp -s "$work/t1/$f" "$work/merged/$f"; then passed=$((passed + 1)); else echo "FAIL: merged $f differs from the unsharded run"; failures=$((failures + 1)); fi
done
if cut -d, -f1-8,10- "$work/t1/runs.csv" | cmp -s - <(cut -d, -f1-8,10- "$work/merged/runs.csv"); then passed=$((passed + 1)); else echo "FAIL: merged runs.csv differs"; failures=$((failures + 1)); fi
expect 2 "shards missing: 2/3" -- "$exvivo" merge "$work/shard1" "$work/shard3" -o "$work/merged2"
expect 2 "shard 1/3 is given twice" -- "$exvivo" merge "$work/shard1" "$work/shard1" "$work/shard2" -o "$work/merged2"
expect 2 "not a shard directory" -- "$exvivo" merge "$work/t1" -o "$work/merged2"

# A reading of 0 under lognormal noise: refused (exit 2, file:line:column) when
# the observable has no lloq; with an lloq it is a reading below the LLOQ,
# censored, and the fit runs.
mkdir -p "$work/zero/models" "$work/zero/fit"
cp "$src/tests/fit/data/decay_fit.yaml" "$work/zero/fit/"
sed 's|../../../models/|../models/|' "$src/tests/fit/data/decay_two_donors.yaml" > "$work/zero/fit/decay_two_donors.yaml"
cp "$model" "$work/zero/models/one_compartment.yaml"
{ cat "$src/tests/fit/data/decay_data.tsv"; printf 'slow\tdosed\tC_ng\t24\t0\tA\n'; } > "$work/zero/fit/decay_data.tsv"
zero_line=$(wc -l < "$work/zero/fit/decay_data.tsv")
expect 2 "decay_data.tsv:$zero_line:5: column 'measurement': observable 'C_ng' has lognormal noise: measurements must be positive, got 0" -- \
  "$exvivo" fit "$work/zero/fit/decay_fit.yaml" -o "$work/zero/out1" --quiet
sed -i 's|sigma: 0.1}}|sigma: 0.1}, lloq: 0.5}|' "$work/zero/models/one_compartment.yaml"
expect 0 "" -- "$exvivo" fit "$work/zero/fit/decay_fit.yaml" -o "$work/zero/out2" --quiet
expect 0 "slow,dosed,C_ng,24,A,0," -- grep ',0,' "$work/zero/out2/residuals.csv"

echo "cli: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
