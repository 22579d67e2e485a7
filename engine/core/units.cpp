#include "core/units.hpp"

#include "core/text.hpp"

#include <cmath>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/quantity.hpp"

namespace exvivo {

namespace {

// Base dimensions that species properties can convert between.
constexpr const char* kMass = "g";
constexpr const char* kAmount = "mol";
constexpr const char* kActivity = "IU";

struct KnownAtom {
  const char* name;
  double scale;
  std::initializer_list<std::pair<const char*, int>> powers;
};

// Every atom with a scale; all others are opaque base dimensions.
const KnownAtom kKnownAtoms[] = {
    {"s", 1, {{"s", 1}}},          {"min", 60, {{"s", 1}}},
    {"h", 3600, {{"s", 1}}},       {"d", 86400, {{"s", 1}}},
    {"fg", 1e-15, {{kMass, 1}}},   {"pg", 1e-12, {{kMass, 1}}},
    {"ng", 1e-9, {{kMass, 1}}},    {"ug", 1e-6, {{kMass, 1}}},
    {"mg", 1e-3, {{kMass, 1}}},    {"g", 1, {{kMass, 1}}},
    {"kg", 1e3, {{kMass, 1}}},     {"nL", 1e-9, {{"L", 1}}},
    {"uL", 1e-6, {{"L", 1}}},      {"mL", 1e-3, {{"L", 1}}},
    {"dL", 1e-1, {{"L", 1}}},      {"L", 1, {{"L", 1}}},
    // The SI also writes the litre lower-case.
    {"nl", 1e-9, {{"L", 1}}},      {"ul", 1e-6, {{"L", 1}}},
    {"ml", 1e-3, {{"L", 1}}},      {"dl", 1e-1, {{"L", 1}}},
    {"l", 1, {{"L", 1}}},
    {"fmol", 1e-15, {{kAmount, 1}}}, {"pmol", 1e-12, {{kAmount, 1}}},
    {"nmol", 1e-9, {{kAmount, 1}}},  {"umol", 1e-6, {{kAmount, 1}}},
    {"mmol", 1e-3, {{kAmount, 1}}},  {"mol", 1, {{kAmount, 1}}},
    {"fM", 1e-15, {{kAmount, 1}, {"L", -1}}}, {"pM", 1e-12, {{kAmount, 1}, {"L", -1}}},
    {"nM", 1e-9, {{kAmount, 1}, {"L", -1}}},  {"uM", 1e-6, {{kAmount, 1}, {"L", -1}}},
    {"mM", 1e-3, {{kAmount, 1}, {"L", -1}}},  {"M", 1, {{kAmount, 1}, {"L", -1}}},
    {"Da", 1, {{kMass, 1}, {kAmount, -1}}},   {"kDa", 1e3, {{kMass, 1}, {kAmount, -1}}},
    {"IU", 1, {{kActivity, 1}}},   {"U", 1, {{kActivity, 1}}},
};

Unit atom_unit(const std::string& name) {
  Unit u;
  for (const auto& atom : kKnownAtoms) {
    if (name == atom.name) {
      u.scale = atom.scale;
      for (const auto& [dim, power] : atom.powers) u.powers[dim] = power;
      return u;
    }
  }
  u.powers[name == "cell" ? std::string("cells") : name] = 1;
  return u;
}

void multiply(Unit& into, const Unit& by, int sign) {
  into.scale = sign > 0 ? into.scale * by.scale : into.scale / by.scale;
  for (const auto& [dim, power] : by.powers) {
    const int p = (into.powers[dim] += sign * power);
    if (p == 0) into.powers.erase(dim);
  }
}

Unit raise(const Unit& u, int power) {
  Unit r;
  r.scale = std::pow(u.scale, power);
  if (power != 0)
    for (const auto& [dim, p] : u.powers) r.powers[dim] = p * power;
  return r;
}

[[noreturn]] void fail_unit(std::string_view text, const std::string& what) {
  throw UnitError("unit '" + std::string(text) + "': " + what);
}

bool is_letter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Recursive-descent parser over the grammar documented in units.hpp.
class UnitParser {
 public:
  explicit UnitParser(std::string_view text, std::vector<std::string>* atoms = nullptr) : text_(text), atoms_(atoms) {}

  Unit parse() {
    skip_spaces();
    if (pos_ == text_.size()) fail("empty unit");
    Unit u = product();
    skip_spaces();
    if (pos_ < text_.size()) {
      if (text_[pos_] == ')') fail("unexpected ')'" + at());
      if (starts_operand(pos_)) fail("expected '*' or '/' before '" + next_token_text() + "'" + at());
      fail("unexpected character '" + character_at(pos_) + "'" + at());
    }
    return u;
  }

 private:
  std::string_view text_;
  std::vector<std::string>* atoms_;  ///< collects the atoms' names when not null
  std::size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const { fail_unit(text_, what); }

  // " at character N" (1-based, counting UTF-8 characters, not bytes).
  std::string at() const {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i)
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++chars;
    return " at character " + std::to_string(chars + 1);
  }

  void skip_spaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  // Micro sign U+00B5 and Greek small mu U+03BC (UTF-8), both read as 'u'.
  std::size_t micro_sign_length(std::size_t i) const {
    if (i + 1 >= text_.size()) return 0;
    const auto a = static_cast<unsigned char>(text_[i]);
    const auto b = static_cast<unsigned char>(text_[i + 1]);
    return ((a == 0xC2 && b == 0xB5) || (a == 0xCE && b == 0xBC)) ? 2 : 0;
  }

  // The whole UTF-8 character starting at byte i.
  std::string character_at(std::size_t i) const {
    std::size_t end = i + 1;
    while (end < text_.size() && (static_cast<unsigned char>(text_[end]) & 0xC0) == 0x80) ++end;
    return std::string(text_.substr(i, end - i));
  }

  bool starts_operand(std::size_t i) const {
    const char c = text_[i];
    return is_letter(c) || is_digit(c) || c == '(' || c == '%' || c == '.' || micro_sign_length(i) > 0;
  }

  std::string next_token_text() const {
    std::size_t end = pos_;
    while (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end])) &&
           text_[end] != '*' && text_[end] != '/' && text_[end] != '(' && text_[end] != ')' &&
           text_[end] != '^')
      ++end;
    if (end == pos_) ++end;
    return std::string(text_.substr(pos_, end - pos_));
  }

  Unit product() {
    Unit u = factor();
    for (;;) {
      skip_spaces();
      if (pos_ >= text_.size()) return u;
      const char op = text_[pos_];
      if (op != '*' && op != '/') return u;
      ++pos_;
      skip_spaces();
      if (pos_ >= text_.size())
        fail(std::string("expected a unit after '") + op + "'" + at());
      multiply(u, factor(), op == '*' ? 1 : -1);
    }
  }

  Unit factor() {
    Unit u = primary();
    skip_spaces();
    if (pos_ < text_.size() && text_[pos_] == '^') {
      ++pos_;
      u = raise(u, power());
    }
    return u;
  }

  int power() {
    skip_spaces();
    const bool parenthesised = pos_ < text_.size() && text_[pos_] == '(';
    if (parenthesised) {
      ++pos_;
      skip_spaces();
    }
    const std::size_t start = pos_;
    if (pos_ < text_.size() && (text_[pos_] == '-' || text_[pos_] == '+')) ++pos_;
    const std::size_t digits_start = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    if (pos_ == digits_start) {
      pos_ = start;
      fail("expected an integer power after '^'" + at());
    }
    if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E'))
      fail("powers must be integers" + at());
    if (pos_ - digits_start > 3) {
      pos_ = start;
      fail("power too large" + at());
    }
    const int p = std::stoi(std::string(text_.substr(start, pos_ - start)));
    if (parenthesised) {
      skip_spaces();
      if (pos_ >= text_.size() || text_[pos_] != ')') fail("missing ')' after the power" + at());
      ++pos_;
    }
    return p;
  }

  Unit primary() {
    skip_spaces();
    if (pos_ >= text_.size()) fail("expected a unit" + at());
    const char c = text_[pos_];
    if (c == '(') {
      const std::size_t open = pos_;
      ++pos_;
      skip_spaces();
      if (pos_ < text_.size() && text_[pos_] == ')') fail("empty parentheses" + at());
      Unit u = product();
      skip_spaces();
      if (pos_ >= text_.size() || text_[pos_] != ')') {
        if (pos_ < text_.size() && starts_operand(pos_))
          fail("expected '*', '/' or ')' before '" + next_token_text() + "'" + at());
        if (pos_ < text_.size()) fail("unexpected character '" + character_at(pos_) + "'" + at());
        pos_ = open;
        fail("missing ')' for the '('" + at());
      }
      ++pos_;
      return u;
    }
    if (c == '%') {
      ++pos_;
      Unit u;
      u.scale = 0.01;
      return u;
    }
    if (is_digit(c) || c == '.') {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && (is_digit(text_[pos_]) || text_[pos_] == '.')) ++pos_;
      const std::string_view number = text_.substr(start, pos_ - start);
      if (number != "1") {
        pos_ = start;
        fail("only the number 1 may appear in a unit, got '" + std::string(number) + "'" + at());
      }
      return Unit{};
    }
    if (is_letter(c) || micro_sign_length(pos_) > 0) {
      std::string name;
      while (pos_ < text_.size()) {
        if (const std::size_t m = micro_sign_length(pos_); m > 0) {
          name += 'u';
          pos_ += m;
        } else if (is_letter(text_[pos_]) || is_digit(text_[pos_]) || text_[pos_] == '_') {
          name += text_[pos_++];
        } else {
          break;
        }
      }
      if (atoms_) atoms_->push_back(name);
      return atom_unit(name);
    }
    if (c == ')') fail("unexpected ')'" + at());
    if (c == '*' || c == '/') fail(std::string("expected a unit before '") + c + "'" + at());
    fail("unexpected character '" + character_at(pos_) + "'" + at());
  }
};

std::string format_powers(const std::map<std::string, int>& powers) {
  std::vector<std::string> numerator, denominator;
  for (const auto& [dim, power] : powers) {
    std::string factor = dim;
    if (std::abs(power) != 1) factor += '^' + std::to_string(std::abs(power));
    (power > 0 ? numerator : denominator).push_back(std::move(factor));
  }
  const auto join = [](const std::vector<std::string>& parts) {
    std::string joined;
    for (const auto& part : parts) joined += (joined.empty() ? "" : "*") + part;
    return joined;
  };
  const std::string top = numerator.empty() ? std::string("1") : join(numerator);
  if (denominator.empty()) return top;
  const std::string bottom = join(denominator);
  return top + '/' + (denominator.size() > 1 ? '(' + bottom + ')' : bottom);
}

int power_of(const Unit& u, const std::string& dim) {
  const auto it = u.powers.find(dim);
  return it == u.powers.end() ? 0 : it->second;
}

bool known(double v) { return std::isfinite(v) && v > 0; }

std::string unit_label(const Unit& u) { return u.text.empty() ? u.dimension_str() : u.text; }

}  // namespace

std::string Unit::dimension_str() const { return format_powers(powers); }

Unit parse_unit(std::string_view text) {
  Unit u = UnitParser(text).parse();
  u.text = std::string(trim_spaces(text));
  return u;
}

std::vector<std::string> unit_atoms(std::string_view text) {
  std::vector<std::string> atoms;
  (void)UnitParser(text, &atoms).parse();
  return atoms;
}

bool is_known_unit_atom(std::string_view atom) {
  if (atom == "cell" || atom == "cells") return true;
  for (const auto& a : kKnownAtoms)
    if (atom == a.name) return true;
  return false;
}

std::vector<std::string> known_unit_atoms() {
  std::vector<std::string> names{"cell", "cells"};
  for (const auto& a : kKnownAtoms) names.emplace_back(a.name);
  return names;
}

bool same_dimension(const Unit& a, const Unit& b) { return a.powers == b.powers; }

bool is_time(const Unit& u) {
  return u.powers.size() == 1 && u.powers.begin()->first == "s" && u.powers.begin()->second == 1;
}

double conversion_factor(const Unit& from, const Unit& to, const ConversionContext& ctx) {
  if (same_dimension(from, to)) return from.scale / to.scale;

  const std::string prefix = "cannot convert '" + unit_label(from) + "' to '" + unit_label(to) + "': ";
  const auto incompatible = [&] {
    throw UnitError(prefix + "dimensions " + from.dimension_str() + " and " + to.dimension_str() +
                    " differ");
  };

  // Only mass, amount and activity may differ, and only by trading one for another.
  std::map<std::string, int> difference = from.powers;
  for (const auto& [dim, power] : to.powers)
    if ((difference[dim] -= power) == 0) difference.erase(dim);
  int traded = 0;
  for (const auto& [dim, power] : difference) {
    if (dim != kMass && dim != kAmount && dim != kActivity) incompatible();
    traded += power;
  }
  if (traded != 0) incompatible();

  const bool needs_activity = difference.count(kActivity) > 0;
  // Once activity is expressed as mass, amount is all that can still differ.
  const bool needs_molar_mass = difference.count(kAmount) > 0;
  std::string missing;
  if (needs_molar_mass && !known(ctx.molar_mass_g_per_mol)) missing = "molar_mass";
  if (needs_activity && !known(ctx.specific_activity_IU_per_mg))
    missing += std::string(missing.empty() ? "" : " and ") + "specific_activity";
  if (!missing.empty()) throw UnitError(prefix + "needs the species' " + missing);

  // Value of one unit with activity as mass (1 IU = 1/(1000 A) g) and amount
  // as mass (1 mol = M g).
  const auto in_mass_terms = [&](const Unit& u) {
    double v = u.scale;
    if (needs_activity)
      v *= std::pow(1.0 / (1000.0 * ctx.specific_activity_IU_per_mg), power_of(u, kActivity));
    if (needs_molar_mass) v *= std::pow(ctx.molar_mass_g_per_mol, power_of(u, kAmount));
    return v;
  };
  return in_mass_terms(from) / in_mass_terms(to);
}

double convert(double value, const Unit& from, const Unit& to, const ConversionContext& ctx) {
  return value * conversion_factor(from, to, ctx);
}

namespace {

// A property of a species written as "<number> <unit>": finite, positive and
// convertible to `target`.
double parse_species_property(std::string_view text, std::string_view property,
                              std::string_view noun, const char* target_text,
                              const char* expected_units) {
  const std::string label = std::string(property) + " '" + std::string(trim_spaces(text)) + "': ";
  Quantity q;
  try {
    q = parse_quantity(text);
  } catch (const UnitError& e) {
    // Name the property instead of repeating the text as a "quantity".
    std::string inner = e.what();
    const std::string repeated = "quantity '" + std::string(trim_spaces(text)) + "': ";
    if (inner.rfind(repeated, 0) == 0) inner.erase(0, repeated.size());
    throw UnitError(label + inner);
  }
  if (q.before) throw UnitError(label + "unexpected '-' after the value");
  if (!q.has_unit()) throw UnitError(label + "needs a unit (" + expected_units + ")");
  const Unit target = parse_unit(target_text);
  if (!same_dimension(*q.unit, target))
    throw UnitError(label + "unit '" + q.unit->text + "' is not a " + std::string(noun) +
                    " (expected " + expected_units + ")");
  if (!(q.value > 0)) throw UnitError(label + "must be positive");
  return q.value * conversion_factor(*q.unit, target);
}

}  // namespace

double parse_molar_mass(std::string_view text) {
  return parse_species_property(text, "molar_mass", "molar mass", "g/mol", "Da, kDa or g/mol");
}

double parse_specific_activity(std::string_view text) {
  return parse_species_property(text, "specific_activity", "specific activity", "IU/mg", "e.g. IU/mg or U/ug");
}

}  // namespace exvivo
