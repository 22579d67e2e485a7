"""Reading the tidy CSV tables and JSON records that exvivo writes (DESIGN.md
§5, §6, §6b) into plain Python structures: no pandas needed."""
import csv
import json
import math
import os


class InputError(Exception):
    """A file of the output directory is missing a column or is not readable:
    exit code 2, the message names the file."""


def _number(text):
    try:
        return float(text)
    except ValueError:
        return math.nan


class Table:
    """Rows of a CSV file; `numeric` columns are converted to float (NaN when
    empty or not a number), the others stay strings."""

    def __init__(self, path, required=(), numeric=()):
        self.path = path
        self.name = os.path.basename(path)
        try:
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                self.columns = list(reader.fieldnames or [])
                missing = [c for c in required if c not in self.columns]
                if missing:
                    raise InputError(f"{path}: missing column(s) {', '.join(missing)} "
                                     f"(header: {','.join(self.columns)})")
                numeric = [c for c in numeric if c in self.columns]
                self.rows = []
                for row in reader:
                    for c in numeric:
                        row[c] = _number(row[c])
                    self.rows.append(row)
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            raise InputError(f"{path}: cannot read: {e}") from e

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
        if self.runs:
            extra = self.runs.columns[len(RUNS_COLUMNS):]
            for row in self.runs.rows:
                for c in extra:
                    row[c] = _number(row[c])
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

    def has_any_output(self):
        return any(x is not None for x in (
            self.timecourses, self.runs, self.summary, self.fit_timecourses, self.residuals, self.starts,
            self.profiles, self.sensitivity, self.biomarkers, self.design))
