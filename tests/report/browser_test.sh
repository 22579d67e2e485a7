#!/usr/bin/env bash
# The report page in a real browser (issue 16): headless Chromium renders
# DIR/report.html of the quick-start scenario to a PNG screenshot, which must
# be a full, non-blank page. Skipped (exit 77) when Chromium is not installed
# (tools/setup.sh --browser installs it).
#
#   browser_test.sh EXVIVO SOURCE_DIR WORK_DIR     # screenshot: WORK_DIR/report.png
set -euo pipefail
exe=$1 src=$2 work=$3
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIP: chromium is not installed (tools/setup.sh --browser)"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
"$exe" run "$src/scenarios/gmcsf_restores_hladr.yaml" -o "$work/quick" --quiet
"$exe" report "$work/quick"
# --no-sandbox: Chromium's sandbox refuses to run as root, as CI does.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,6000 \
  --screenshot="$work/report.png" "file://$work/quick/report.html" > "$work/chromium.log" 2>&1 \
  || { cat "$work/chromium.log"; echo "FAIL: chromium could not render the page"; exit 1; }
/usr/bin/python3 - "$work/report.png" <<'PY'
import sys
import matplotlib.image
import numpy
image = matplotlib.image.imread(sys.argv[1])[..., :3]
h, w = image.shape[:2]
ink = (image.min(axis=2) < 0.9)            # anything not white: text, tables, figures
rows = numpy.flatnonzero(ink.any(axis=1))
coloured = numpy.ptp(image, axis=2) > 0.15  # the figures' colours
print(f"screenshot {w}x{h} px, content down to row {rows.max() if rows.size else 0}, "
      f"{coloured.mean():.3%} coloured pixels")
assert w == 1100 and h == 6000, "unexpected screenshot size"
assert rows.size and rows.max() > 2000, "the page is mostly empty"
assert coloured.mean() > 0.002, "no figure rendered"
PY
echo "report.html renders in Chromium: $work/report.png"
