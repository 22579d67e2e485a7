"""exvivo from Python: run scenarios, fits and analyses of ex vivo
drug-restoration assays and get their tables as pandas DataFrames.

    import exvivo
    r = exvivo.run("scenarios/gmcsf_restores_hladr.yaml")
    r.summary.query("observable == 'mHLA_DR'")

    m = exvivo.Model("models/leukocyte_exvivo.yaml")
    m.info()["donor_presets"]
    m.simulate([{"at": "0 h", "add": {"GMCSF": "1 ng/mL"}}], times=[0, 6, 24], donor="septic")

The tables are the files that `exvivo run`, `fit` and `analyze` write
(DESIGN §5, §6, §6b), read with full round-trip precision: the numbers are
the same to the last bit as in the CSV files. Invalid input raises
InputError (a ValueError) with the same message as the command line:
file:line:column, key path, what was expected, the closest valid name.
"""
import json
import os
import re
import tempfile

import pandas

from . import _engine

__all__ = ["run", "fit", "analyze", "Model", "Result", "InputError", "SimulationError",
           "read_table", "__version__", "git_revision"]

__version__ = _engine.engine_version
git_revision = _engine.git_revision
InputError = _engine.InputError


class SimulationError(RuntimeError):
    """A single simulation (Model.simulate) did not finish: its status and the
    solver's message (time, step size, species that went bad)."""

    def __init__(self, status, message):
        super().__init__(f"{status}: {message}")
        self.status = status


def read_table(path):
    """One exvivo CSV table as a DataFrame, with the file's values exactly:
    round-trip float parsing, empty text cells kept as "" (not NaN), and
    NaN/Inf read as floats."""
    return pandas.read_csv(path, float_precision="round_trip", keep_default_na=False,
                           na_values=["NaN", "nan", "-nan"])


RUN_TABLES = ("timecourses", "runs", "summary")
FIT_TABLES = ("estimates", "starts", "fit_timecourses", "residuals", "profiles")
ANALYSIS_TABLES = ("sensitivity", "biomarkers", "roc", "design")
RECORDS = ("run.json", "fit.json", "analysis.json")


class Result:
    """The output of one run, fit or analysis: every table as a DataFrame
    attribute (None when the engine did not write that file, e.g.
    timecourses with `output: {timecourses: false}`), `record` (the
    run.json / fit.json / analysis.json record as a dict), `report` (counts
    and timing of this call) and `out_dir` (None when the outputs were
    written to a temporary directory that is gone)."""

    def __init__(self, directory, names, report, keep):
        self.out_dir = os.path.abspath(directory) if keep else None
        self.report = report
        self.tables = {}
        for name in names:
            path = os.path.join(directory, name + ".csv")
            self.tables[name] = read_table(path) if os.path.isfile(path) else None
            setattr(self, name, self.tables[name])
        self.record = {}
        for name in RECORDS:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as f:
                    self.record = json.load(f)
                break

    def __repr__(self):
        shapes = ", ".join(f"{k}: {v.shape[0]} rows" for k, v in self.tables.items() if v is not None)
        return f"<exvivo.Result {shapes}>"


def _threads(threads):
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InputError(f"threads: expected a positive integer or None (all cores), got {threads!r}")
    return threads


def _call(engine_function, path, names, threads, out_dir, quiet):
    path = os.fspath(path)
    if out_dir is not None:
        report = engine_function(path, os.fspath(out_dir), _threads(threads), quiet)
        return Result(report["out_dir"], names, report, keep=True)
    with tempfile.TemporaryDirectory(prefix="exvivo-") as tmp:
        report = engine_function(path, tmp, _threads(threads), quiet)
        return Result(tmp, names, report, keep=False)


def run(scenario_path, threads=None, out_dir=None, quiet=True):
    """Runs every (donor, arm, sweep sample) of a scenario file, as `exvivo
    run`. Returns a Result with .timecourses, .runs and .summary. With
    out_dir the files are also kept there; otherwise they are written to a
    temporary directory and only the DataFrames remain. threads: None = all
    cores. Runs that fail numerically are rows of .runs with their status;
    result.report["failed"] counts them."""
    return _call(_engine.run_scenario, scenario_path, RUN_TABLES, threads, out_dir, quiet)


def fit(fit_path, threads=None, out_dir=None, quiet=True):
    """Fits a model to data as `exvivo fit`: .estimates, .starts,
    .fit_timecourses, .residuals, .profiles; result.report["ok"] tells
    whether the best start converged."""
    return _call(_engine.run_fit, fit_path, FIT_TABLES, threads, out_dir, quiet)


def analyze(analysis_path, threads=None, out_dir=None, quiet=True):
    """Runs an analysis file as `exvivo analyze`: .sensitivity, .biomarkers,
    .roc or .design, whichever the analysis writes."""
    return _call(_engine.run_analysis, analysis_path, ANALYSIS_TABLES, threads, out_dir, quiet)


class Model:
    """A model file (models/*.yaml), validated on construction."""

    def __init__(self, path):
        self.path = os.path.abspath(os.fspath(path))
        self._info = _engine.model_info(self.path)
        self.name = self._info["name"]
        self.time_unit = self._info["time_unit"]

    def info(self):
        """What `exvivo info` prints, as a dict: name, title, time_unit,
        species, parameters, observables (lists of dicts), donor_presets and
        cultures (name -> {parameter or species: value}) and the loader's
        warnings."""
        return self._info

    def parameters(self):
        """The parameters as a DataFrame (name, value, unit, lower, upper, scale, donor, source, doc)."""
        return pandas.DataFrame(self._info["parameters"])

    def simulate(self, protocol=(), times=(), donor=None, culture=None, set=None, observables=None,
                 solver=None):
        """One run without a scenario file. Arguments use the scenario
        format (scenarios/README.md):

        protocol   list of steps, e.g. [{"at": "0 h", "add": {"GMCSF": "1 ng/mL"}},
                   {"at": "24 h", "add": {"LPS": "10 ng/mL"}}, {"at": "48 h", "wash": True}]
        times      sample times: numbers in the model's time unit, strings with
                   units ("30 min", "24 h-" = just before an event at 24 h), or a
                   dict {"from": "0 h", "to": "48 h", "every": "1 h"}
        donor      a donor preset name, or {"preset": ..., "set": {...}}
        culture    a culture format of the model
        set        overrides for this run, e.g. {"k_TNF": "2.5 1/h"}
        observables  names to report (default: all)
        solver     e.g. {"method": "rodas4", "rel_tol": 1e-8}

        Returns a tidy DataFrame (time, observable, value) like
        timecourses.csv; raises InputError for invalid input and
        SimulationError when the solver fails."""
        scenario = {"scenario": "simulate", "model": self.path}
        if culture is not None:
            scenario["culture"] = culture
        if solver is not None:
            scenario["solver"] = solver
        if set:
            scenario["set"] = dict(set)
        if donor is not None:
            entry = {"id": "donor"}
            entry.update({"preset": donor} if isinstance(donor, str) else dict(donor))
            scenario["donors"] = [entry]
        if protocol:
            scenario["protocol"] = list(protocol)
        scenario["samples"] = {"times": times if isinstance(times, dict) else list(times)}
        if observables is not None:
            scenario["samples"]["observables"] = list(observables)
        with tempfile.TemporaryDirectory(prefix="exvivo-simulate-") as tmp:
            path = os.path.join(tmp, "simulate.yaml")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(scenario, f, indent=1)  # JSON is YAML
            try:
                r = _engine.simulate_single_run(path)
            except InputError as e:
                # The file is ours, not the caller's: name the call instead of its lines.
                message = re.sub(re.escape(path) + r"(:\d+)*: ?", "Model.simulate: ", str(e))
                raise InputError(message) from None
        if r["status"] != "ok":
            raise SimulationError(r["status"], r["message"])
        values = r["values"]
        rows = {"time": [], "observable": [], "value": []}
        for i, t in enumerate(r["times"]):
            for k, name in enumerate(r["observables"]):
                rows["time"].append(t)
                rows["observable"].append(name)
                rows["value"].append(values[i, k])
        frame = pandas.DataFrame(rows)
        frame.attrs.update(time_unit=r["time_unit"], units=dict(zip(r["observables"], r["units"])),
                           steps=r["steps"], rhs_evals=r["rhs_evals"])
        return frame

    def __repr__(self):
        return f"<exvivo.Model {self.name} ({self.path})>"
