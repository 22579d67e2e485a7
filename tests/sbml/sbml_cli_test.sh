#!/usr/bin/env bash
# Usage: sbml_cli_test.sh EXVIVO SOURCE_DIR WORK_DIR
# The command line with SBML models: check, info, a scenario on an SBML model,
# sbml-case and petab evaluate (the last two on ../shared/external when present).
set -u
exvivo=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
failures=0 passed=0

source "$src/tests/cli/expect.sh"

data="$src/tests/sbml/data"
expect 0 "model 'decay' is valid (2 species, 2 parameters" -- "$exvivo" check "$data/decay.xml"
expect 0 "k" -- "$exvivo" info "$data/decay.xml"
expect 0 "" -- "$exvivo" run "$data/decay_scenario.yaml" -o "$work/run" --quiet
# A(1) at k = 0.5 is exp(-0.5) (concentration; the rate is per compartment).
if awk -F, '$5 == 1 && $7 == "A" && $2 == "default" { found = 1; if (($8 - exp(-0.5))^2 > 1e-10 && ($8 - exp(-1))^2 > 1e-10) bad = 1 }
            END { exit !(found && !bad) }' "$work/run/timecourses.csv"; then
  passed=$((passed + 1))
else
  echo "FAIL: timecourses.csv of the SBML scenario does not hold A(1) = exp(-k)"
  failures=$((failures + 1))
fi
printf '<?xml version="1.0" encoding="UTF-8"?>\n<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="m"><listOfParameters><parameter id="x" value="1" constant="false"/></listOfParameters><listOfRules><algebraicRule><math xmlns="http://www.w3.org/1998/Math/MathML"><ci>x</ci></math></algebraicRule></listOfRules></model></sbml>\n' > "$work/algebraic.xml"
expect 2 "algebraicRule: algebraic rules are not supported" -- "$exvivo" check "$work/algebraic.xml"

# A PEtab problem in the repository: fit (exit 0, k near its true 0.5), the
# gradient in evaluation.json, and --starts and --profile refused for an
# exvivo fit file.
expect 0 "best nllh" -- "$exvivo" fit "$data/petab_decay/problem.yaml" --starts 3 --threads 1 -o "$work/petab_fit"
expect 0 "k,,0.5005" -- cat "$work/petab_fit/estimates.csv"
expect 0 "start,nllh,iterations,status,wall_ms,k,x0,sigma" -- head -1 "$work/petab_fit/starts.csv"
expect 0 "llh = " -- "$exvivo" petab evaluate "$data/petab_decay/problem.yaml" --gradient -o "$work/petab_gradient"
expect 0 '"gradient"' -- cat "$work/petab_gradient/evaluation.json"
expect 0 '"sigma"' -- cat "$work/petab_gradient/evaluation.json"
expect 0 '"evaluator": "native"' -- cat "$work/petab_gradient/evaluation.json"
expect 0 "llh = " -- "$exvivo" petab evaluate "$data/petab_decay/problem.yaml" --evaluator interpreter -o "$work/petab_interpreted"
expect 0 '"evaluator": "interpreter"' -- cat "$work/petab_interpreted/evaluation.json"
expect 2 "evaluator" -- "$exvivo" petab evaluate "$data/petab_decay/problem.yaml" --evaluator jit -o "$work/petab_bad_evaluator"
expect 2 "--starts and --seed apply to PEtab problems only" -- "$exvivo" fit "$data/decay_scenario.yaml" --starts 3
# --profile: profiles.csv and a profile interval for k; without it no profiles.csv.
expect 0 "best nllh" -- "$exvivo" fit "$data/petab_decay/problem.yaml" --starts 3 --threads 1 --profile k \
  -o "$work/petab_profile"
expect 0 "parameter,value,nllh" -- head -1 "$work/petab_profile/profiles.csv"
expect 0 ",profile" -- grep "^k," "$work/petab_profile/estimates.csv"
expect 1 "" -- test -e "$work/petab_fit/profiles.csv"
expect 2 "--profile: 'scale' is not a parameter with estimate = 1" -- \
  "$exvivo" fit "$data/petab_decay/problem.yaml" --profile scale -o "$work/petab_bad_profile"
expect 2 "--profile applies to PEtab problems only" -- "$exvivo" fit "$data/decay_scenario.yaml" --profile k

# State-triggered scenario steps: a bad trigger exits 2 with its key path; the example runs.
printf 'scenario: bad_trigger\nmodel: %s\nprotocol:\n  - {when: "C", add: {C: 1 ng/mL}}\nsamples: {times: [1 h]}\n' \
  "$src/models/one_compartment.yaml" > "$work/bad_trigger.yaml"
expect 2 "protocol[0].when: a trigger compares two quantities with <, <=, > or >=, got 'C'" -- \
  "$exvivo" check "$work/bad_trigger.yaml"
expect 0 "" -- "$exvivo" run "$src/scenarios/adaptive_gmcsf_rescue.yaml" -o "$work/adaptive" --quiet
# A fit through a `when:` step recovers the k_el the data were simulated with (0.15).
expect 0 "best nllh" -- "$exvivo" fit "$data/adaptive_decay_fit.yaml" --threads 1 -o "$work/adaptive_fit"
expect 0 "k_el,,0.1499" -- cat "$work/adaptive_fit/estimates.csv"

suite="$src/../shared/external/sbml-test-suite/cases/semantic"
if [ -d "$suite/00001" ]; then
  expect 0 "" -- "$exvivo" sbml-case "$suite/00001" -o "$work/00001.csv"
  expect 0 "time,S1,S2" -- head -1 "$work/00001.csv"
  expect 2 "compartments changed by rules (non-constant compartments) are not supported" -- \
    "$exvivo" sbml-case "$suite/00139" -o "$work/00139.csv"
else
  echo "SBML Test Suite not found at $suite: sbml-case checks skipped"
fi
petab="$src/../shared/external/petab-test-suite/v1.0.0/sbml/0001"
if [ -d "$petab" ]; then
  expect 0 "llh = -0.8475016" -- "$exvivo" petab evaluate "$petab/_0001.yaml" -o "$work/petab"
  expect 0 '"llh"' -- cat "$work/petab/evaluation.json"
  expect 0 "simulation" -- head -1 "$work/petab/simulations.tsv"
else
  echo "PEtab test suite not found at $petab: petab checks skipped"
fi

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
