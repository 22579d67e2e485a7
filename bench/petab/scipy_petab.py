#!/usr/bin/python3
"""SciPy side of bench/petab: the PEtab log-likelihood of a benchmark problem
with solve_ivp, for problems within a small SBML subset (Boehm_JProteomeRes2014).

Reads the SBML file with xml.etree (no libsbml): constant compartments,
species given as concentrations (hasOnlySubstanceUnits false), constant
parameters, initial assignments and assignment rules of numbers, names and
the MathML operators plus, minus, times, divide, power, exp, ln, and reactions
with kinetic laws (amount per time, so d[S]/dt = sum(stoichiometry * rate) / V).
PEtab: one condition without entries, no preequilibration, observables and
noise formulas in sympy syntax, noiseParameters placeholders, lin transform,
normal noise. Anything else is refused. The objective is PEtab's

    llh = sum_i -1/2 log(2 pi sigma_i^2) - 1/2 ((m_i - y_i) / sigma_i)^2

Each evaluation integrates with solve_ivp (--method, default LSODA; rtol 1e-8,
atol 1e-12, exvivo's defaults), using the analytic-free default Jacobian.
Prints `scipy llh=... sim_s=... gradient_2point_s=...`: CPU seconds per llh and
per gradient by forward differences (n+1 evaluations, what a SciPy user's
least_squares does by default).
"""
import argparse
import csv
import math
import os
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
from scipy.integrate import solve_ivp

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def refuse(what):
    sys.exit(f"scipy_petab.py: {what} is outside the supported subset")


def expr(node):
    """MathML element -> Python expression text."""
    tag = node.tag.replace(MATHML, "")
    if tag == "math":
        return expr(list(node)[0])
    if tag == "ci":
        return node.text.strip()
    if tag == "cn":
        kind = node.get("type", "real")
        if kind == "e-notation":
            parts = [t.strip() for t in node.itertext() if t.strip()]
            return f"({parts[0]}e{parts[1]})"
        return f"({node.text.strip()})"
    if tag == "csymbol":
        if node.get("definitionURL", "").endswith("/time"):
            return "t"
        refuse("csymbol " + node.get("definitionURL", ""))
    if tag == "apply":
        op, *args = list(node)
        op = op.tag.replace(MATHML, "")
        a = [expr(x) for x in args]
        if op == "plus":
            return "(" + " + ".join(a) + ")"
        if op == "times":
            return "(" + " * ".join(a) + ")"
        if op == "minus":
            return f"(-{a[0]})" if len(a) == 1 else f"({a[0]} - {a[1]})"
        if op == "divide":
            return f"({a[0]} / {a[1]})"
        if op == "power":
            return f"({a[0]} ** {a[1]})"
        if op == "exp":
            return f"math.exp({a[0]})"
        if op == "ln":
            return f"math.log({a[0]})"
        refuse("MathML operator " + op)
    refuse("MathML element " + tag)


def read_sbml(path):
    root = ET.parse(path).getroot()
    ns = root.tag[: root.tag.index("}") + 1]
    model = root.find(ns + "model")
    find = lambda name: model.find(ns + name) if model.find(ns + name) is not None else []
    volumes = {c.get("id"): float(c.get("size")) for c in find("listOfCompartments")}
    species, compartment, initial = [], {}, {}
    for s in find("listOfSpecies"):
        if s.get("hasOnlySubstanceUnits") == "true" or s.get("boundaryCondition") == "true":
            refuse("species " + s.get("id"))
        species.append(s.get("id"))
        compartment[s.get("id")] = s.get("compartment")
        initial[s.get("id")] = str(float(s.get("initialConcentration")))
    parameters = {p.get("id"): float(p.get("value", "nan")) for p in find("listOfParameters")}
    for a in find("listOfInitialAssignments"):
        initial[a.get("symbol")] = expr(a.find(MATHML + "math"))
    rules = []
    for r in find("listOfRules"):
        if not r.tag.endswith("assignmentRule"):
            refuse(r.tag)
        rules.append((r.get("variable"), expr(r.find(MATHML + "math"))))
    reactions = []
    for r in find("listOfReactions"):
        law = r.find(ns + "kineticLaw")
        if law.find(ns + "listOfLocalParameters") is not None or law.find(ns + "listOfParameters") is not None:
            refuse("local parameters")
        stoich = {}
        for side, sign in (("listOfReactants", -1), ("listOfProducts", 1)):
            for ref in (r.find(ns + side) or []):
                stoich[ref.get("species")] = stoich.get(ref.get("species"), 0) + sign * float(ref.get("stoichiometry", "1"))
        reactions.append((expr(law.find(MATHML + "math")), stoich))
    return volumes, species, compartment, initial, parameters, rules, reactions


def table(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("problem_dir")
    parser.add_argument("--method", default="LSODA")
    args = parser.parse_args()
    d = args.problem_dir
    name = os.path.basename(os.path.normpath(d))
    files = {f.split("_")[0]: os.path.join(d, f) for f in os.listdir(d)}
    volumes, species, compartment, initial, parameters, rules, reactions = read_sbml(
        [os.path.join(d, f) for f in os.listdir(d) if f.startswith("model_") and f.endswith(".xml")][0])
    petab_parameters = {r["parameterId"]: float(r["nominalValue"]) for r in table(files["parameters"])}
    estimated = [r for r in table(files["parameters"]) if r["estimate"] == "1"]
    observables = {r["observableId"]: r for r in table(files["observables"])}
    measurements = table(files["measurementData"])
    if any(r.get("preequilibrationConditionId") for r in measurements):
        refuse("preequilibration")
    if len({r["simulationConditionId"] for r in measurements}) != 1 or len(table(files["experimentalCondition"])[0]) > 2:
        refuse("more than one condition or condition entries")
    for o in observables.values():
        if o.get("observableTransformation", "lin") not in ("", "lin") or o.get("noiseDistribution", "normal") not in ("", "normal"):
            refuse("observable " + o["observableId"])

    # One Python function for the right-hand side (species, then assignment rules, then rates).
    n = len(species)
    body = ["def rhs(t, x, p):"]
    body += [f"    {s} = x[{i}]" for i, s in enumerate(species)]
    body += [f"    {c} = {v}" for c, v in volumes.items()]
    body += [f"    {v} = p[{k!r}]" for k, v in ((k, k) for k in parameters)]
    body += [f"    {v} = {e}" for v, e in rules]
    body += ["    dx = [0.0] * %d" % n]
    for k, (rate, stoich) in enumerate(reactions):
        body.append(f"    r{k} = {rate}")
        for s, c in stoich.items():
            body.append(f"    dx[{species.index(s)}] += {c} * r{k} / {volumes[compartment[s]]}")
    body.append("    return dx")
    env = {"math": math}
    exec("\n".join(body), env)
    rhs = env["rhs"]

    times = sorted({float(r["time"]) for r in measurements})

    def llh(values):
        p = dict(parameters)
        p.update({k: v for k, v in values.items() if k in p})
        scope = dict(p, math=math, **volumes)
        x0 = [eval(initial[s], scope) for s in species]
        sol = solve_ivp(rhs, (0, times[-1]), x0, method=args.method, t_eval=times, args=(p,), rtol=1e-8, atol=1e-12)
        if not sol.success:
            return float("nan")
        total = 0.0
        for r in measurements:
            k = times.index(float(r["time"]))
            scope = dict(p, math=math, **volumes)
            scope.update({s: sol.y[i, k] for i, s in enumerate(species)})
            scope["t"] = float(r["time"])
            for v, e in rules:
                scope[v] = eval(e, scope)
            o = observables[r["observableId"]]
            for kind, column in (("noiseParameter", "noiseParameters"), ("observableParameter", "observableParameters")):
                cells = [c for c in (r.get(column) or "").split(";") if c.strip()]
                for j, c in enumerate(cells):
                    c = c.strip()
                    scope[f"{kind}{j + 1}_{o['observableId']}"] = values.get(c, petab_parameters.get(c)) if c in petab_parameters else float(c)
            y = eval(o["observableFormula"], scope)
            sigma = eval(o["noiseFormula"], scope)
            m = float(r["measurement"])
            total += -0.5 * math.log(2 * math.pi * sigma ** 2) - 0.5 * ((m - y) / sigma) ** 2
        return total

    nominal = {k: v for k, v in petab_parameters.items()}

    def per_call(f, budget=2.0, limit=20):
        start, calls = time.process_time(), 0  # CPU seconds, as bench_petab
        while True:
            f()
            calls += 1
            elapsed = time.process_time() - start
            if elapsed >= budget or calls >= limit:
                return elapsed / calls

    value = llh(nominal)
    sim_s = per_call(lambda: llh(nominal))

    def gradient():
        base = llh(nominal)
        for r in estimated:
            v = dict(nominal)
            v[r["parameterId"]] *= 1 + 1e-6
            llh(v)
        return base

    grad_s = per_call(gradient, limit=3)
    print(f"scipy[{args.method}] {name} llh={value:.9f} sim_s={sim_s:.4f} gradient_2point_s={grad_s:.4f} params={len(estimated)}")


if __name__ == "__main__":
    main()
