#!/usr/bin/env bash
# Regenerates the "Simulated values" table of models/README.md from the engine.
#
#   tools/calibration_table.sh [BUILD_DIR]      # BUILD_DIR defaults to build
#
# Builds BUILD_DIR/tests/models/test_models (configuring BUILD_DIR first if it
# has no build system yet), runs its "[calibration]" tests in declaration
# order with EXVIVO_CALIBRATION_TABLE naming a temporary file, into which every
# band check appends one row (tests/models/calibration_band.hpp), and replaces
# the rows between the calibration-table markers of models/README.md with
# them; the table's header is kept. Rows are grouped by target ID (V1, V2, ...,
# V14), in the order the checks run within a target.
#
# Exit status: 0 when every check passed; 1 when a check failed (the table is
# still written, failing rows say "fail") or no rows were produced (the README
# is left alone); 2 on bad usage or missing markers.
#
# Environment: JOBS sets the parallel build jobs (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
esac
[ $# -le 1 ] || { echo "calibration_table.sh: at most one argument, the build directory (see --help)" >&2; exit 2; }

build_dir=${1:-build}
readme=models/README.md
begin='<!-- calibration-table:begin -->'
end='<!-- calibration-table:end -->'

if [ "$(grep -cxF "$begin" "$readme")" != 1 ] || [ "$(grep -cxF "$end" "$readme")" != 1 ]; then
  echo "calibration_table.sh: $readme must contain the lines '$begin' and '$end' once each" >&2
  exit 2
fi

if [ ! -f "$build_dir/build.ninja" ] && [ ! -f "$build_dir/Makefile" ]; then
  cmake -S . -B "$build_dir" -G Ninja
fi
cmake --build "$build_dir" --target test_models -j "${JOBS:-2}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

status=0
EXVIVO_CALIBRATION_TABLE="$work/rows.md" "$build_dir/tests/models/test_models" "[calibration]" --order decl ||
  status=$?

if [ ! -s "$work/rows.md" ]; then
  echo "calibration_table.sh: the calibration tests wrote no rows (exit status $status); $readme unchanged" >&2
  exit 1
fi

# Test files register in link order, not by target; a stable sort on the
# numeric part of the ID restores V1..V14 and keeps each target's own order.
sort -s -t '|' -k2,2V "$work/rows.md" > "$work/sorted.md"

awk -v begin="$begin" -v end="$end" -v rows="$work/sorted.md" '
  $0 == begin { print; inside = 1; separator_seen = 0; next }
  $0 == end {
    if (!separator_seen) { print "calibration_table.sh: no table header between the markers" > "/dev/stderr"; exit 2 }
    print; inside = 0; next
  }
  inside && !separator_seen {
    print
    if ($0 ~ /^\|( *-+ *\|)+$/) {
      separator_seen = 1
      while ((getline row < rows) > 0) print row
    }
    next
  }
  inside { next }
  { print }
' "$readme" > "$work/README.md"
cat "$work/README.md" > "$readme"

checks=$(wc -l < "$work/sorted.md")
failed=$(grep -c '| fail |$' "$work/sorted.md" || true)
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  echo "calibration_table.sh: $failed of $checks calibration rows failed (test_models exit status $status); $readme updated" >&2
  exit 1
fi
echo "calibration_table.sh: all $checks calibration rows pass; $readme updated"
