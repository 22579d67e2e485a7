#!/usr/bin/env bash
# Regenerates data/patient_panel.tsv: the synthetic one-draw assay panel of the
# three donors of patient_panel.yaml, simulated at the model file's values
# (the donors' latent indices as patient_panel.yaml sets them) and noised by
# the model's noise models (seed 1). Run it after the model's calibrated
# values change; then patient_panel_fit.yaml and patient_panel_shared_fit.yaml.
#
#   models/calibration/patient_panel_data.sh [EXVIVO] [WORK_DIR]
#
# Kept readouts (what one blood draw's panel measures): mHLA-DR at 0 and 24 h
# without additions and at 24 h with GM-CSF; annexin V+ lymphocytes at 0 h;
# LPS-induced TNF and IL-6 at 4 h and IL-10 at 24 h; bead EdU+ at 96 h with
# and without IL-7.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exvivo=${1:-$here/../../build/exvivo}
work=${2:-$(mktemp -d)}
"$exvivo" run "$here/patient_panel.yaml" -o "$work/truth" --quiet --threads 1
/usr/bin/python3 - "$work/truth/timecourses.csv" "$work/kept.csv" <<'EOF'
import csv, sys
keep = {("none", "mHLA_DR", 0), ("none", "mHLA_DR", 24), ("gmcsf", "mHLA_DR", 24),
        ("none", "pct_apoptotic_lymph", 0), ("lps", "TNF_pg", 4), ("lps", "IL6_pg", 4),
        ("lps", "IL10_pg", 24), ("beads", "pct_EdU_pos", 96), ("beads_il7", "pct_EdU_pos", 96)}
with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w", newline="") as g:
    r = csv.DictReader(f)
    w = csv.DictWriter(g, fieldnames=r.fieldnames)
    w.writeheader()
    for row in r:
        if (row["arm"], row["observable"], float(row["time"])) in keep and not row.get("side"):
            w.writerow(row)
EOF
/usr/bin/python3 "$here/../../tools/make_synthetic_data.py" "$work/kept.csv" \
    --model "$here/../leukocyte_exvivo.yaml" --seed 1 > "$here/data/patient_panel.tsv"
echo "wrote $here/data/patient_panel.tsv ($(($(wc -l < "$here/data/patient_panel.tsv") - 1)) rows)"
