// Every kind of model-file error, with the exact message a user sees.
#include <catch2/catch.hpp>

#include <string>

#include "model_test_support.hpp"

using exvivo::model::testing::load_error;

namespace {

// A valid model; each test breaks one thing in it. Line numbers:
//  1 model, 2 time_unit, 3 parameters, 4 k, 5 K, 6 species, 7 A, 8 B, 9 assignments,
// 10 occ, 11 odes, 12 A, 13 B, 14 observables, 15 total
const std::string valid = R"(model: m
time_unit: h
parameters:
  k: {value: 0.5, unit: 1/h, bounds: [0.1, 10], scale: log10}
  K: 2
species:
  A: {initial: K, unit: ng/mL}
  B: {initial: 0, unit: ng/mL}
assignments:
  occ: A / (A + K)
odes:
  A: -k * A
  B: k * occ
observables:
  total: {formula: A + B, unit: ng/mL, noise: {distribution: normal, sigma: 0.1}}
)";

/// `valid` with the first occurrence of `from` replaced by `to`.
std::string with(const std::string& from, const std::string& to, std::string text = valid) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the base model of the error tests is valid", "[model][errors]") {
  CHECK(load_error(valid) == "no error");
}

TEST_CASE("file-level errors", "[model][errors]") {
  CHECK(load_error("") == "m.yaml: empty file");
  CHECK(load_error("# only a comment\n") == "m.yaml: empty file");
  CHECK(load_error("- a\n- b\n") ==
        "m.yaml:1:1: expected a mapping of model sections (model, parameters, species, odes, ...), got a list");
  CHECK(load_error("just text\n") ==
        "m.yaml:1:1: expected a mapping of model sections (model, parameters, species, odes, ...), got 'just text'");
  CHECK(load_error(with("parameters:", "paramters:")) ==
        "m.yaml:3:1: paramters: unknown key 'paramters' (expected one of: model, title, description, time_unit, units, "
        "parameters, species, assignments, odes, observables, donor_presets, cultures) (did you mean 'parameters'?)");
  CHECK(load_error(with("model: m\n", "")) == "m.yaml:1:1: missing key 'model'");
  CHECK(load_error(with("model: m", "model: 2m")) ==
        "m.yaml:1:8: model: '2m' is not a valid name (letters, digits and _, not starting with a digit)");
  CHECK(load_error(with("time_unit: h", "time_unit:")) == "m.yaml:2:1: time_unit: missing time unit (s, min, h or d)");
  CHECK(load_error(with("model: m", "model:")) == "m.yaml:1:1: model: missing model name");
  CHECK(load_error(with("time_unit: h", "time_unit: hr")) ==
        "m.yaml:2:12: time_unit: must be one of s, min, h or d, got 'hr' (did you mean 'h'?)");
  CHECK(load_error(with("model: m\n", "model: m\nmodel: n\n")) ==
        "m.yaml:2:1: duplicate key 'model' (first at line 1)");
}

TEST_CASE("pathological input is an error, never a crash", "[model][errors]") {
  const char binary[] = {'m', 'o', 'd', 'e', 'l', ':', ' ', 'm', '\n', '\0', '\x01', '\xff', 'x'};
  CHECK(load_error(std::string(binary, sizeof binary)) == "m.yaml:2: not a text file (control byte 0x00)");
  const std::string deep = "model: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  CHECK(load_error(deep).find("m.yaml:1:") == 0);
  std::string nested = "model:\n";
  for (int i = 1; i < 200; ++i) nested += std::string(static_cast<std::size_t>(i), ' ') + "a:\n";
  CHECK(load_error(nested).find("nested deeper than 64 levels") != std::string::npos);
  const std::string huge = valid + "# " + std::string(17u << 20, 'x') + "\n";
  CHECK(load_error(huge).find("m.yaml: file too large") == 0);
  CHECK(load_error("model: [unclosed\n").find("m.yaml:") == 0);
  CHECK(load_error("model: [unclosed\n").find("invalid YAML") != std::string::npos);
}

TEST_CASE("section errors", "[model][errors]") {
  CHECK(load_error(with("odes:\n  A: -k * A\n  B: k * occ\n", "")) == "m.yaml:1:1: missing key 'odes'");
  CHECK(load_error(with("odes:\n  A: -k * A\n  B: k * occ\n", "odes:\n")) == "m.yaml:11:1: odes: 'odes' is empty");
  CHECK(load_error(with("parameters:\n  k: {value: 0.5, unit: 1/h, bounds: [0.1, 10], scale: log10}\n  K: 2\n", "parameters: [k, K]\n")) ==
        "m.yaml:3:13: parameters: expected a mapping of parameter names to values, got a list");
  CHECK(load_error(with("model: m", "model: m\ntitle: [a, b]")) == "m.yaml:2:8: title: expected text, got a list");
  CHECK(load_error(with("  A: {initial: K, unit: ng/mL}", "  A: [K]")) ==
        "m.yaml:7:6: species.A: expected an initial value or a mapping such as {initial: 0, unit: ng/mL}, got a list");
  CHECK(load_error(with("occ: A / (A + K)", "occ: {unit: 1}")) == "m.yaml:10:8: assignments.occ: missing key 'formula'");
  CHECK(load_error(with("noise: {distribution: normal, sigma: 0.1}", "noise: normal")) ==
        "m.yaml:15:47: observables.total.noise: expected a mapping such as {distribution: normal, sigma: 0.1}, "
        "got 'normal'");
  CHECK(load_error(with("distribution: normal, ", "")) ==
        "m.yaml:15:47: observables.total.noise: missing key 'distribution' (normal, lognormal, log10normal, "
        "laplace, logitnormal or proportional)");
}

TEST_CASE("parameter errors", "[model][errors]") {
  CHECK(load_error(with("K: 2", "K: [1, 2]")) ==
        "m.yaml:5:6: parameters.K: expected a number or a mapping such as {value: 2.3, unit: 1/h}, got a list");
  CHECK(load_error(with("K: 2", "K:")) == "m.yaml:5:3: parameters.K: missing value");
  CHECK(load_error(with("value: 0.5, ", "")) ==
        "m.yaml:4:6: parameters.k: missing key 'value'");
  CHECK(load_error(with("K: 2", "K: two")) == "m.yaml:5:6: parameters.K: expected a number, got 'two'");
  CHECK(load_error(with("K: 2", "K: .inf")) == "m.yaml:5:6: parameters.K: expected a finite number, got '.inf'");
  CHECK(load_error(with("K: 2", "K: nan")) == "m.yaml:5:6: parameters.K: expected a finite number, got 'nan'");
  CHECK(load_error(with("value: 0.5", "value: 50")) ==
        "m.yaml:4:14: parameters.k.value: value 50 is outside the bounds [0.1, 10]");
  CHECK(load_error(with("[0.1, 10]", "[10, 0.1]")) ==
        "m.yaml:4:38: parameters.k.bounds: lower bound 10 must be below upper bound 0.1");
  CHECK(load_error(with("[0.1, 10]", "[1, 1]")) ==
        "m.yaml:4:38: parameters.k.bounds: lower bound 1 must be below upper bound 1");
  CHECK(load_error(with("[0.1, 10]", "[0.1]")) ==
        "m.yaml:4:38: parameters.k.bounds: expected [lower, upper], got a list of 1 value");
  CHECK(load_error(with("[0.1, 10]", "[0, 10]")) ==
        "m.yaml:4:38: parameters.k.bounds: scale log10 needs a positive lower bound, got 0");
  CHECK(load_error(with("scale: log10", "scale: log2")) ==
        "m.yaml:4:56: parameters.k.scale: must be one of lin, log or log10, got 'log2' (did you mean 'log'?)");
  CHECK(load_error(with("unit: 1/h", "unit: 1//h")) ==
        "m.yaml:4:25: parameters.k.unit: unit '1//h': expected a unit before '/' at character 3");
  CHECK(load_error(with("scale: log10}", "scale: log10, min: 1}")) ==
        "m.yaml:4:63: parameters.k.min: unknown key 'min' (expected one of: value, unit, bounds, scale, donor, "
        "source, doc)");
  CHECK(load_error(with("K: 2", "K: {value: -2, scale: log}")) ==
        "m.yaml:5:14: parameters.K.value: value -2 must be positive on a log scale");
  CHECK(load_error(with("K: 2", "K: {value: 2, unit: ng/mL), scale: log}")) ==
        "m.yaml:5:23: parameters.K.unit: unit 'ng/mL)': unexpected ')' at character 6");
  CHECK(load_error(with("K: 2", "K: {value: 2 min, unit: ng/mL}")) ==
        "m.yaml:5:14: parameters.K.value: cannot convert 'min' to 'ng/mL': dimensions s and g/L differ");
  CHECK(load_error(with("K: 2", "K: 2 ng//mL")) ==
        "m.yaml:5:6: parameters.K: unit 'ng//mL': expected a unit before '/' at character 4");
  CHECK(load_error(with("K: 2", "K: {value: 2, donor: maybe}")) ==
        "m.yaml:5:24: parameters.K.donor: expected true or false, got 'maybe'");
}

TEST_CASE("name errors", "[model][errors]") {
  CHECK(load_error(with("K: 2", "2K: 2")) ==
        "m.yaml:5:3: parameters.2K: '2K' is not a valid name (letters, digits and _, not starting with a digit)");
  CHECK(load_error(with("K: 2", "exp: 2")) ==
        "m.yaml:5:3: parameters.exp: 'exp' is the name of a built-in function and cannot be redefined");
  CHECK(load_error(with("occ: A / (A + K)", "t: A / (A + K)")) ==
        "m.yaml:10:3: assignments.t: 't' is reserved for time and cannot be redefined");
  CHECK(load_error(with("occ: A / (A + K)", "k: A / (A + K)")) ==
        "m.yaml:10:3: assignments.k: 'k' is already defined as a parameter (line 4)");
  CHECK(load_error(with("  B: {initial: 0, unit: ng/mL}", "  K: {initial: 0, unit: ng/mL}")) ==
        "m.yaml:8:3: species.K: 'K' is already defined as a parameter (line 5)");
}

TEST_CASE("species and ODE errors", "[model][errors]") {
  CHECK(load_error(with("  B: k * occ\n", "")) ==
        "m.yaml:8:3: species.B: species 'B' has no ODE (write 'B: 0' under odes for a constant species)");
  CHECK(load_error(with("  B: k * occ", "  B: k * occ\n  C: 0")) ==
        "m.yaml:14:3: odes.C: 'C' is not a species (did you mean 'A'?)");
  CHECK(load_error(with("  B: k * occ", "  B: k * occ\n  occ: 0")) ==
        "m.yaml:14:3: odes.occ: 'occ' is not a species (it is an assignment)");
  CHECK(load_error(with("  B: k * occ", "  B:")) ==
        "m.yaml:13:3: odes.B: missing right-hand side (write 0 for a constant species)");
  CHECK(load_error(with("{initial: 0, unit: ng/mL}", "{unit: ng/mL}")) ==
        "m.yaml:8:6: species.B: missing key 'initial'");
  CHECK(load_error(with("initial: 0, unit: ng/mL", "initial: 0, unit: ng/mL, molar_mass: 14.5")) ==
        "m.yaml:8:44: species.B.molar_mass: molar_mass '14.5': needs a unit (Da, kDa or g/mol)");
  CHECK(load_error(with("initial: 0, unit: ng/mL", "initial: 0, unit: ng/mL, specific_activity: 5 IU")) ==
        "m.yaml:8:51: species.B.specific_activity: specific_activity '5 IU': unit 'IU' is not a "
        "specific activity (expected e.g. IU/mg or U/ug)");
  CHECK(load_error(with("species:\n", "species:\n  C: {initial: 0, unit: 1, soluble: 3}\n")) ==
        "m.yaml:7:37: species.C.soluble: expected true or false, got '3'");
  CHECK(load_error(with("species:\n  A: {initial: K, unit: ng/mL}\n  B: {initial: 0, unit: ng/mL}\n", "species:\n")) ==
        "m.yaml:6:1: species: a model needs at least one species");
}

TEST_CASE("initial values use parameters and parameter-only assignments only", "[model][errors]") {
  CHECK(load_error(with("initial: 0", "initial: A")) ==
        "m.yaml:8:16: species.B.initial: an initial value may use parameters and parameter-only assignments, "
        "not species 'A'");
  CHECK(load_error(with("initial: 0", "initial: occ")) ==
        "m.yaml:8:16: species.B.initial: an initial value may use parameters and parameter-only assignments, "
        "not assignment 'occ', which depends on species 'A'");
  CHECK(load_error(with("occ: A / (A + K)", "occ: A / (A + K)\n  ramp: 2 * clock\n  clock: t", with("initial: 0", "initial: ramp"))) ==
        "m.yaml:8:16: species.B.initial: an initial value may use parameters and parameter-only assignments, "
        "not assignment 'ramp', which depends on time 't'");
  CHECK(load_error(with("initial: 0", "initial: 1 + t")) ==
        "m.yaml:8:20: species.B.initial: an initial value may use parameters and parameter-only assignments, "
        "not time 't'");
}

TEST_CASE("expression errors are located inside the file", "[model][errors]") {
  CHECK(load_error(with("-k * A", "-k * * A")) ==
        "m.yaml:12:11: odes.A: unexpected token '*' (expected a number, a name, '(' or '-')");
  // Quoted: the column counts from inside the quotes.
  CHECK(load_error(with("-k * A", "\"-k * * A\"")) ==
        "m.yaml:12:12: odes.A: unexpected token '*' (expected a number, a name, '(' or '-')");
  CHECK(load_error(with("-k * A", "'-k * * A'")) ==
        "m.yaml:12:12: odes.A: unexpected token '*' (expected a number, a name, '(' or '-')");
  // A plain scalar continued on the next line.
  CHECK(load_error(with("-k * A", "-k *\n     A * * 2")) ==
        "m.yaml:13:10: odes.A: unexpected token '*' (expected a number, a name, '(' or '-')");
  // A block scalar.
  CHECK(load_error(with("-k * A", "|\n    -k *\n      A * * 2")) ==
        "m.yaml:14:11: odes.A: unexpected token '*' (expected a number, a name, '(' or '-')");
  // Columns count characters, also after non-ASCII text on the same line.
  CHECK(load_error(with("{initial: 0, unit: ng/mL}", "{doc: \"µg µg\", initial: 1 +* 2}")) ==
        "m.yaml:8:33: species.B.initial: unexpected token '*' (expected a number, a name, '(' or '-')");
  // Windows line endings.
  std::string crlf;
  for (const char c : with("-k * A", "-k * * A")) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  CHECK(load_error(crlf) == "m.yaml:12:11: odes.A: unexpected token '*' (expected a number, a name, '(' or '-')");
  CHECK(load_error(with("-k * A", "-k * kk * A")) ==
        "m.yaml:12:11: odes.A: undefined name 'kk' (did you mean 'k'?)");
  CHECK(load_error(with("-k * A", "-k * expp(A)")) ==
        "m.yaml:12:11: odes.A: unknown function 'expp' (did you mean 'exp'?)");
  CHECK(load_error(with("-k * A", "-k * hill(A, K)")) ==
        "m.yaml:12:11: odes.A: function 'hill' takes 3 arguments, got 2");
  CHECK(load_error(with("-k * A", "-k * (A")) ==
        "m.yaml:12:11: odes.A: unbalanced parenthesis: '(' is not closed");
  CHECK(load_error(with("-k * A", "-k @ A")) == "m.yaml:12:9: odes.A: unexpected character '@'");
  CHECK(load_error(with("-k * A", "-k * A +")) ==
        "m.yaml:12:14: odes.A: unexpected end of expression (expected a number, a name, '(' or '-')");
  CHECK(load_error(with("-k * A", "[1, 2]")) == "m.yaml:12:6: odes.A: expected an expression, got a list");
  CHECK(load_error(with("A / (A + K)", "A / (A + KK)")) ==
        "m.yaml:10:17: assignments.occ: undefined name 'KK' (did you mean 'K'?)");
}

TEST_CASE("assignment cycles are named", "[model][errors]") {
  CHECK(load_error(with("occ: A / (A + K)", "occ: A / (A + K) + b\n  b: occ * 2")) ==
        "m.yaml:10:3: assignments.occ: assignments depend on each other in a cycle: occ -> b -> occ");
  CHECK(load_error(with("occ: A / (A + K)", "c: b\n  occ: A / (A + K) + c\n  b: 2 * occ")) ==
        "m.yaml:10:3: assignments.c: assignments depend on each other in a cycle: c -> b -> occ -> c");
  CHECK(load_error(with("occ: A / (A + K)", "occ: occ + 1")) ==
        "m.yaml:10:3: assignments.occ: assignments depend on each other in a cycle: occ -> occ");
}

TEST_CASE("observable and noise errors", "[model][errors]") {
  CHECK(load_error(with("formula: A + B", "formula: A + C")) ==
        "m.yaml:15:24: observables.total.formula: undefined name 'C' (did you mean 'k'?)");
  CHECK(load_error(with("distribution: normal", "distribution: gaussian")) ==
        "m.yaml:15:62: observables.total.noise.distribution: must be one of normal, lognormal, log10normal, "
        "laplace, logitnormal or proportional, got 'gaussian'");
  CHECK(load_error(with("distribution: normal", "distribution: lognormall")) ==
        "m.yaml:15:62: observables.total.noise.distribution: must be one of normal, lognormal, log10normal, "
        "laplace, logitnormal or proportional, got 'lognormall' (did you mean 'lognormal'?)");
  CHECK(load_error(with("sigma: 0.1", "sigma: -0.1")) ==
        "m.yaml:15:77: observables.total.noise.sigma: sigma must be a positive finite number, got '-0.1'");
  CHECK(load_error(with("sigma: 0.1", "sigma: 0")) ==
        "m.yaml:15:77: observables.total.noise.sigma: sigma must be a positive finite number, got '0'");
  CHECK(load_error(with(", sigma: 0.1", "")) ==
        "m.yaml:15:47: observables.total.noise: missing key 'sigma'");
  CHECK(load_error(with("sigma: 0.1", "sigma: 0.1 * Total")) ==
        "m.yaml:15:83: observables.total.noise.sigma: undefined name 'Total'");
  CHECK(load_error(with("{formula: A + B,", "{formla: A + B,")) ==
        "m.yaml:15:11: observables.total.formla: unknown key 'formla' (expected one of: formula, unit, doc, noise, "
        "lloq) "
        "(did you mean 'formula'?)");
  CHECK(load_error(with("observables:\n", "observables:\n  total2: {unit: 1}\n")) ==
        "m.yaml:15:11: observables.total2: missing key 'formula'");
  CHECK(load_error(with("sigma: 0.1}", "sigma: 0.1}, lloq: 0")) ==
        "m.yaml:15:89: observables.total.lloq: lloq must be a positive number in the observable's unit (ng/mL), "
        "got '0'");
  CHECK(load_error(with("sigma: 0.1}", "sigma: 0.1}, lloq: ten")) ==
        "m.yaml:15:89: observables.total.lloq: lloq must be a positive number in the observable's unit (ng/mL), "
        "got 'ten'");
  CHECK(load_error(with("distribution: normal, sigma: 0.1}", "distribution: laplace, sigma: 0.1}, lloq: 2")) ==
        "m.yaml:15:90: observables.total.lloq: an lloq censors measurements below it, which laplace noise does "
        "not support (normal, lognormal, log10normal, logitnormal or proportional do)");
}

TEST_CASE("donor preset and culture errors", "[model][errors]") {
  CHECK(load_error(valid + "donor_presets:\n  septic: {KK: 3}\n") ==
        "m.yaml:17:12: donor_presets.septic.KK: 'KK' is not a parameter or species of the model (did you mean 'K'?)");
  CHECK(load_error(valid + "cultures:\n  pbmc: {C: 3}\n") ==
        "m.yaml:17:10: cultures.pbmc.C: 'C' is not a parameter or species of the model (did you mean 'k'?)");
  CHECK(load_error(valid + "donor_presets:\n  septic: {k: 3 cells/uL}\n") ==
        "m.yaml:17:15: donor_presets.septic.k: cannot convert 'cells/uL' to '1/h': dimensions cells/L and 1/s differ");
  CHECK(load_error(valid + "donor_presets:\n  septic: {A: 3 nM}\n") ==
        "m.yaml:17:15: donor_presets.septic.A: cannot convert 'nM' to 'ng/mL': needs the species' molar_mass");
  CHECK(load_error(valid + "donor_presets:\n  septic: {k: lots}\n") ==
        "m.yaml:17:15: donor_presets.septic.k: quantity 'lots': expected a number with an optional unit");
  CHECK(load_error(valid + "donor_presets:\n  septic: {k: 3 1/h-}\n") ==
        "m.yaml:17:15: donor_presets.septic.k: a value cannot be marked 'just before' ('3 1/h-')");
  CHECK(load_error(valid + "donor_presets:\n  2septic: {k: 3}\n") ==
        "m.yaml:17:3: donor_presets: '2septic' is not a valid name (letters, digits and _, not starting with a digit)");
  CHECK(load_error(valid + "donor_presets:\n  septic: 3\n") ==
        "m.yaml:17:11: donor_presets.septic: expected a mapping of parameter or species names to values, got '3'");
}

// Issue 15: custom units are declared; a typo in a unit is an error, not a new
// opaque unit; a file's errors are reported together.
TEST_CASE("custom units must be declared under units:", "[model][errors][issue15]") {
  CHECK(load_error(with("B: {initial: 0, unit: ng/mL}", "B: {initial: 0, unit: ng/mLL}")) ==
        "m.yaml:8:25: species.B.unit: unit 'ng/mLL': unknown unit 'mLL' (custom units must be declared under the "
        "model's 'units:' with a one-line meaning, e.g. units: {mLL: ...}) (did you mean 'mL'?)");
  CHECK(load_error(with("unit: 1/h", "unit: AB/C/h")).find(
            "m.yaml:4:25: parameters.k.unit: unit 'AB/C/h': unknown unit 'AB'") == 0);
  const std::string declared = with("parameters:", "units:\n  AB: antibodies bound per cell\n  C: a cell\nparameters:");
  CHECK(load_error(with("unit: 1/h", "unit: AB/C/h", declared)) == "no error");
  CHECK(load_error(with("K: 2", "K: 2 beads/cells")).find("parameters.K: unit 'beads/cells': unknown unit 'beads'") !=
        std::string::npos);
  CHECK(load_error(with("parameters:", "units:\n  h: hours\nparameters:")) ==
        "m.yaml:4:3: units.h: 'h' is a built-in unit; declare only custom ones");
  CHECK(load_error(with("parameters:", "units:\n  AB: \nparameters:")) ==
        "m.yaml:4:3: units.AB: expected a one-line meaning, such as 'AB: antibodies bound per cell'");
  CHECK(load_error(with("parameters:", "units:\n  AB/C: per cell\nparameters:")).find("units.AB/C: 'AB/C' is not a unit name") !=
        std::string::npos);
}

TEST_CASE("a model file's errors are reported together", "[model][errors][issue15]") {
  const std::string two = with("unit: 1/h", "unit: 1/hh", with("B: {initial: 0, unit: ng/mL}", "B: {initial: 0, unit: ng/mLL}"));
  const std::string msg = load_error(two);
  CHECK(msg.find("m.yaml:4:25: parameters.k.unit: unit '1/hh': unknown unit 'hh'") == 0);
  CHECK(msg.find("\nm.yaml:8:25: species.B.unit: unit 'ng/mLL': unknown unit 'mLL'") != std::string::npos);
  CHECK(msg.find("\n(2 errors)") != std::string::npos);
}

TEST_CASE("every expression's errors are reported together", "[model][errors][issue15]") {
  const std::string msg = load_error(with("B: k * occ", "B: kk * occ", with("A: -k * A", "A: -k * A +")));
  CHECK(msg.find("odes.A:") != std::string::npos);
  CHECK(msg.find("odes.B: undefined name 'kk' (did you mean 'k'?)") != std::string::npos);
  CHECK(msg.find("\n(2 errors)") != std::string::npos);
}
