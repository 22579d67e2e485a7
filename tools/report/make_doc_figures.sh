#!/usr/bin/env bash
# Regenerates the example figures of docs/figures/ (shown in the README), one
# of each kind that `exvivo report` draws, from the bundled scenarios, fit
# (scenarios/fit_gmcsf_patients.yaml) and analyses (scenarios/analysis_*.yaml).
#
# Usage: tools/report/make_doc_figures.sh [EXVIVO]   (default: build/exvivo)
# Run from the repository root; needs /usr/bin/python3 with matplotlib.
set -euo pipefail
exvivo=${1:-build/exvivo}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
report() { /usr/bin/python3 "$src/tools/report/exvivo_report.py" "$1" --dpi 150; }

"$exvivo" run "$src/scenarios/gmcsf_restores_hladr.yaml" -o "$work/gmcsf" --quiet
"$exvivo" run "$src/scenarios/cohort_gmcsf.yaml" -o "$work/cohort" --quiet
"$exvivo" fit "$src/scenarios/fit_gmcsf_patients.yaml" -o "$work/fit" --quiet
"$exvivo" analyze "$src/scenarios/analysis_gmcsf_sensitivity.yaml" -o "$work/analysis" --quiet
"$exvivo" analyze "$src/scenarios/analysis_gmcsf_responders.yaml" -o "$work/biomarkers" --quiet
for d in gmcsf cohort fit analysis biomarkers; do report "$work/$d"; done

out="$src/docs/figures"
mkdir -p "$out"
cp "$work/gmcsf/figures/timecourse_mHLA_DR.png" "$out/timecourse_lines.png"
cp "$work/gmcsf/figures/dose_response_dose.png" "$out/dose_response.png"
cp "$work/cohort/figures/timecourse_mHLA_DR.png" "$out/timecourse_bands.png"
cp "$work/cohort/figures/cohort_mHLA_DR.png" "$out/cohort_parameters.png"
for f in fit_data_and_model fit_observed_vs_predicted fit_residuals fit_waterfall fit_profiles; do
  cp "$work/fit/figures/$f.png" "$out/$f.png"
done
cp "$work/analysis/figures/sensitivity.png" "$out/sensitivity.png"
for f in biomarker_auc biomarker_roc; do
  cp "$work/biomarkers/figures/$f.png" "$out/$f.png"
done
# Palette PNGs (256 colours) are a quarter of the size and look the same.
/usr/bin/python3 - "$out"/*.png <<'PY'
import sys
from PIL import Image
for path in sys.argv[1:]:
    Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
PY
ls -l "$out"
