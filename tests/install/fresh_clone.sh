#!/usr/bin/env bash
# The install story from a fresh clone (issue 16), end to end:
#   git clone -> tools/setup.sh --no-tests -> cmake --install to a prefix ->
#   move the source tree away -> the installed exvivo runs and reports, and
#   Debian's python3 imports the installed module.
# A full build (minutes on 2 cores), so not part of `ctest`; run it by hand:
#
#   tests/install/fresh_clone.sh [WORK_DIR]      # default: a new directory under /tmp
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d /tmp/exvivo-fresh-clone.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
rm -rf "$work/clone" "$work/moved-away" "$work/prefix" "$work/use"

git clone --quiet "$src" "$work/clone"
(cd "$work/clone" && JOBS=${JOBS:-2} BUILD_DIR=build tools/setup.sh --no-tests)
cmake --install "$work/clone/build" --prefix "$work/prefix" > /dev/null
mv "$work/clone" "$work/moved-away"

mkdir -p "$work/use" && cd "$work/use"
export PATH="$work/prefix/bin:$PATH"
export PYTHONPATH=$(echo "$work"/prefix/lib/python3*/dist-packages)
share=$work/prefix/share/exvivo
exvivo --version
exvivo run "$share/scenarios/gmcsf_restores_hladr.yaml" -o quick --quiet
exvivo report quick
exvivo init leukocyte_exvivo -o starter.yaml && exvivo check starter.yaml
EXPECTED_PREFIX="$work/prefix" /usr/bin/python3 "$src/tests/install/compare_python.py" "$share/scenarios/gmcsf_restores_hladr.yaml" quick
grep '"git_revision"' quick/run.json
echo "fresh clone: built, installed to $work/prefix, source moved away; exvivo ran and reported, python3 matched the CLI"
