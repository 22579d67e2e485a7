# Shared by the command-line test scripts (source it after setting
# `failures=0 passed=0`): expect CODE PATTERN -- command...
# runs the command and counts it passed when it exits with CODE and its
# output (stdout and stderr) contains PATTERN.
expect() {
  local code=$1 pattern=$2
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$code" ] || ! grep -qF -- "$pattern" <<<"$out"; then
    echo "FAIL: $* -> exit $rc (want $code), output:"
    echo "$out" | head -5
    echo "  expected to contain: $pattern"
    failures=$((failures + 1))
  else
    passed=$((passed + 1))
  fi
}
