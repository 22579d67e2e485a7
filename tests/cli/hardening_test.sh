#!/usr/bin/env bash
# Usage: hardening_test.sh EXVIVO SOURCE_DIR WORK_DIR
# Hostile inputs and faults (issue 15): every one ends with the documented exit
# code and a message that says what is wrong — never a crash, a hang, exit 3,
# silent acceptance, or lost or mixed results.
#   output directories: ownership, stale files, --resume, lock
#   values: placeholders, set, scale, bounds, reserved ids
#   limits: alias bombs, file kinds and sizes, sample times
#   environment: disk full, read-only file system (exit 4), odd paths
#   merge: damaged and missing chunks;  outputs: the `side` column;  model units
set -u
exvivo=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
failures=0 passed=0 skipped=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
ok() { passed=$((passed + 1)); }

expect() {  # expect CODE PATTERN -- command...   (each run limited to 60 s: a hang fails)
  local code=$1 pattern=$2
  shift 3
  local out rc
  out=$(timeout 60 "$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$code" ] || ! grep -qF -- "$pattern" <<<"$out"; then
    fail "$* -> exit $rc (want $code), output:"
    echo "$out" | head -8
    echo "  expected to contain: $pattern"
  else
    ok
  fi
}

check() {  # check DESCRIPTION -- command...   (the command must succeed)
  local what=$1
  shift 2
  if "$@"; then ok; else fail "$what"; fi
}

model="$src/models/one_compartment.yaml"
scenario="$src/scenarios/one_compartment_dosing.yaml"
# Two small scenarios of the one-compartment model, A and B.
write_scenario() {  # write_scenario FILE NAME [extra YAML lines...]
  local file=$1 name=$2
  shift 2
  {
    echo "scenario: $name"
    echo "model: $model"
    echo "arms:"
    echo "  - id: dosed"
    echo "    protocol:"
    echo "      - {at: 0 h, add: {C: 10 ng/mL}}"
    echo "samples: {times: [0 h, 1 h, 2 h]}"
    for line in "$@"; do echo "$line"; done
  } > "$file"
}
write_scenario "$work/a.yaml" scen_a
write_scenario "$work/b.yaml" scen_b "output: {timecourses: false}"

# --- output directories -------------------------------------------------------
out="$work/out"
expect 0 "" -- "$exvivo" run "$work/a.yaml" -o "$out" --quiet
check "the manifest records the run" -- grep -q '"name": "scen_a"' "$out/exvivo-output.json"
expect 2 "holds the results of another computation (\`exvivo run\` of 'scen_a')" -- "$exvivo" run "$work/b.yaml" -o "$out" --quiet
check "a refused run leaves A's results" -- test -f "$out/timecourses.csv"
expect 2 "another computation" -- "$exvivo" run "$work/b.yaml" -o "$out" --resume --quiet
# The same scenario again, now without time courses: A's old timecourses.csv is stale and goes.
write_scenario "$work/a.yaml" scen_a "output: {timecourses: false}"
expect 0 "" -- "$exvivo" run "$work/a.yaml" -o "$out" --quiet
check "a stale timecourses.csv is removed" -- test ! -e "$out/timecourses.csv"
# --resume on finished results of the same scenario: nothing to do, nothing touched.
before=$(stat -c %Y.%s "$out/runs.csv")
expect 0 "already holds the finished results of this scenario" -- "$exvivo" run "$work/a.yaml" -o "$out" --resume
check "--resume on a finished run leaves runs.csv alone" -- test "$before" = "$(stat -c %Y.%s "$out/runs.csv")"
# Figures of `exvivo report` are recorded and removed with the results they show.
mkdir -p "$out/figures" && echo png > "$out/figures/old.png"
expect 2 "holds files that exvivo did not write (figures/)" -- "$exvivo" run "$work/a.yaml" -o "$out" --quiet
rm -r "$out/figures"
# A user's folder named chunks/ is never deleted.
mkdir -p "$work/user/chunks" && echo mine > "$work/user/chunks/notes.txt"
expect 2 "holds files that exvivo did not write (chunks/)" -- "$exvivo" run "$work/a.yaml" -o "$work/user" --quiet
check "a user's chunks/ folder is kept" -- grep -q mine "$work/user/chunks/notes.txt"
echo data > "$work/user2.txt" && mkdir -p "$work/user2" && cp "$work/user2.txt" "$work/user2/"
expect 2 "holds files that exvivo did not write (user2.txt)" -- "$exvivo" run "$work/a.yaml" -o "$work/user2" --quiet
mkdir -p "$work/user3" && ln -s /nonexistent "$work/user3/dangling"
expect 2 "holds files that exvivo did not write (dangling)" -- "$exvivo" run "$work/a.yaml" -o "$work/user3" --quiet
# fit and analyze own their directories the same way.
expect 2 "holds the results of another computation" -- "$exvivo" fit "$src/tests/fit/data/decay_fit.yaml" -o "$out" --quiet
expect 2 "holds the results of another computation" -- "$exvivo" analyze "$src/scenarios/analysis_gmcsf_sensitivity.yaml" -o "$out" --quiet
# Two processes in one directory: the second is refused while the first holds the lock.
mkdir -p "$work/locked"
/usr/bin/python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(30)' "$work/locked/.exvivo-lock" &
holder=$!
for _ in $(seq 50); do flock -n "$work/locked/.exvivo-lock" true || break; sleep 0.1; done
expect 2 "is being written by another exvivo process" -- "$exvivo" run "$work/a.yaml" -o "$work/locked" --quiet
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
expect 0 "" -- "$exvivo" run "$work/a.yaml" -o "$work/locked" --quiet
echo x > "$work/plainfile"
expect 2 "is not a directory" -- "$exvivo" run "$work/a.yaml" -o "$work/plainfile" --quiet

# --- values -------------------------------------------------------------------
write_scenario "$work/neg_placeholder.yaml" neg "sweep: {factors: {dose: {values: [1, -5], unit: ng/mL}}}"
sed -i 's/add: {C: 10 ng\/mL}/add: {C: $dose}/' "$work/neg_placeholder.yaml"
expect 2 "sweep.factors.dose: the amount added to species 'C' must not be negative, got '\$dose'" -- "$exvivo" run "$work/neg_placeholder.yaml" -o "$work/v" --quiet
write_scenario "$work/neg_set.yaml" negset "protocol: [{at: 1 h, set: {C: -5}}]"
expect 2 "protocol[0].set.C: the value set for species 'C' must not be negative, got -5 ng/mL" -- "$exvivo" run "$work/neg_set.yaml" -o "$work/v" --quiet
write_scenario "$work/neg_scale.yaml" negscale "protocol: [{at: 1 h, scale: {C: -1}}]"
expect 2 "protocol[0].scale.C: a scale factor must not be negative, got -1" -- "$exvivo" check "$work/neg_scale.yaml"
write_scenario "$work/oob.yaml" oob "set: {k_el: 1e30}"
expect 2 "set.k_el: 1e+30 1/h is outside the bounds [0.001, 10] of parameter 'k_el' (write 'allow_out_of_bounds: true'" -- "$exvivo" run "$work/oob.yaml" -o "$work/v" --quiet
write_scenario "$work/oob_sweep.yaml" oobs "sweep: {factors: {k_el: {values: [0.1, -5]}}}"
expect 2 "sweep.factors.k_el: -5 1/h is outside the bounds" -- "$exvivo" check "$work/oob_sweep.yaml"
write_scenario "$work/oob_allowed.yaml" oob_allowed "set: {k_el: 20}" "allow_out_of_bounds: true"
expect 0 "warning: $work/oob_allowed.yaml:8:13: set.k_el: 20 1/h is outside the bounds [0.001, 10] of parameter 'k_el' (allowed" -- "$exvivo" run "$work/oob_allowed.yaml" -o "$work/v2"
write_scenario "$work/reserved.yaml" reserved "donors: [{id: cohort_0002}]"
expect 2 "donors[0].id: donor id 'cohort_0002' is reserved" -- "$exvivo" check "$work/reserved.yaml"

# --- limits -------------------------------------------------------------------
{
  echo "a: &a [x, x, x, x, x, x, x, x, x, x]"
  prev=a
  for l in b c d e f g h i; do echo "$l: &$l [*$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev]"; prev=$l; done
  echo "scenario: bomb"
} > "$work/bomb.yaml"
expect 2 "the document has more than 250000 values (counting each use of an alias" -- "$exvivo" check "$work/bomb.yaml"
/usr/bin/python3 -c "print('scenario: deep\nx: ' + '[' * 100000 + ']' * 100000)" > "$work/deep.yaml"
expect 2 ": nested deeper than 64 levels" -- "$exvivo" check "$work/deep.yaml"
write_scenario "$work/devzero.yaml" devzero
sed -i 's|^model: .*|model: /dev/zero|' "$work/devzero.yaml"
expect 2 "/dev/zero: expected a regular file, but the path names a character device" -- "$exvivo" run "$work/devzero.yaml" -o "$work/v" --quiet
mkfifo "$work/fifo.yaml"
expect 2 "fifo.yaml: expected a regular file, but the path names a FIFO (named pipe)" -- "$exvivo" check "$work/fifo.yaml"
expect 2 "expected a regular file, but the path names a directory" -- "$exvivo" check "$work"
/usr/bin/python3 -c "print('scenario: long\nsamples: {times: [' + ', '.join(str(i) for i in range(300000)) + ']}')" > "$work/long_list.yaml"
expect 2 "long_list.yaml: the document has more than 250000 values; this is the limit" -- "$exvivo" check "$work/long_list.yaml"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' '#' > "$work/huge.yaml"
expect 2 "huge.yaml: file too large (17825792 bytes; the limit is 16777216 bytes)" -- "$exvivo" check "$work/huge.yaml"
write_scenario "$work/many_times.yaml" many
sed -i 's|^samples: .*|samples: {times: {from: 0 h, to: 10000 h, every: 1 min}}|' "$work/many_times.yaml"
expect 2 "samples.times: 600001 sample times is too many (the limit is 100000 per scenario)" -- "$exvivo" check "$work/many_times.yaml"
V=$(seq -s, 1 1000)
write_scenario "$work/huge_grid.yaml" huge_grid "sweep: {factors: {k_el: {values: [$(seq -s, 0.001 0.001 1)]}, C0: {values: [$V]}, x: {values: [$V]}}}"
sed -i 's/add: {C: 10 ng\/mL}/add: {C: $x}/' "$work/huge_grid.yaml"
expect 2 "sweep: the grid has 1000000000 combinations of the factors' values; the limit is 10000000 sweep samples" -- "$exvivo" run "$work/huge_grid.yaml" -o "$work/v" --quiet
# Memory per chunk stays bounded with many sample times: fewer runs per chunk.
write_scenario "$work/long.yaml" long "sweep: {factors: {k_el: {values: [0.1, 0.2]}}}"
sed -i 's|^samples: .*|samples: {times: {from: 0 h, to: 99999 h, every: 1 h}, observables: [C_ng]}|' "$work/long.yaml"
expect 0 "" -- "$exvivo" run "$work/long.yaml" -o "$work/long" --shard 1/2 --quiet
check "100000 sample times: 6 runs per chunk instead of 256" -- grep -q '"chunk_runs": 6,' "$work/long/chunks/shard-1-of-2/manifest.json"
sed "s|^data: .*|data: $work|" "$src/tests/fit/data/decay_fit.yaml" > "$work/fit_dir_data.yaml"
sed -i "s|^scenario: *\([^/].*\)|scenario: $src/tests/fit/data/\1|" "$work/fit_dir_data.yaml"
expect 2 "expected a regular file, but the path names a directory" -- "$exvivo" check "$work/fit_dir_data.yaml"

# --- environment failures: exit 4 with the operating system's reason -------------
if mkdir -p "$work/full" && mount -t tmpfs -o size=64k tmpfs "$work/full" 2>/dev/null; then
  write_scenario "$work/big.yaml" big "sweep: {factors: {k_el: {values: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08]}}}"
  sed -i 's|^samples: .*|samples: {times: {from: 0 h, to: 100 h, every: 0.1 h}}|' "$work/big.yaml"
  expect 4 "No space left on device" -- "$exvivo" run "$work/big.yaml" -o "$work/full/out" --quiet
  umount "$work/full"
else
  echo "SKIP: cannot mount a small tmpfs (not root?): disk-full test skipped"; skipped=$((skipped + 1))
fi
if mkdir -p "$work/ro" && mount -t tmpfs -o size=1m tmpfs "$work/ro" 2>/dev/null; then
  "$exvivo" run "$work/a.yaml" -o "$work/ro/out" --quiet
  mount -o remount,ro "$work/ro"
  expect 4 "cannot create the output directory '$work/ro/new': Read-only file system" -- "$exvivo" run "$work/a.yaml" -o "$work/ro/new" --quiet
  expect 4 "cannot create the lock file '$work/ro/out/.exvivo-lock': Read-only file system" -- "$exvivo" run "$work/a.yaml" -o "$work/ro/out" --quiet
  expect 4 "cannot write figures in '$work/ro/out': Read-only file system" -- "$exvivo" report "$work/ro/out"
  umount "$work/ro"
else
  echo "SKIP: cannot mount a read-only tmpfs: read-only test skipped"; skipped=$((skipped + 1))
fi
# A path of arbitrary bytes: run.json stays valid JSON (the bytes escaped as \xNN).
odd="$work/odd_$(printf '\xff\xfe')_dir"
mkdir -p "$odd" && cp "$work/a.yaml" "$odd/a.yaml"
expect 0 "" -- "$exvivo" run "$odd/a.yaml" -o "$odd/out" --quiet
check "run.json of a non-UTF-8 path is valid JSON" -- /usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1], 'rb')); assert '\\\\xFF\\\\xFE' in j['scenario_file'], j['scenario_file']" "$odd/out/run.json"

# --- merge validates every chunk and writes nothing on refusal ---------------------
for i in 1 2 3; do "$exvivo" run "$scenario" --shard $i/3 -o "$work/shard$i" --quiet; done
expect 0 "merged 3 shard directories" -- "$exvivo" merge "$work/shard1" "$work/shard2" "$work/shard3" -o "$work/merged"
chunk2="$work/shard2/chunks/shard-2-of-3/chunk-000000.runs.csv"
head -c 100 "$chunk2" > "$chunk2.cut" && mv "$chunk2.cut" "$chunk2"   # cut mid-line
printf '1,junk\n' >> "$work/shard3/chunks/shard-3-of-3/chunk-000000.timecourses.csv"
expect 2 "merge refused, nothing written (2 problems)" -- "$exvivo" merge "$work/shard1" "$work/shard2" "$work/shard3" -o "$work/merged_bad"
expect 2 "shard 2/3 in '$work/shard2/chunks/shard-2-of-3': chunk 0 is damaged: runs.csv has 2 rows, 4 expected" -- "$exvivo" merge "$work/shard1" "$work/shard2" "$work/shard3" -o "$work/merged_bad"
expect 2 "chunk 0 is damaged: timecourses.csv has" -- "$exvivo" merge "$work/shard1" "$work/shard2" "$work/shard3" -o "$work/merged_bad"
rm "$work/shard3/chunks/shard-3-of-3/chunk-000000.runs.csv"
expect 2 "shard 3/3 in '$work/shard3/chunks/shard-3-of-3' is incomplete: 1 of 1 chunks missing (0)" -- "$exvivo" merge "$work/shard1" "$work/shard2" "$work/shard3" -o "$work/merged_bad"
expect 2 "shards missing: 1/3" -- "$exvivo" merge "$work/shard2" "$work/shard3" -o "$work/merged_bad"
check "a refused merge writes nothing" -- test ! -e "$work/merged_bad"

# --- outputs: a sample written `24 h-` is told apart by the side column -------------
expect 0 "" -- "$exvivo" run "$scenario" -o "$work/side" --quiet
check "timecourses.csv header has side" -- grep -qx "run,donor,arm,sample,time,side,observable,value" <(head -1 "$work/side/timecourses.csv")
check "summary.csv header has side" -- grep -qx "donor,arm,time,side,observable,n,mean,sd,q05,q25,median,q75,q95" <(head -1 "$work/side/summary.csv")
check "24 h- and 24 h rows differ by side" -- test "$(grep -c '^0,slow,once,0,24,-,C_ng,' "$work/side/timecourses.csv")$(grep -c '^0,slow,once,0,24,,C_ng,' "$work/side/timecourses.csv")" = 11
check "summary rows of 24 h- and 24 h are distinct" -- test "$(grep -c '^slow,once,24,-,C_ng,' "$work/side/summary.csv")$(grep -c '^slow,once,24,,C_ng,' "$work/side/summary.csv")" = 11

# --- model units and reporting every error of a file --------------------------------
sed 's|unit: ng/mL, soluble|unit: ng/mLL, soluble|' "$model" > "$work/typo_unit.yaml"
expect 2 "species.C.unit: unit 'ng/mLL': unknown unit 'mLL' (custom units must be declared under the model's 'units:'" -- "$exvivo" check "$work/typo_unit.yaml"
expect 2 "(did you mean 'mL'?)" -- "$exvivo" check "$work/typo_unit.yaml"
sed -e 's|unit: ng/mL, soluble|unit: ng/mLL, soluble|' -e 's|unit: 1/h, bounds|unit: 1/hh, bounds|' -e 's|formula: cells, unit: cells/uL|formula: cells, unit: AB/C|' "$model" > "$work/three_errors.yaml"
expect 2 "(3 errors)" -- "$exvivo" check "$work/three_errors.yaml"
expect 2 "parameters.k_el.unit: unit '1/hh': unknown unit 'hh'" -- "$exvivo" check "$work/three_errors.yaml"
expect 2 "observables.cells_obs.unit: unit 'AB/C': unknown unit 'AB'" -- "$exvivo" check "$work/three_errors.yaml"
write_scenario "$work/two_errors.yaml" two_errors "donors: [{id: d1, preset: lo}]" "sweep: {factors: {k_el: {values: [0.1]}}, design: gird}"
expect 2 "two_errors.yaml:8:27: donors[0].preset: unknown donor preset 'lo' (the model defines: high, low) (did you mean 'low'?)" -- "$exvivo" check "$work/two_errors.yaml"
expect 2 "sweep.design: must be one of grid, lhs, sobol or random, got 'gird' (did you mean 'grid'?)" -- "$exvivo" check "$work/two_errors.yaml"
expect 2 "(2 errors)" -- "$exvivo" check "$work/two_errors.yaml"
sed -e 's|C: -k_el \* C|C: -k_ell * C|' -e 's|cells: 0|cells: foo|' "$model" > "$work/two_expressions.yaml"
expect 2 "odes.cells: undefined name 'foo'" -- "$exvivo" check "$work/two_expressions.yaml"
expect 2 "(2 errors)" -- "$exvivo" check "$work/two_expressions.yaml"
expect 0 "model 'leukocyte_exvivo' is valid" -- "$exvivo" check "$src/models/leukocyte_exvivo.yaml"

echo "hardening: $passed passed, $failures failed, $skipped skipped"
[ "$failures" -eq 0 ]
