"""The Python module against the command line: the same tables to the last
bit, the same error messages, and single runs equal to a one-run scenario."""
import csv
import math
import os
import struct
import subprocess

import pandas
import pytest

import exvivo

SCENARIO = """\
scenario: py_dose
model: {model}
solver: {{method: rosenbrock, rel_tol: 1e-8, abs_tol: 1e-12}}
donors:
  - id: slow
    preset: low
  - id: fast
    preset: high
arms:
  - id: control
  - id: dosed
    protocol:
      - {{at: 0 h, add: {{C: $dose}}}}
protocol:
  - {{at: 6 h, add: {{C: 5 ng/mL}}}}
samples:
  times: [0 h, 2 h, 6 h-, 6 h, 12 h]
sweep:
  factors:
    dose: {{values: [1, 10, 100], unit: ng/mL}}
"""


def bits(x):
    return struct.pack("<d", x)


def same_number(text, value):
    """The CSV cell's text parses to exactly the DataFrame's double."""
    parsed = float(text)
    if math.isnan(parsed):
        return isinstance(value, float) and math.isnan(value)
    return bits(parsed) == bits(float(value))


def assert_frame_equals_csv(frame, path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert list(frame.columns) == header, path
    assert len(frame) == len(body), path
    for j, column in enumerate(header):
        values = frame[column].tolist()
        numeric = pandas.api.types.is_numeric_dtype(frame[column])
        for i, row in enumerate(body):
            if numeric:
                assert same_number(row[j], values[i]), f"{path} row {i + 2} column {column}: {row[j]} vs {values[i]!r}"
            else:
                assert row[j] == values[i], f"{path} row {i + 2} column {column}"


@pytest.fixture
def scenario_file(tmp_path, source_dir):
    path = tmp_path / "py_dose.yaml"
    path.write_text(SCENARIO.format(model=os.path.join(source_dir, "models", "one_compartment.yaml")))
    return path


def run_cli(exe, *args):
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("threads", [None, 1, 2])
def test_run_tables_equal_cli_csv_to_the_last_bit(exvivo_exe, scenario_file, tmp_path, threads):
    cli_dir = tmp_path / "cli"
    assert run_cli(exvivo_exe, "run", scenario_file, "-o", cli_dir, "--quiet").returncode == 0
    result = exvivo.run(scenario_file, threads=threads)
    assert result.out_dir is None  # written to a temporary directory, which is gone
    assert result.report["runs"] == 2 * 2 * 3 and result.report["failed"] == 0
    for name in ("timecourses", "runs", "summary"):
        frame = getattr(result, name)
        assert isinstance(frame, pandas.DataFrame)
        assert_frame_equals_csv(frame, cli_dir / f"{name}.csv") if name != "runs" else None
    # runs.csv differs only in wall_ms (wall-clock time)
    runs = result.runs.drop(columns="wall_ms")
    cli_runs = exvivo.read_table(cli_dir / "runs.csv").drop(columns="wall_ms")
    pandas.testing.assert_frame_equal(runs, cli_runs, check_exact=True)
    assert list(result.timecourses.columns) == ["run", "donor", "arm", "sample", "time", "side", "observable", "value"]
    assert result.record["scenario"] == "py_dose"


def test_run_keeps_files_in_out_dir(scenario_file, tmp_path):
    out = tmp_path / "kept"
    result = exvivo.run(scenario_file, out_dir=out)
    assert result.out_dir == str(out)
    assert_frame_equals_csv(result.timecourses, out / "timecourses.csv")
    assert_frame_equals_csv(result.summary, out / "summary.csv")


def test_input_error_carries_the_cli_message(exvivo_exe, scenario_file, tmp_path):
    bad = tmp_path / "typo.yaml"
    bad.write_text(scenario_file.read_text().replace("add: {C: $dose}", "add: {CC: $dose}"))
    cli = run_cli(exvivo_exe, "check", bad)
    assert cli.returncode == 2
    message = cli.stderr.strip().removeprefix("error: ")
    with pytest.raises(exvivo.InputError) as e:
        exvivo.run(bad)
    assert str(e.value) == message
    assert "typo.yaml:" in message and "did you mean 'C'?" in message
    assert isinstance(e.value, ValueError)


def test_missing_file_and_bad_threads_raise(tmp_path, scenario_file):
    with pytest.raises(exvivo.InputError, match="nope.yaml"):
        exvivo.run(tmp_path / "nope.yaml")
    with pytest.raises(exvivo.InputError, match="threads"):
        exvivo.run(scenario_file, threads=0)


def test_model_info_lists_presets_and_cultures(source_dir):
    model = exvivo.Model(os.path.join(source_dir, "models", "leukocyte_exvivo.yaml"))
    info = model.info()
    assert info["name"] == "leukocyte_exvivo" and info["time_unit"] == "h"
    assert {"septic", "healthy"} <= set(info["donor_presets"])
    assert "whole_blood" in info["cultures"]
    assert "mHLA_DR" in [o["name"] for o in info["observables"]]
    params = model.parameters()
    assert {"name", "value", "unit", "lower", "upper", "scale", "donor", "source"} <= set(params.columns)


def test_simulate_equals_a_one_run_scenario(exvivo_exe, source_dir, tmp_path):
    model_path = os.path.join(source_dir, "models", "leukocyte_exvivo.yaml")
    scenario = tmp_path / "one.yaml"
    scenario.write_text(f"""\
scenario: one
model: {model_path}
culture: whole_blood
set: {{k_TNF: 2.5 1/h}}
donors:
  - {{id: d, preset: septic}}
protocol:
  - {{at: 0 h, add: {{GMCSF: 1 ng/mL}}}}
  - {{at: 24 h, add: {{LPS: 10 ng/mL}}}}
samples:
  times: [0 h, 6 h, 24 h-, 24 h, 28 h]
  observables: [mHLA_DR, TNF_pg]
""")
    out = tmp_path / "one_out"
    assert run_cli(exvivo_exe, "run", scenario, "-o", out, "--quiet").returncode == 0
    expected = exvivo.read_table(out / "timecourses.csv")
    frame = exvivo.Model(model_path).simulate(
        protocol=[{"at": "0 h", "add": {"GMCSF": "1 ng/mL"}}, {"at": "24 h", "add": {"LPS": "10 ng/mL"}}],
        times=["0 h", "6 h", "24 h-", "24 h", "28 h"], donor="septic", culture="whole_blood",
        set={"k_TNF": "2.5 1/h"}, observables=["mHLA_DR", "TNF_pg"])
    assert list(frame.columns) == ["time", "observable", "value"]
    assert frame["time"].tolist() == expected["time"].tolist()
    assert frame["observable"].tolist() == expected["observable"].tolist()
    assert [bits(v) for v in frame["value"]] == [bits(v) for v in expected["value"]]
    assert frame.attrs["units"]["mHLA_DR"] == "AB/C"
    # just before the LPS challenge there is no TNF response yet; 4 h after there is
    tnf = frame[frame.observable == "TNF_pg"]["value"].tolist()
    assert tnf[4] > tnf[2]


def test_simulate_errors_name_the_argument(source_dir):
    model = exvivo.Model(os.path.join(source_dir, "models", "leukocyte_exvivo.yaml"))
    with pytest.raises(exvivo.InputError) as e:
        model.simulate(protocol=[{"at": "0 h", "add": {"GMSCF": "1 ng/mL"}}], times=[0, 24])
    assert str(e.value).startswith("Model.simulate: protocol[0].add")
    assert "did you mean 'GMCSF'?" in str(e.value)
    assert "simulate.yaml" not in str(e.value)
    with pytest.raises(exvivo.InputError, match="donor"):
        model.simulate(times=[0, 24], donor="no_such_preset")


def test_fit_returns_its_tables(source_dir, tmp_path):
    fit_file = os.path.join(source_dir, "tests", "fit", "data", "decay_fit.yaml")
    result = exvivo.fit(fit_file, threads=2, out_dir=tmp_path / "fit")
    assert result.report["ok"]
    assert_frame_equals_csv(result.estimates, tmp_path / "fit" / "estimates.csv")
    assert set(result.estimates["parameter"]) == {"k_el", "C0"}
    for name in ("starts", "fit_timecourses", "residuals", "profiles"):
        assert isinstance(getattr(result, name), pandas.DataFrame), name
    assert result.record["fit"] == "decay_fit"


def test_fit_objective_gives_residuals_and_their_jacobian(source_dir):
    """exvivo._engine.FitObjective (used by bench/fit_leukocyte): the fit's
    residuals and the sensitivity Jacobian, which equals central differences."""
    import numpy
    from exvivo import _engine
    fit_file = os.path.join(source_dir, "tests", "fit", "data", "decay_fit.yaml")
    objective = _engine.FitObjective(fit_file)
    assert objective.labels == ["k_el[slow]", "k_el[fast]", "C0"]
    lower, upper = numpy.asarray(objective.lower), numpy.asarray(objective.upper)
    starts = numpy.asarray(objective.start_points(3, 3))
    assert starts.shape == (3, 3) and numpy.all(starts >= lower) and numpy.all(starts <= upper)
    theta = (lower + upper) / 2
    ok, r, jac = objective.residuals(theta, True)
    assert ok
    ok_plain, r_plain = objective.residuals(theta)
    assert ok_plain and numpy.allclose(r, r_plain, rtol=1e-6, atol=1e-9)
    h = 1e-5
    for j in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        fd = (objective.residuals(up)[1] - objective.residuals(down)[1]) / (2 * h)
        assert numpy.allclose(jac[:, j], fd, rtol=1e-4, atol=1e-6), j
    timing = objective.timing()
    assert timing["sensitivity_solves"] == 2 and timing["plain_solves"] == 2 * (1 + 2 * len(theta))
    with pytest.raises(exvivo.InputError):
        _engine.FitObjective(os.path.join(source_dir, "no_such_fit.yaml"))


def test_fit_objective_censors_readings_below_the_lloq(source_dir, tmp_path):
    """The LLOQ rule holds in FitObjective too: a reading below the
    observable's lloq (a 0 under lognormal noise included) gives the residuals
    of the same row written left-censored at the LLOQ."""
    import numpy
    from exvivo import _engine
    data = os.path.join(source_dir, "tests", "fit", "data")
    model = open(os.path.join(source_dir, "models", "one_compartment.yaml")).read()
    assert "sigma: 0.1}}" in model
    (tmp_path / "model.yaml").write_text(model.replace("sigma: 0.1}}", "sigma: 0.1}, lloq: 0.5}"))
    scenario = open(os.path.join(data, "decay_two_donors.yaml")).read()
    (tmp_path / "decay_two_donors.yaml").write_text(
        scenario.replace("../../../models/one_compartment.yaml", "model.yaml"))
    fit = open(os.path.join(data, "decay_fit.yaml")).read()
    table = open(os.path.join(data, "decay_data.tsv")).read().rstrip("\n").split("\n")
    header = table[0] + "\tupper"
    rows = [r + "\t" for r in table[1:]]
    (tmp_path / "read.tsv").write_text("\n".join([header] + rows + ["slow\tdosed\tC_ng\t24\t0\tA\t",
                                                                  "fast\tdosed\tC_ng\t24\t0.2\tA\t"]) + "\n")
    (tmp_path / "written.tsv").write_text("\n".join([header] + rows + ["slow\tdosed\tC_ng\t24\t\tA\t0.5",
                                                                     "fast\tdosed\tC_ng\t24\t\tA\t0.5"]) + "\n")
    residuals = []
    for name in ("read", "written"):
        (tmp_path / f"{name}.yaml").write_text(fit.replace("decay_data.tsv", f"{name}.tsv"))
        objective = _engine.FitObjective(str(tmp_path / f"{name}.yaml"))
        theta = (numpy.asarray(objective.lower) + numpy.asarray(objective.upper)) / 2
        ok, r = objective.residuals(theta)
        assert ok
        residuals.append(numpy.asarray(r))
    assert residuals[0].shape == residuals[1].shape
    assert numpy.allclose(residuals[0], residuals[1], rtol=1e-12, atol=0)


def test_analyze_returns_its_tables(source_dir, tmp_path):
    analysis = tmp_path / "morris.yaml"
    analysis.write_text(f"""\
analysis: py_morris
scenario: {os.path.join(source_dir, "tests", "fit", "data", "decay_two_donors.yaml")}
sensitivity:
  method: morris
  parameters:
    k_el: {{range: [0.05, 0.5], unit: 1/h, scale: log10}}
    C0: {{range: [100, 10000], unit: pg/mL, scale: log10}}
  outputs:
    - {{observable: C_ng, time: 12 h, arm: dosed}}
  donor: slow
  n: 20
  seed: 1
""")
    result = exvivo.analyze(analysis, threads=1)
    assert list(result.sensitivity.columns[:3]) == ["output", "parameter", "mu_star"]
    assert set(result.sensitivity["parameter"]) == {"k_el", "C0"}
    assert result.biomarkers is None and result.design is None
