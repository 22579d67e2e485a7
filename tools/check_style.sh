#!/usr/bin/env bash
# Style checks of the C++ code changed since a base commit: clang-format and
# clang-tidy on the changed lines only (.clang-format, .clang-tidy; untouched
# code is neither reformatted nor held against a change). clang-tidy needs
# build/compile_commands.json, which tools/setup.sh writes.
#
#   tools/check_style.sh [BASE]   # default BASE: merge-base with origin/main, else HEAD~1
#                                 # (neither: nothing to compare with, skipped)
#
# BASE "all" checks every line of every C++ file (clang-tidy: ~10-20 s of CPU per file).
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
    # A shallow clone or the first commit: nothing to compare with. Checking
    # every file instead would hold the whole tree's style against this change.
    echo "check_style: no origin/main and no HEAD~1 to compare with; skipped (tools/check_style.sh all checks everything)"
    exit 0
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

# clang-tidy: findings on the changed lines of the changed sources
# (clang-tidy-diff: code that a change does not touch is not held against it),
# or every finding of every source for "all". Headers are checked through the
# sources that include them.
log="$build_dir/clang-tidy.log"
if [ "$base" = all ]; then
  mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.cpp$' | while read -r f; do
    grep -q "\"file\": \"$PWD/$f\"" "$build_dir/compile_commands.json" && echo "$f"; done)
  printf '%s\n' "${sources[@]}" |
    xargs -P "$jobs" -n 1 clang-tidy -p "$build_dir" --quiet --use-color=false > "$log" 2>&1 || true
else
  git diff -U0 --diff-filter=ACMR "$base" -- '*.cpp' '*.hpp' |
    clang-tidy-diff -p1 -path "$build_dir" -j "$jobs" -quiet -regex '(engine|tools|tests)/.*\.cpp' > "$log" 2>&1
fi
if grep -qE ": (error|warning): " "$log"; then
  grep -E ": (error|warning): " -A3 "$log" | head -n 200
  echo "check_style: clang-tidy found the problems above (.clang-tidy; log: $log)"
  status=1
else
  echo "check_style: clang-tidy clean"
fi
exit $status
