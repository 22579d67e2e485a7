#!/usr/bin/env bash
# Usage: init_check_info_test.sh EXVIVO SOURCE_DIR WORK_DIR
# `exvivo init` writes a starter scenario that checks and runs for every
# bundled model; `exvivo check` says how many runs a scenario makes and from
# what; `exvivo info` takes a bundled model's name and lists its presets and
# cultures; and their input errors exit 2 with a message (issue 16).
set -u
exvivo=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
failures=0 passed=0

source "$src/tests/cli/expect.sh"

# check: runs = donors x arms x sweep samples, and what each run records
expect 0 "20 runs = 2 donors x 2 arms x 5 sweep samples; 7 sample times x 4 observables per run (560 rows of timecourses.csv)" \
  -- "$exvivo" check "$src/scenarios/gmcsf_restores_hladr.yaml"
expect 0 "160 donors (0 listed + 160 cohort members)" -- "$exvivo" check "$src/scenarios/cohort_gmcsf.yaml"

# init: every bundled model gets a starter that checks and runs as written
for model in "$src"/models/*.yaml; do
  name=$(basename "$model" .yaml)
  expect 0 "starter scenario for model" -- "$exvivo" init "$model" -o "$work/$name/starter.yaml"
  expect 0 "is valid" -- "$exvivo" check "$work/$name/starter.yaml"
  expect 0 "" -- "$exvivo" run "$work/$name/starter.yaml" -o "$work/$name/out" --quiet
done
# by name, with a chosen agent; the model path is relative to the scenario
expect 0 "starter scenario for model leukocyte_exvivo" -- "$exvivo" init leukocyte_exvivo -o "$work/gm.yaml" --agent GMCSF
expect 0 "add: {GMCSF: \$dose}" -- cat "$work/gm.yaml"
expect 0 "culture formats of the model: pbmc, whole_blood" -- cat "$work/gm.yaml"
expect 0 "dose: {values: [0.1, 1, 10, 100], unit: ng/mL}" -- cat "$work/gm.yaml"
expect 0 "3 donors x 2 arms x 4 sweep samples" -- "$exvivo" check "$work/gm.yaml"
# errors
expect 2 "exists; choose another file or add --force" -- "$exvivo" init leukocyte_exvivo -o "$work/gm.yaml"
expect 0 "starter scenario" -- "$exvivo" init leukocyte_exvivo -o "$work/gm.yaml" --force
expect 2 "'no_such_model' is neither a model file nor a bundled model (bundled: " -- "$exvivo" init no_such_model -o "$work/x.yaml"
expect 2 "--agent: unknown species 'GMSCF' of model leukocyte_exvivo (did you mean 'GMCSF'?)" \
  -- "$exvivo" init leukocyte_exvivo -o "$work/y.yaml" --agent GMSCF

# info by name: presets and cultures with their values
expect 0 "donor presets" -- "$exvivo" info leukocyte_exvivo
expect 0 "cultures" -- "$exvivo" info leukocyte_exvivo
expect 0 "whole_blood" -- "$exvivo" info leukocyte_exvivo

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
