"""SciPy's own objective for the benchmark fit: the model integrated by
scipy.integrate.solve_ivp in Python, the likelihood written here.

    objective = ScipyObjective(WORK_DIR, method="BDF")
    r = objective.residuals(theta)            # None when a simulation fails
    r, J = objective.residuals(theta, True)   # J from forward sensitivities

WORK_DIR holds what fit_problem_export wrote (problem.json: the fit's runs,
estimates and donors; model.c) and model_code.py, c_to_python.py's
translation of model.c. Nothing of exvivo runs here: the right-hand side
f(t, x, p), ∂f/∂x, ∂f/∂p, x0(p), ∂x0/∂p and the observables are the model's
generated code in Python; the measurement tables are read with pandas.

Objective (the same as exvivo's, engine/fit/objective.hpp): nllh(θ) = ½‖r‖² + C,
one residual per measurement row (scenario after scenario, table order):
  normal       r = (y − m)/σ
  lognormal    r = (ln y − ln m)/σ
  logitnormal  r = (logit(y/c) − logit(m/c))/σ, c = 100 for "%" observables, else 1
  censored     r = sqrt(2·nllh), nllh = −ln(Φ((U − u)/σ) − Φ((L − u)/σ)), u = y, ln y or
               logit(y/c) as above (the interval's probability under the noise model)
with σ the model's noise sigma (a number: rows whose σ depends on the state
are not supported here) and C = Σ over exact rows of ½ln(2π) + ln σ
(+ ln m for lognormal, + ln(m(1 − m/c)) for logitnormal). exvivo's residual
vector also carries one sigma residual per row; for constant σ it is 0 and
its value is in C, so both give the same nllh and the same Gauss–Newton steps.

Integration: each run (scenario, donor, arm with data) is integrated from t0
to its last sample by solve_ivp, restarted at every protocol event time
after the event's jumps (add: x_i += a; set: x_i = v; scale: x_i *= c), with
the scenario's rel_tol and abs_tol. fun integrates the state alone; jac
integrates the forward-sensitivity system z = (x, S_0 … S_{k−1}),
S_c' = (∂f/∂x)·S_c + ∂f/∂p_c, S_c(t0) = ∂x0/∂p_c (S stored row by row after x), with the jump conditions
add: S unchanged, set: S_i = 0, scale: S_i *= c, and the tolerances applied
to every component (as exvivo does). solve_ivp gets the analytic Jacobian:
∂f/∂x for the state, and for the sensitivity system the block diagonal
of ∂f/∂x (sparse; the Newton iteration's matrix, as CVODES's simultaneous
corrector uses; it leaves out ∂(J·S)/∂x, second derivatives the model code
does not have). ∂y/∂p = (∂h/∂x)·S + ∂h/∂p at each sample, then the chain rule
to θ (dp/dθ = p·ln 10 for log10-scaled estimates).
"""
import importlib.util
import json
import math
import os
import re
import time

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.integrate import solve_ivp

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
SQRT2 = math.sqrt(2.0)
ARITHMETIC = (ArithmeticError, ValueError)  # Python's float errors where C gives inf/NaN


def load_module(path):
    spec = importlib.util.spec_from_file_location("model_code", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_time(text, time_unit):
    """A table's `time`: "24", "24 h", "30 min", with a trailing '-' for "just
    before the events at that time". Returns (time in model unit, before)."""
    text = str(text).strip()
    before = text.endswith("-")
    text = text.rstrip("-").strip()
    m = re.fullmatch(r"([-+0-9.eE]+)\s*([a-z]*)", text)
    if not m:
        raise ValueError(f"cannot read time {text!r}")
    hours = {"": None, "s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0}
    value, unit = float(m.group(1)), m.group(2)
    if unit and unit not in hours:
        raise ValueError(f"unknown time unit {unit!r}")
    if unit and unit != time_unit:
        value *= hours[unit] / hours[time_unit]
    return value, before


def logit(v, c):
    return math.log(v / (c - v))


def censored_terms(distribution, y, lower, upper, sigma, c):
    """(r, dr/dy) of a censored row: r = sqrt(2·(−ln P)), P the probability of [lower, upper]."""
    inf = math.inf
    lo = lower if lower == lower else -inf
    hi = upper if upper == upper else inf
    if distribution == "lognormal":
        if not y > 0:
            return math.inf, 0.0
        u, du = math.log(y), 1.0 / y
        lo = math.log(lo) if lo > 0 else -inf
        hi = math.log(hi)
    elif distribution == "logitnormal":
        if not 0 < y < c:
            return math.inf, 0.0
        u, du = logit(y, c), 1.0 / (y * (1 - y / c))
        lo = logit(lo, c) if lo > 0 else -inf
        hi = logit(hi, c) if hi < c else inf
    else:
        u, du = y, 1.0
    a, b = (lo - u) / sigma, (hi - u) / sigma
    if a > 0:  # the tail that keeps precision
        P = 0.5 * (math.erfc(a / SQRT2) - math.erfc(b / SQRT2))
    else:
        P = 0.5 * (math.erfc(-b / SQRT2) - math.erfc(-a / SQRT2))
    if not P > 0:
        return math.inf, 0.0
    pdf = lambda z: 0.0 if math.isinf(z) else math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    nllh = max(0.0, -math.log(P))
    r = math.sqrt(2 * nllh)
    if not (r > 0 and math.isfinite(r)):
        return r, 0.0
    dnllh_du = -(pdf(a) - pdf(b)) / sigma / P
    return r, dnllh_du * du / r


def exact_terms(distribution, y, m, sigma, c):
    """(r, dr/dy) of an exact row."""
    if distribution == "lognormal":
        if not y > 0:
            return math.inf, 0.0
        return (math.log(y) - math.log(m)) / sigma, 1.0 / (y * sigma)
    if distribution == "logitnormal":
        if not 0 < y < c:
            return math.inf, 0.0
        return (logit(y, c) - logit(m, c)) / sigma, 1.0 / (y * (1 - y / c) * sigma)
    return (y - m) / sigma, 1.0 / sigma


class Run:
    """One (scenario, donor, arm): its parameter vector, events and samples."""

    def __init__(self, spec, scenario, samples):
        self.scenario = scenario
        self.donor, self.arm = spec["donor"], spec["arm"]
        self.t0 = spec["t0"]
        self.parameters = list(spec["parameters"])
        self.overrides = [(int(i), v) for i, v in spec["initial_overrides"]]
        self.events = {e["time"]: e["actions"] for e in spec["events"]}
        self.samples = samples  # sorted (time, before) pairs, "before" first
        t_end = samples[-1][0]
        times = sorted({t for t in self.events if self.t0 < t <= t_end} | {t_end})
        # Segments (t_start, t_end): integrate across, then the jumps at t_end.
        self.segments = list(zip([self.t0] + times[:-1], times))


class ScipyObjective:
    def __init__(self, work, method="BDF", sensitivity_method=None):
        self.problem = json.load(open(os.path.join(work, "problem.json")))
        self.code = load_module(os.path.join(work, "model_code.py"))
        self.method = method
        self.sensitivity_method = sensitivity_method or method
        model = self.problem["model"]
        self.n, self.no = model["num_states"], model["num_observables"]
        self.time_unit = model["time_unit"]
        # ∂f/∂x as a CSR matrix whose data the generated code fills (CSR order).
        self.jac_rows, self.jac_cols = np.array(self.code.JAC_ROWS), np.array(self.code.JAC_COLS)
        template = sparse.csr_matrix((np.arange(1.0, len(self.jac_rows) + 1), (self.jac_rows, self.jac_cols)),
                                     shape=(self.n, self.n))
        assert np.array_equal(template.data, np.arange(1.0, len(self.jac_rows) + 1)), "not in CSR order"
        self.jac_indices, self.jac_indptr = template.indices, template.indptr
        self.observables = {o["name"]: i for i, o in enumerate(model["observables"])}
        self.noise = model["observables"]
        self.estimates = self.problem["estimates"]
        self.k = len(self.estimates)
        # Run integrations so far and their CPU seconds (time.process_time).
        self.solves = {"plain": 0, "sensitivity": 0, "failed": 0, "plain_cpu": 0.0, "sensitivity_cpu": 0.0}
        self._read_tables()

    # --- problem layout ----------------------------------------------------
    def _read_tables(self):
        donors = self.problem["donors"]
        self.rows = []  # dicts: run, sample, obs, distribution, sigma, c, value, lower, upper
        has_data = [False] * len(donors)
        run_keys = {}
        samples = {}
        raw = []
        for s, sc in enumerate(self.problem["scenarios"]):
            table = pd.read_csv(sc["data"], sep=None, engine="python", dtype=str, keep_default_na=False)
            for column in ("sd", "noise", "ratio_to"):
                if column in table.columns and (table[column].str.strip() != "").any():
                    raise SystemExit(f"{sc['data']}: column '{column}' is not supported by the SciPy side")
            for _, row in table.iterrows():
                d, a = sc["donors"].index(row["donor"]), sc["arms"].index(row["arm"])
                has_data[sc["fit_donor"][d]] = True
                t, before = parse_time(row["time"], self.time_unit)
                key = (s, d, a)
                run_keys.setdefault(key, len(run_keys))
                samples.setdefault(key, set()).add((t, not before))  # sorts "before" first
                raw.append((key, t, before, row))
        # θ layout as exvivo's (objective.hpp): estimates in file order, a
        # per-donor one with an entry per donor that has data.
        self.labels, self.index = [], []
        for e in self.estimates:
            if e["per_donor"]:
                idx = []
                for d, name in enumerate(donors):
                    idx.append(len(self.labels) if has_data[d] else None)
                    if has_data[d]:
                        self.labels.append(f"{e['name']}[{name}]")
                self.index.append(idx)
            else:
                self.index.append([len(self.labels)] * len(donors))
                self.labels.append(e["name"])
        self.lower = np.array([self._to_scale(e, e["lower"]) for e in self._entry_estimates()])
        self.upper = np.array([self._to_scale(e, e["upper"]) for e in self._entry_estimates()])

        self.runs = [None] * len(run_keys)
        for (s, d, a), r in run_keys.items():
            sc = self.problem["scenarios"][s]
            spec = sc["runs"][d * len(sc["arms"]) + a]
            assert spec["donor"] == d and spec["arm"] == a
            ordered = [(t, not after) for t, after in sorted(samples[(s, d, a)])]
            self.runs[r] = Run(spec, s, ordered)
        self.constant = 0.0
        for key, t, before, row in raw:
            run = self.runs[run_keys[key]]
            obs = self.observables[row["observable"]]
            noise = self.noise[obs]
            distribution = noise["distribution"]
            if distribution not in ("normal", "lognormal", "logitnormal"):
                raise SystemExit(f"noise model {distribution} of {row['observable']} is not supported here")
            try:
                sigma = float(noise["sigma"])
            except ValueError:
                raise SystemExit(f"sigma '{noise['sigma']}' of {row['observable']} is not a number") from None
            c = 100.0 if noise["unit"] == "%" else 1.0
            nan = math.nan
            lower = float(row["lower"]) if row.get("lower", "").strip() else nan
            upper = float(row["upper"]) if row.get("upper", "").strip() else nan
            censored = lower == lower or upper == upper
            value = nan if censored else float(row["measurement"])
            if not censored:
                self.constant += HALF_LOG_2PI + math.log(sigma)
                if distribution == "lognormal":
                    self.constant += math.log(value)
                if distribution == "logitnormal":
                    self.constant += math.log(value * (1 - value / c))
            self.rows.append(dict(run=run_keys[key], sample=run.samples.index((t, before)), obs=obs,
                                  distribution=distribution, sigma=sigma, c=c, value=value, lower=lower,
                                  upper=upper, censored=censored))

    def _entry_estimates(self):
        out = [None] * len(self.labels)
        for e, idx in zip(self.estimates, self.index):
            for j in idx:
                if j is not None:
                    out[j] = e
        return out

    @staticmethod
    def _to_scale(e, v):
        return {"lin": v, "log": math.log(v), "log10": math.log10(v)}[e["scale"]]

    @staticmethod
    def _from_scale(e, th):
        return {"lin": th, "log": math.exp(th), "log10": 10.0 ** th}[e["scale"]]

    @staticmethod
    def _dvalue(e, p):  # dp/dθ at p
        return {"lin": 1.0, "log": p, "log10": p * math.log(10.0)}[e["scale"]]

    def check_code(self, work):
        """Largest relative difference between the translated code and exvivo's
        interpreter (check.json) over x0, ∂x0/∂p, f, ∂f/∂x, ∂f/∂p, h, ∂h/∂x, ∂h/∂p
        at (t0, x0) of the first run of the first scenario."""
        ref = json.load(open(os.path.join(work, "check.json")))
        code, n, k, no = self.code, self.n, self.k, self.no
        sel = self.problem["scenarios"][0]["estimate_parameter"]
        p, t = ref["parameters"], ref["t"]
        inp = [t] + [0.0] * n + p
        tail = p + code.cache(inp)
        x0 = code.initial([t] + [0.0] * n + tail)
        inp = [t] + x0 + tail
        J = np.zeros((n, n))
        J[self.jac_rows, self.jac_cols] = code.jacobian_nonzeros(inp)
        pairs = [
            (x0, ref["x0"]),
            (np.array(code.initial_jacobian([t] + [0.0] * n + tail)).reshape(k, n).T,
             np.array(ref["initial_jacobian"])[:, sel]),
            (code.rhs(inp), ref["rhs"]),
            (J, ref["jacobian"]),
            (np.array(code.parameter_jacobian(inp)).reshape(k, n).T, np.array(ref["parameter_jacobian"])[:, sel]),
            (code.observables(inp), ref["observables"]),
            (np.array(code.observable_state_jacobian(inp)).reshape(n, no).T, ref["observable_state_jacobian"]),
            (np.array(code.observable_parameter_jacobian(inp)).reshape(k, no).T,
             np.array(ref["observable_parameter_jacobian"])[:, sel]),
        ]
        worst = 0.0
        for a, b in pairs:
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            assert a.shape == b.shape, (a.shape, b.shape)
            worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300), initial=0.0)))
        return worst

    def num_residuals(self):
        return len(self.rows)

    # --- one run -----------------------------------------------------------
    def _columns(self, run):
        """Per estimate: its θ entry for this run's donor (None: not estimated)."""
        fd = self.problem["scenarios"][run.scenario]["fit_donor"][run.donor]
        return [idx[fd] for idx in self.index]

    def _simulate(self, run, theta, sensitivities):
        """Observables at the run's samples (and ∂y/∂p per sample), or None on failure."""
        code, n, k = self.code, self.n, self.k
        sc = self.problem["scenarios"][run.scenario]
        p = list(run.parameters)
        for e, col, pi in zip(self.estimates, self._columns(run), sc["estimate_parameter"]):
            if col is not None:
                p[pi] = self._from_scale(e, theta[col])
        inp = [run.t0] + [0.0] * n + p
        tail = p + code.cache(inp)  # [p | cached values]: the rest of every input array
        inp = [run.t0] + [0.0] * n + tail
        x = np.array(code.initial(inp))
        # S (n × k) is stored row by row after x: S_jc at n + j·k + c.
        S = np.array(code.initial_jacobian(inp)).reshape(k, n).T.copy() if sensitivities else None
        for i, v in run.overrides:
            x[i] = v
            if S is not None:
                S[i, :] = 0.0
        rows, cols, indices, indptr = self.jac_rows, self.jac_cols, self.jac_indices, self.jac_indptr
        J = sparse.csr_matrix((np.zeros(len(rows)), indices, indptr), shape=(n, n))
        rtol, atol = sc["solver"]["rel_tol"], sc["solver"]["abs_tol"]
        atol = atol[0] if len(atol) == 1 else np.array(atol)

        def f_state(t, y):
            try:
                return np.array(code.rhs([t] + y.tolist() + tail))
            except ARITHMETIC:
                return np.full(n, np.nan)

        def jac_state(t, y):
            J = np.zeros((n, n))
            try:
                J[rows, cols] = code.jacobian_nonzeros([t] + y.tolist() + tail)
            except ARITHMETIC:
                J[:] = np.nan
            return J

        def f_sens(t, z):
            inp = [t] + z[:n].tolist() + tail
            out = np.empty(n * (1 + k))
            try:
                out[:n] = code.rhs(inp)
                J.data[:] = code.jacobian_nonzeros(inp)
                dS = J @ z[n:].reshape(n, k) + np.array(code.parameter_jacobian(inp)).reshape(k, n).T
            except ARITHMETIC:
                out[:] = np.nan
                return out
            out[n:] = dS.ravel()
            return out

        identity = sparse.identity(k, format="csr")

        def jac_sens(t, z):  # block diagonal: J for x, J ⊗ I_k for the interleaved S
            try:
                values = np.array(code.jacobian_nonzeros([t] + z[:n].tolist() + tail))
            except ARITHMETIC:
                values = np.full(len(rows), np.nan)
            Jx = sparse.csr_matrix((values, indices, indptr), shape=(n, n))
            return sparse.block_diag([Jx, sparse.kron(Jx, identity)], format="csc")

        if sensitivities:
            fun, jac, method = f_sens, jac_sens, self.sensitivity_method
            if not np.isscalar(atol):  # per species: the same for each species' sensitivities
                atol = np.tile(atol, 1 + k)
            if method == "LSODA":  # LSODA takes a dense Jacobian only
                jac = lambda t, z: jac_sens(t, z).toarray()
            y = np.concatenate([x, S.ravel()])
        else:
            fun, jac, method, y = f_state, jac_state, self.method, x

        states = [None] * len(run.samples)

        def record(t, before, y):
            for s, (ts, b) in enumerate(run.samples):
                if ts == t and b == before:
                    states[s] = y.copy()

        def jump(t, y):
            for kind, i, v in run.events.get(t, []):
                if kind == "add":
                    y[i] += v
                elif kind == "set":
                    y[i] = v
                    if sensitivities:
                        y[n + i * k:n + (i + 1) * k] = 0.0
                else:
                    y[i] *= v
                    if sensitivities:
                        y[n + i * k:n + (i + 1) * k] *= v

        record(run.t0, True, y)
        jump(run.t0, y)
        record(run.t0, False, y)
        for ta, tb in run.segments:
            interior = [t for t, _ in run.samples if ta < t < tb]
            t_eval = sorted(set(interior)) + [tb]
            sol = solve_ivp(fun, (ta, tb), y, method=method, t_eval=t_eval, rtol=rtol, atol=atol, jac=jac)
            if sol.status != 0 or sol.y.shape[1] != len(t_eval) or not np.all(np.isfinite(sol.y)):
                self.solves["failed"] += 1
                return None
            for j, t in enumerate(t_eval[:-1]):
                record(t, True, sol.y[:, j])
                record(t, False, sol.y[:, j])
            y = sol.y[:, -1].copy()
            record(tb, True, y)
            jump(tb, y)
            record(tb, False, y)
        self.solves["sensitivity" if sensitivities else "plain"] += 1

        out_y = np.empty((len(run.samples), self.no))
        out_dy = [] if sensitivities else None
        for s, ((t, _), z) in enumerate(zip(run.samples, states)):
            inp = [t] + z[:n].tolist() + tail
            out_y[s] = code.observables(inp)
            if sensitivities:
                dhdx = np.array(code.observable_state_jacobian(inp)).reshape(n, self.no).T
                dhdp = np.array(code.observable_parameter_jacobian(inp)).reshape(k, self.no).T
                out_dy.append(dhdx @ z[n:].reshape(n, k) + dhdp)
        return out_y, out_dy, p

    # --- the objective -----------------------------------------------------
    def residuals(self, theta, jacobian=False):
        """r(θ) (and ∂r/∂θ); None when a simulation fails."""
        sims = []
        for run in self.runs:
            start = time.process_time()
            sim = self._simulate(run, theta, jacobian)
            self.solves["sensitivity_cpu" if jacobian else "plain_cpu"] += time.process_time() - start
            if sim is None:
                return None
            sims.append(sim)
        r = np.empty(len(self.rows))
        J = np.zeros((len(self.rows), len(self.labels))) if jacobian else None
        for q, row in enumerate(self.rows):
            y_all, dy_all, p = sims[row["run"]]
            y = y_all[row["sample"], row["obs"]]
            if row["censored"]:
                r[q], dr = censored_terms(row["distribution"], y, row["lower"], row["upper"], row["sigma"], row["c"])
            else:
                r[q], dr = exact_terms(row["distribution"], y, row["value"], row["sigma"], row["c"])
            if jacobian:
                run = self.runs[row["run"]]
                sc = self.problem["scenarios"][run.scenario]
                dy = dy_all[row["sample"]][row["obs"]]
                for c, (e, col) in enumerate(zip(self.estimates, self._columns(run))):
                    if col is not None:
                        J[q, col] += dr * dy[c] * self._dvalue(e, p[sc["estimate_parameter"][c]])
        if not np.all(np.isfinite(r)):
            return None
        return (r, J) if jacobian else r

    def nllh(self, r):
        return 0.5 * float(r @ r) + self.constant
