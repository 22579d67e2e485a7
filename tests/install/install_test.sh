#!/usr/bin/env bash
# Install tests (CTest label `install`; issue 16). One step per CTest test:
#
# WORK must lie outside the source and build trees.
#
#   install_test.sh prefix       BUILD SOURCE WORK   cmake --install to WORK/prefix, then, with the source
#                                                    and build trees hidden (a private mount namespace),
#                                                    the installed exvivo checks, runs, reports and inits,
#                                                    and Debian's python3 imports the installed module and
#                                                    gets DataFrames equal to the CLI's CSV files
#   install_test.sh find_package BUILD SOURCE WORK   a small CMake project links exvivo::engine from
#                                                    WORK/prefix through find_package(exvivo) and runs
#   install_test.sh deb          BUILD SOURCE WORK   cpack -G DEB; the packages' files and declared
#                                                    dependencies; `apt-get install --simulate`; with
#                                                    EXVIVO_TEST_DEB_INSTALL=1 (as root) a real install,
#                                                    use and removal of the package
#
# The `prefix` step makes WORK/prefix, which `find_package` uses (a CTest fixture).
set -euo pipefail
step=$1
build=$(cd "$2" && pwd)
src=$(cd "$3" && pwd)
work=$4
mkdir -p "$work"
work=$(cd "$work" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
prefix=$work/prefix

fail() { echo "FAIL: $*" >&2; exit 1; }

# Runs "$@" with the source and build trees invisible (empty directories
# mounted over them), so that nothing of the installed tree can reach back
# into them; falls back to a plain run, and says so, where mount namespaces
# are not available.
without_source_tree() {
  if unshare --mount true 2>/dev/null; then
    mkdir -p "$work/empty"
    unshare --mount bash -c '
      set -e
      mount --bind "$1" "$3"; mount --bind "$1" "$2"   # the build tree first: it may lie inside the source
      [ -z "$(ls -A "$2")" ] || { echo "source tree still visible" >&2; exit 1; }
      shift 3; "$@"' _ "$work/empty" "$src" "$build" "$@"
  else
    echo "note: no mount namespace here (unshare --mount failed); running with the source tree in place" >&2
    "$@"
  fi
}

case "$step" in
prefix)
  rm -rf "$prefix" "$work/use"
  cmake --install "$build" --prefix "$prefix" > "$work/install.log"
  for f in bin/exvivo share/exvivo/report/exvivo_report.py share/exvivo/models/leukocyte_exvivo.yaml \
           share/exvivo/scenarios/gmcsf_restores_hladr.yaml include/exvivo/core/version.hpp \
           include/exvivo/sweep/run_scenario.hpp lib/cmake/exvivo/exvivoConfig.cmake; do
    [ -e "$prefix/$f" ] || fail "$f was not installed"
  done
  pydir=$(echo "$prefix"/lib/python3*/dist-packages)
  ls "$pydir"/exvivo/_engine*.so "$pydir"/exvivo/__init__.py > /dev/null || fail "Python module not installed in $pydir"
  cp "$here/compare_python.py" "$work/"
  mkdir -p "$work/use"
  cat > "$work/use.sh" <<USE
set -euo pipefail
cd "$work/use"
export PATH="$prefix/bin:/usr/bin:/bin" PYTHONPATH="$pydir" EXPECTED_PREFIX="$prefix"
unset EXVIVO_REPORT_SCRIPT
exvivo --version
share="$prefix/share/exvivo"
exvivo check "\$share/scenarios/gmcsf_restores_hladr.yaml"
exvivo run "\$share/scenarios/gmcsf_restores_hladr.yaml" -o quick --quiet
exvivo report quick
[ -s quick/report.html ] && ls quick/figures/*.png > /dev/null
exvivo init leukocyte_exvivo -o starter.yaml
exvivo check starter.yaml
exvivo info leukocyte_exvivo > info.txt   # not piped into grep -q: grep's early exit would SIGPIPE exvivo (pipefail)
grep -q "donor presets" info.txt
/usr/bin/python3 "$work/compare_python.py" "\$share/scenarios/gmcsf_restores_hladr.yaml" quick
USE
  without_source_tree bash "$work/use.sh"
  grep -q '"git_revision": "[0-9a-f]' "$work/use/quick/run.json" || fail "run.json has no git revision"
  echo "installed exvivo runs, reports and inits without the source tree; python3 matches the CLI"
  ;;
find_package)
  [ -x "$prefix/bin/exvivo" ] || fail "no installed prefix at $prefix (the prefix step makes it)"
  rm -rf "$work/consumer"
  cmake -S "$here/consumer" -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$prefix" > "$work/consumer.log"
  cmake --build "$work/consumer" >> "$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; fail "consumer build"; }
  without_source_tree "$work/consumer/consumer" > "$work/consumer.out"
  head -1 "$work/consumer.out"
  [ "$(wc -l < "$work/consumer.out")" -gt 2 ] || fail "consumer printed no samples"
  echo "a CMake project links exvivo::engine through find_package(exvivo) and solves a bundled scenario"
  ;;
deb)
  rm -rf "$work/deb"
  mkdir -p "$work/deb"
  (cd "$work/deb" && cpack -G DEB --config "$build/CPackConfig.cmake" > cpack.log 2>&1) \
    || { cat "$work/deb/cpack.log"; fail "cpack -G DEB"; }
  deb=$(ls "$work"/deb/exvivo_*.deb)
  dev=$(ls "$work"/deb/exvivo-dev_*.deb)
  contents=$(dpkg-deb --contents "$deb")
  for f in ./usr/bin/exvivo ./usr/share/exvivo/report/exvivo_report.py ./usr/share/exvivo/models/leukocyte_exvivo.yaml \
           ./usr/lib/python3; do
    grep -q " $f" <<< "$contents" || fail "$deb lacks $f"
  done
  grep -q "exvivo/_engine" <<< "$contents" || fail "$deb lacks the Python module"
  grep -q "usr/lib/.*cmake/exvivo/exvivoConfig.cmake" <<< "$(dpkg-deb --contents "$dev")" || fail "$dev lacks the CMake package"
  depends=$(dpkg-deb --field "$deb" Depends)
  echo "$(basename "$deb") depends on: $depends"
  for d in libyaml-cpp libtbb libfmt python3-matplotlib python3-pandas; do
    grep -q "$d" <<< "$depends" || fail "$deb does not declare $d"
  done
  if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
    apt-get install --simulate -q "$deb" > "$work/deb/simulate.log" 2>&1 || { cat "$work/deb/simulate.log"; fail "apt-get would not install $deb"; }
    grep -q "^Inst exvivo " "$work/deb/simulate.log" || { cat "$work/deb/simulate.log"; fail "apt-get install --simulate"; }
    echo "apt-get install --simulate $(basename "$deb"): ok"
    if [ "${EXVIVO_TEST_DEB_INSTALL:-0}" = 1 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" > "$work/deb/install.log" 2>&1 \
        || { cat "$work/deb/install.log"; fail "apt-get install $deb"; }
      trap 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -q exvivo > /dev/null 2>&1 || true' EXIT
      (cd "$work/deb" && /usr/bin/exvivo run /usr/share/exvivo/scenarios/one_compartment_dosing.yaml -o run --quiet \
         && /usr/bin/exvivo report run && env -u PYTHONPATH /usr/bin/python3 -c \
         "import exvivo; r = exvivo.run('/usr/share/exvivo/scenarios/one_compartment_dosing.yaml'); print('python3:', exvivo.__file__, len(r.timecourses), 'rows')")
      echo "apt-get install $(basename "$deb"): installed, ran, reported, imported; removed again"
    fi
  else
    echo "note: not root or no apt-get: apt-get install --simulate skipped"
  fi
  ;;
*) fail "unknown step '$step' (prefix | find_package | deb)" ;;
esac
