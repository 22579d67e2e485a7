#pragma once
// Unit strings: parsing, dimensions and conversion factors (DESIGN.md §2).
//
// A unit string is a product/quotient of atoms with optional integer powers
// and parentheses:
//
//     1/h   h^-1   ng/mL   ng/mL/h   (ng/mL)/h   mL/(cells*h)   cells/uL
//     AB/C   beads/cell   %   1   U/mL   IU/mL   µg/mL   h^(-1)
//
// Grammar (whitespace allowed around '*', '/', '^' and parentheses):
//
//     unit    := factor (('*' | '/') factor)*
//     factor  := primary ('^' power)?
//     primary := atom | '1' | '%' | '(' unit ')'
//     power   := ['+'|'-'] digits | '(' ['+'|'-'] digits ')'
//     atom    := letter (letter | digit | '_')*        ('µ'/'μ' count as the letter 'u')
//
// '/' binds like '*' and associates to the left: ng/mL/h = ng·mL⁻¹·h⁻¹.
//
// Known atoms and their value in base units (s, g, L, mol, IU):
//
//   time      s = 1, min = 60, h = 3600, d = 86400                      [s]
//   mass      fg pg ng ug mg g kg  (1e-15 … 1e3)                         [g]
//   volume    nL uL mL dL L  (1e-9 … 1), also written nl ul ml dl l       [L]
//   amount    fmol pmol nmol umol mmol mol  (1e-15 … 1)                  [mol]
//   molar     fM pM nM uM mM M  (= amount/L)
//   activity  IU, U (the same unit)                                      [IU]
//   1         dimensionless, 1;   %  dimensionless, 0.01
//
// Every other atom (AB, C, cells, beads, molecules, …) is an opaque base
// dimension of its own; 'cell' and 'cells' are the same atom. Atoms are
// case-sensitive ('M' is molar, 'm' is an opaque atom).
//
// Errors: every function here throws exvivo::UnitError. Messages name the unit
// text and what is wrong but carry no file location: loaders re-raise them at
// the offending node (e.g. `node.fail(e.what())`), giving the standard
// "file:line:col: key.path: unit 'ng/mL)': unexpected ')' at character 6".
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace exvivo {

/// A parsed unit: value of one unit in base units times a product of base
/// dimensions raised to integer powers. E.g. ng/mL = 1e-6 · g¹·L⁻¹.
struct Unit {
  double scale = 1;                  ///< value of 1 of this unit in base units
  std::map<std::string, int> powers; ///< base dimension → non-zero power ("g", "L", "s", "mol", "IU", opaque atoms)
  std::string text;                  ///< the unit as written ("" for a bare number)

  bool is_dimensionless() const { return powers.empty(); }
  /// The dimension in base units, e.g. "g/L", "1/s", "AB/C", "1".
  std::string dimension_str() const;
};

/// Parses a unit string (see the grammar above). Throws UnitError for empty
/// text, unknown characters, unbalanced parentheses, a missing operand or
/// operator ("ng mL"), non-integer or missing powers, numbers other than 1.
Unit parse_unit(std::string_view text);

/// True for the atoms with a known scale (s, h, ng, mL, nM, IU, ...) and the
/// counting atoms cell/cells; every other atom is a custom unit, which model
/// files declare under `units:`.
bool is_known_unit_atom(std::string_view atom);
/// The known atoms (for "did you mean" suggestions).
std::vector<std::string> known_unit_atoms();
/// The atoms written in a valid unit string ("ng/mL/h/(cells/uL)" → ng, mL, h,
/// cells, uL), 'µ'/'μ' read as 'u'; throws UnitError like parse_unit.
std::vector<std::string> unit_atoms(std::string_view text);

/// True when a and b have the same base dimensions (convertible by a pure factor).
bool same_dimension(const Unit& a, const Unit& b);

/// True when u has the dimension of time (s, min, h, d, min*h/d, …).
bool is_time(const Unit& u);

/// Species properties that make otherwise incompatible units convertible.
/// Zero means "not known".
struct ConversionContext {
  double molar_mass_g_per_mol = 0;        ///< mass ↔ amount (ng/mL ↔ pM): 1 mol = M g
  double specific_activity_IU_per_mg = 0; ///< activity ↔ mass (IU/mL ↔ ng/mL): 1 mg = A IU
};

/// Factor f such that  x [from] = x·f [to].
///
/// Same dimension: f = from.scale / to.scale. Otherwise the units may differ
/// only in how much of mass, amount and activity they contain, with the total
/// power of (mass + amount + activity) the same (ng/mL vs pM vs IU/mL); each
/// IU is then replaced by 1/(1000·A) g and each mol by M g.
///
/// Throws UnitError "cannot convert 'AB/C' to 'ng/mL': dimensions AB/C and g/L
/// differ" for incompatible units, and "cannot convert 'ng/mL' to 'pM': needs
/// the species' molar_mass" when a missing context value would make it possible.
double conversion_factor(const Unit& from, const Unit& to, const ConversionContext& ctx = {});

/// Convenience: value·conversion_factor(from, to, ctx).
double convert(double value, const Unit& from, const Unit& to, const ConversionContext& ctx = {});

/// Molar mass in g/mol from "14.5 kDa", "17000 Da", "17000 g/mol" (any
/// mass/amount unit, e.g. "17 kg/mol"). Throws UnitError when the number is not
/// finite and positive, the unit is missing or is not a molar mass.
double parse_molar_mass(std::string_view text);

/// Specific activity in IU/mg from "5.6e6 IU/mg" (any activity/mass unit, e.g.
/// "2e7 U/mg", "5.6e3 IU/ug"). Throws UnitError like parse_molar_mass.
double parse_specific_activity(std::string_view text);

}  // namespace exvivo
