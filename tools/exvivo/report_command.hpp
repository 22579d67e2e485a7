#pragma once
// `exvivo report DIR [-o FILE.html] [--time T]`: figures and one self-contained HTML page
// for an output directory of `exvivo run`, `fit` or `analyze`.
//
// The figures are drawn by the Python script tools/report/exvivo_report.py
// with matplotlib, run by Debian's /usr/bin/python3 (python3-matplotlib). The
// script is looked up, first found wins, at:
//   $EXVIVO_REPORT_SCRIPT;
//   <dir of the exvivo executable>/../share/exvivo/report/exvivo_report.py (installed);
//   <source dir>/tools/report/exvivo_report.py (EXVIVO_REPORT_SOURCE_DIR, set at build time).
// $EXVIVO_PYTHON overrides the interpreter (default /usr/bin/python3).
#include <string>

namespace exvivo::cli {

/// Writes DIR/figures/*.png and *.svg and the page `html_out` (default
/// DIR/report.html when empty). Returns the exit code: 0 written; 2 invalid
/// input (DIR not an exvivo output, unreadable table) or Python/matplotlib/the
/// script missing, with a message on stderr saying what to install; 3 internal
/// error of the script. `time` ("" = the default choice) is the sample read by
/// dose-response and cohort figures, as in a scenario ("24 h", "24 h-").
int command_report(const std::string& dir, const std::string& html_out, const std::string& time = "");

}  // namespace exvivo::cli
