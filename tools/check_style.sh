#!/usr/bin/env bash
# Style checks of the C++ files changed since a base commit: clang-format on
# the changed lines (.clang-format; untouched code is not reformatted) and
# clang-tidy on the changed files (.clang-tidy; needs build/compile_commands.json,
# which tools/setup.sh writes).
#
#   tools/check_style.sh [BASE]   # default BASE: merge-base with origin/main, else HEAD~1
#
# BASE "all" checks every C++ file (clang-tidy then takes ~20 s per file).
# Environment: BUILD_DIR (default build), JOBS (clang-tidy processes).
# Exit 1 with the diff or the clang-tidy findings when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

base=${1:-}
if [ -z "$base" ]; then
  if git rev-parse -q --verify origin/main >/dev/null && base=$(git merge-base HEAD origin/main) &&
     [ "$base" != "$(git rev-parse HEAD)" ]; then
    :
  elif git rev-parse -q --verify HEAD~1 >/dev/null; then
    base=HEAD~1
  else
    base=all
  fi
fi

if [ "$base" = all ]; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else
  mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" -- '*.cpp' '*.hpp')
fi
echo "check_style: ${#files[@]} C++ file(s) changed since $base"
[ ${#files[@]} -gt 0 ] || exit 0
status=0

# clang-format: only the changed lines (git clang-format), or whole files for "all".
if [ "$base" = all ]; then
  diff_out=$(for f in "${files[@]}"; do clang-format "$f" | diff -u "$f" - || true; done)
else
  diff_out=$(git clang-format --binary clang-format --diff "$base" -- "${files[@]}" || true)
  case "$diff_out" in
    *"no modified files to format"*|*"did not modify any files"*) diff_out= ;;
  esac
fi
if [ -n "$diff_out" ]; then
  echo "$diff_out"
  echo "check_style: clang-format would change the lines above (fix: git clang-format $([ "$base" = all ] || echo "$base"))"
  status=1
else
  echo "check_style: clang-format clean"
fi

# clang-tidy: the changed sources, and for a changed header its own source.
sources=()
for f in "${files[@]}"; do
  case "$f" in
    *.cpp) sources+=("$f") ;;
    *.hpp) [ -f "${f%.hpp}.cpp" ] && sources+=("${f%.hpp}.cpp") ;;
  esac
done
mapfile -t sources < <(printf '%s\n' "${sources[@]}" | sort -u | while read -r f; do
  # Only files the build compiles (bench/ and the consumer test are not in it).
  [ -n "$f" ] && grep -q "\"file\": \"$PWD/$f\"" "$build_dir/compile_commands.json" && echo "$f"; done)
if [ ${#sources[@]} -gt 0 ]; then
  if ! printf '%s\n' "${sources[@]}" |
       xargs -P "$jobs" -n 1 clang-tidy -p "$build_dir" --quiet --use-color=false > "$build_dir/clang-tidy.log" 2>&1; then
    grep -E "(warning|error):" -A3 "$build_dir/clang-tidy.log" | head -n 200
    echo "check_style: clang-tidy found the problems above in ${#sources[@]} file(s)"
    status=1
  else
    echo "check_style: clang-tidy clean on ${#sources[@]} file(s)"
  fi
fi
exit $status
