"""Reading the tidy CSV tables and JSON records that exvivo writes (DESIGN.md
§5, §6, §6b) into plain Python structures: no pandas needed."""
import csv
import io
import json
import math
import os


class InputError(Exception):
    """A file of the output directory is missing a column or is not readable:
    exit code 2, the message names the file."""


NON_FINITE = {"NaN": math.nan, "nan": math.nan, "-nan": math.nan, "Inf": math.inf, "inf": math.inf,
              "-Inf": -math.inf, "-inf": -math.inf}


def _number(text):
    """A cell of a numeric column: a number, NaN/Inf as exvivo writes them, or
    empty (NaN); None for anything else."""
    if text == "":
        return math.nan
    if text in NON_FINITE:
        return NON_FINITE[text]
    try:
        return float(text)
    except ValueError:
        return None


class Table:
    """Rows of a CSV file; `numeric` columns are converted to float (NaN when
    empty or written NaN), the others stay strings. A file that does not end
    with a newline, a row with more or fewer cells than the header, or a
    numeric cell that is not a number is an InputError naming the file, line
    and column: exvivo writes its tables whole, so such a file is truncated or
    was edited by hand, and no figure should be drawn from it."""

    def __init__(self, path, required=(), numeric=()):
        self.path = path
        self.name = os.path.basename(path)
        try:
            with open(path, "rb") as f:
                raw = f.read()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"{path}: cannot read: {e}") from e
        if not text:
            raise InputError(f"{path}: empty file (expected a header row)")
        if not text.endswith("\n"):
            raise InputError(f"{path}: the last line has no newline: the file is truncated "
                             "(an interrupted write?); re-run exvivo to write it again")
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as e:
            raise InputError(f"{path}: not a CSV table: {e}") from e
        self.columns = rows[0]
        missing = [c for c in required if c not in self.columns]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)} "
                             f"(header: {','.join(self.columns)})")
        numeric = [c for c in numeric if c in self.columns]
        self.rows = []
        for line, cells in enumerate(rows[1:], start=2):
            if len(cells) != len(self.columns):
                raise InputError(f"{path}:{line}: {len(cells)} cells, expected {len(self.columns)} as in the header "
                                 "(a truncated or hand-edited file?)")
            row = dict(zip(self.columns, cells))
            for c in numeric:
                value = _number(row[c])
                if value is None:
                    column = self.columns.index(c) + 1
                    raise InputError(f"{path}:{line}:{column}: column '{c}': '{row[c]}' is not a number")
                row[c] = value
            self.rows.append(row)

    def __len__(self):
        return len(self.rows)

    def distinct(self, column):
        """Values of a column in order of first appearance."""
        seen = {}
        for row in self.rows:
            seen.setdefault(row[column], None)
        return list(seen)

    def where(self, **equal):
        return [r for r in self.rows if all(r[k] == v for k, v in equal.items())]


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read: {e}") from e


def optional_table(directory, name, required=(), numeric=()):
    path = os.path.join(directory, name)
    return Table(path, required, numeric) if os.path.isfile(path) else None


def optional_json(directory, name):
    path = os.path.join(directory, name)
    return read_json(path) if os.path.isfile(path) else None


TIMECOURSE_COLUMNS = ("run", "donor", "arm", "sample", "time", "observable", "value")
RUNS_COLUMNS = ("run", "donor", "arm", "sample", "status", "message", "steps", "rhs_evals", "wall_ms")
SUMMARY_COLUMNS = ("donor", "arm", "time", "observable", "n", "mean", "sd", "q05", "q25", "median", "q75", "q95")
RESIDUAL_COLUMNS = ("donor", "arm", "observable", "time", "measurement", "simulation", "residual")
STARTS_COLUMNS = ("start", "nllh", "iterations", "status")
PROFILE_COLUMNS = ("parameter", "value", "nllh")
ESTIMATE_COLUMNS = ("parameter", "donor", "value", "scale", "lower95", "upper95", "method")
SOBOL_COLUMNS = ("output", "parameter", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi")
MORRIS_COLUMNS = ("output", "parameter", "mu_star", "mu_star_lo", "mu_star_hi", "sigma")
BIOMARKER_COLUMNS = ("biomarker", "auc", "auc_lo", "auc_hi")
DESIGN_COLUMNS = ("rank", "criterion")


class OutputDir:
    """Every table and record of one output directory of `exvivo run`, `fit`
    or `analyze` that exists; absent files are None."""

    def __init__(self, directory):
        if not os.path.isdir(directory):
            raise InputError(f"{directory}: not a directory")
        d = directory
        self.directory = d
        self.run_json = optional_json(d, "run.json")
        self.fit_json = optional_json(d, "fit.json")
        self.analysis_json = optional_json(d, "analysis.json")
        self.timecourses = optional_table(d, "timecourses.csv", TIMECOURSE_COLUMNS, ("run", "sample", "time", "value"))
        self.runs = optional_table(d, "runs.csv", RUNS_COLUMNS, ("run", "sample", "steps", "rhs_evals", "wall_ms"))
        if self.runs:  # the factor and donor-parameter columns after the fixed ones are numbers too
            self.runs = optional_table(d, "runs.csv", RUNS_COLUMNS, ("run", "sample", "steps", "rhs_evals", "wall_ms")
                                       + tuple(self.runs.columns[len(RUNS_COLUMNS):]))
        self.summary = optional_table(d, "summary.csv", SUMMARY_COLUMNS, SUMMARY_COLUMNS[2:3] + SUMMARY_COLUMNS[4:])
        self.fit_timecourses = optional_table(d, "fit_timecourses.csv", TIMECOURSE_COLUMNS,
                                              ("run", "sample", "time", "value"))
        self.residuals = optional_table(d, "residuals.csv", RESIDUAL_COLUMNS,
                                        ("time", "measurement", "simulation", "sigma", "residual", "nllh"))
        self.starts = optional_table(d, "starts.csv", STARTS_COLUMNS, ("start", "nllh", "iterations", "wall_ms"))
        self.profiles = optional_table(d, "profiles.csv", PROFILE_COLUMNS, ("value", "nllh"))
        self.estimates = optional_table(d, "estimates.csv", ESTIMATE_COLUMNS, ("value", "lower95", "upper95"))
        self.sensitivity = self._sensitivity(d)
        self.biomarkers = optional_table(d, "biomarkers.csv", BIOMARKER_COLUMNS,
                                         ("auc", "auc_lo", "auc_hi", "threshold", "sensitivity", "specificity"))
        self.roc = optional_table(d, "roc.csv", ("biomarker",),
                                  ("threshold", "sensitivity", "specificity", "fpr", "tpr"))
        self.design = optional_table(d, "design.csv", DESIGN_COLUMNS, ("rank", "criterion"))

    @staticmethod
    def _sensitivity(d):
        path = os.path.join(d, "sensitivity.csv")
        if not os.path.isfile(path):
            return None
        probe = Table(path)
        if "S1" in probe.columns:
            return Table(path, SOBOL_COLUMNS, SOBOL_COLUMNS[2:])
        if "mu_star" in probe.columns:
            return Table(path, MORRIS_COLUMNS, MORRIS_COLUMNS[2:])
        raise InputError(f"{path}: neither Sobol' (S1, ST, ...) nor Morris (mu_star, sigma, ...) columns "
                         f"(header: {','.join(probe.columns)})")

    def record(self):
        """The JSON record describing how the outputs were made (run, fit or analysis)."""
        return self.run_json or self.fit_json or self.analysis_json or {}

    def time_unit(self):
        for j in (self.run_json, self.fit_json, self.analysis_json):
            if j and j.get("time_unit"):
                return j["time_unit"]
        return ""

    def observable_unit(self, observable):
        for j in (self.run_json, self.fit_json, self.analysis_json):
            if j and isinstance(j.get("observable_units"), dict) and observable in j["observable_units"]:
                return j["observable_units"][observable]
        return ""

    def parameter_unit(self, parameter):
        """The unit of a model parameter ("HLA0[septic_d3]" is HLA0's), from
        fit.json's parameter_units or run.json's factor_units; "" if unknown."""
        name = parameter.split("[", 1)[0]
        for j, key in ((self.fit_json, "parameter_units"), (self.run_json, "factor_units"),
                       (self.analysis_json, "parameter_units")):
            if j and isinstance(j.get(key), dict) and name in j[key]:
                return j[key][name]
        return ""

    def has_any_output(self):
        return any(x is not None for x in (
            self.timecourses, self.runs, self.summary, self.fit_timecourses, self.residuals, self.starts,
            self.profiles, self.sensitivity, self.biomarkers, self.design))
