#!/usr/bin/env bash
# The calibration data set (models/calibration) against the model: runs the
# four calibration scenarios with exvivo and checks that every row of
# data/*.tsv lies inside its interval (check_rows.py prints one line per row).
#
#   calibration_rows_test.sh EXVIVO SOURCE_DIR WORK_DIR
set -euo pipefail
exvivo=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
for s in cal_whole_blood cal_hall_format cal_dose_response cal_pbmc; do
  "$exvivo" run "$source/models/calibration/$s.yaml" -o "$work/$s" --quiet --threads 1
done
/usr/bin/python3 "$source/models/calibration/check_rows.py" "$work"
