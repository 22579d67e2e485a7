// SBML -> ModelSpec (see sbml_reader.hpp for the mapping). libSBML types stay
// in this file.
#include "model/sbml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <sbml/SBMLTypes.h>
#include <sbml/conversion/ConversionProperties.h>
#include <sbml/extension/SBasePlugin.h>

#include "expr/function.hpp"
#include "expr/parser.hpp"

namespace exvivo::model {
namespace {

// The value libSBML and the SBML L3 specification give the avogadro csymbol.
constexpr double avogadro = 6.02214179e23;

std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "INF" : "(-INF)";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  return v < 0 ? "(" + s + ")" : s;
}

enum class Role {
  parameter,        ///< a ModelSpec parameter holding a number
  initial_assigned, ///< constant with an initialAssignment: a parameter-only ModelSpec assignment
  assignment_rule,  ///< a ModelSpec assignment of the rule's math
  state,            ///< a ModelSpec species: SBML species, or a symbol with a rate rule
  reaction,         ///< a ModelSpec assignment holding the kinetic law
};

struct Symbol {
  std::string id;    ///< SBML id
  std::string name;  ///< name in the ModelSpec (id, or id_ when it clashes)
  Role role = Role::parameter;
  const SBase* element = nullptr;
  double value = std::nan("");   ///< attribute value (size, value, stoichiometry, initial amount/concentration)
  bool is_species = false;
  bool has_only_substance_units = false;
  std::string compartment;       ///< species: compartment id
  bool value_is_amount = false;  ///< species: `value` is an initialAmount (else a concentration)
  const ASTNode* initial_math = nullptr;  ///< initialAssignment
  const ASTNode* rule_math = nullptr;     ///< assignment or rate rule
  const SBase* rule = nullptr;            ///< the rule element (for messages)
};

class SbmlReader {
 public:
  SbmlReader(std::string path, const SbmlOptions& options) : file_(std::move(path)), options_(options) {}

  ModelSpec read() {
    std::unique_ptr<SBMLDocument> doc(readSBMLFromFile(file_.c_str()));
    check_read(*doc);
    refuse_packages(*doc);
    model_ = doc->getModel();
    if (model_ == nullptr) fail(nullptr, "the document has no <model>");
    refuse_unsupported();
    if (model_->getNumReactions() > 0 && has_local_parameters())
      convert(*doc, "promoteLocalParameters", "local parameters could not be promoted");
    model_ = doc->getModel();
    collect_symbols();
    return build();
  }

 private:
  // --- errors -----------------------------------------------------------------
  [[noreturn]] void fail(const SBase* element, const std::string& what) const {
    SourceLocation where{file_, 0, 0};
    std::string prefix;
    if (element != nullptr) {
      where.line = static_cast<int>(element->getLine());
      where.column = static_cast<int>(element->getColumn());
      prefix = element->getElementName();
      if (const auto* rule = dynamic_cast<const Rule*>(element); rule != nullptr && rule->isSetVariable())
        prefix += " for '" + rule->getVariable() + "'";
      else if (element->isSetId())
        prefix += " '" + element->getId() + "'";
      prefix += ": ";
    }
    throw ModelError(where, "", prefix + what);
  }

  void check_read(SBMLDocument& doc) const {
    SBMLErrorLog* log = doc.getErrorLog();
    for (unsigned i = 0; i < doc.getNumErrors(); ++i) {
      const SBMLError* e = log->getError(i);
      if (e->getSeverity() < LIBSBML_SEV_ERROR) continue;
      std::string message = e->getMessage();
      while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) message.pop_back();
      throw ModelError(SourceLocation{file_, static_cast<int>(e->getLine()), static_cast<int>(e->getColumn())}, "",
                       "not a readable SBML document: " + message);
    }
  }

  void refuse_packages(SBMLDocument& doc) const {
    for (unsigned i = 0; i < doc.getNumPlugins(); ++i) {
      const SBasePlugin* plugin = doc.getPlugin(i);
      // l3v2extendedmath is libSBML's name for L3V2 core MathML (rem, max, ...), not a package.
      if (plugin == nullptr || plugin->getPackageName() == "l3v2extendedmath") continue;
      if (!doc.isPackageEnabled(plugin->getPackageName())) continue;
      // Diagrams only: they do not change what is simulated.
      if (plugin->getPackageName() == "layout" || plugin->getPackageName() == "render") continue;
      throw ModelError(SourceLocation{file_, 0, 0}, "",
                       "SBML package '" + plugin->getPackageName() + "' is not supported (only SBML core is)");
    }
  }

  void convert(SBMLDocument& doc, const std::string& option, const std::string& failure) const {
    ConversionProperties props;
    props.addOption(option, true);
    if (doc.convert(props) != LIBSBML_OPERATION_SUCCESS)
      throw ModelError(SourceLocation{file_, 0, 0}, "", failure);
  }

  bool has_local_parameters() const {
    for (unsigned i = 0; i < model_->getNumReactions(); ++i) {
      const KineticLaw* law = model_->getReaction(i)->getKineticLaw();
      if (law != nullptr && (law->getNumParameters() > 0 || law->getNumLocalParameters() > 0)) return true;
    }
    return false;
  }

  void refuse_unsupported() const {
    for (unsigned i = 0; i < model_->getNumRules(); ++i) {
      const Rule* rule = model_->getRule(i);
      if (rule->isAlgebraic()) fail(rule, "algebraic rules are not supported");
    }
    for (unsigned i = 0; i < model_->getNumReactions(); ++i) {
      const Reaction* r = model_->getReaction(i);
      if (r->isSetFast() && r->getFast()) fail(r, "fast reactions are not supported");
      for (const ListOfSpeciesReferences* list : {r->getListOfReactants(), r->getListOfProducts()})
        for (unsigned k = 0; k < list->size(); ++k) {
          const auto* sr = static_cast<const SpeciesReference*>(list->get(k));
          if (sr->isSetStoichiometryMath())
            fail(sr, "variable stoichiometry (stoichiometryMath) is not supported");
        }
    }
    for (unsigned i = 0; i < model_->getNumEvents(); ++i) {
      const Event* e = model_->getEvent(i);
      if (!options_.allow_events)
        fail(e, "events are not supported in scenarios yet (exvivo sbml-case simulates them)");
      if (e->isSetDelay()) fail(e, "event delays are not supported");
      if (e->isSetPriority()) fail(e, "event priorities are not supported");
    }
    for (unsigned i = 0; i < model_->getNumConstraints(); ++i) {
      // Constraints only assert; they do not change the simulation.
    }
  }

  // --- symbols ----------------------------------------------------------------
  std::string unique_name(const std::string& id) {
    std::string name = id;
    const auto clashes = [&](const std::string& n) {
      return n == "t" || n == "INF" || n == "NaN" || expr::find_function(n) || taken_.count(n) != 0;
    };
    while (clashes(name)) name += "_";
    taken_.insert(name);
    return name;
  }

  Symbol& add_symbol(const std::string& id, const SBase* element, double value) {
    Symbol s;
    s.id = id;
    s.element = element;
    s.value = value;
    order_.push_back(id);
    return symbols_[id] = s;
  }

  void collect_symbols() {
    // Ids first, so that mangled names cannot collide with real ones.
    std::vector<std::string> ids;
    for (unsigned i = 0; i < model_->getNumCompartments(); ++i) ids.push_back(model_->getCompartment(i)->getId());
    for (unsigned i = 0; i < model_->getNumSpecies(); ++i) ids.push_back(model_->getSpecies(i)->getId());
    for (unsigned i = 0; i < model_->getNumParameters(); ++i) ids.push_back(model_->getParameter(i)->getId());
    for (unsigned i = 0; i < model_->getNumReactions(); ++i) ids.push_back(model_->getReaction(i)->getId());
    for (const auto& id : ids) taken_.insert(id);
    taken_.erase("t");

    for (unsigned i = 0; i < model_->getNumCompartments(); ++i) {
      const Compartment* c = model_->getCompartment(i);
      const double size = c->isSetSize() ? c->getSize() : c->getSpatialDimensionsAsDouble() == 0 ? 1.0 : std::nan("");
      add_symbol(c->getId(), c, size);
    }
    for (unsigned i = 0; i < model_->getNumSpecies(); ++i) {
      const Species* sp = model_->getSpecies(i);
      Symbol& s = add_symbol(sp->getId(), sp, std::nan(""));
      s.is_species = true;
      s.role = Role::state;
      s.compartment = sp->getCompartment();
      // In a 0-dimensional compartment a species has no concentration: its value is its amount.
      const Compartment* c = model_->getCompartment(s.compartment);
      s.has_only_substance_units = sp->getHasOnlySubstanceUnits() || (c != nullptr && c->getSpatialDimensionsAsDouble() == 0);
      if (sp->isSetInitialAmount()) {
        s.value = sp->getInitialAmount();
        s.value_is_amount = true;
      } else if (sp->isSetInitialConcentration()) {
        s.value = sp->getInitialConcentration();
      }
    }
    for (unsigned i = 0; i < model_->getNumParameters(); ++i) {
      const Parameter* p = model_->getParameter(i);
      add_symbol(p->getId(), p, p->isSetValue() ? p->getValue() : std::nan(""));
    }
    for (unsigned i = 0; i < model_->getNumReactions(); ++i) {
      const Reaction* r = model_->getReaction(i);
      add_symbol(r->getId(), r, 0).role = Role::reaction;
      for (const ListOfSpeciesReferences* list : {r->getListOfReactants(), r->getListOfProducts()})
        for (unsigned k = 0; k < list->size(); ++k) {
          const auto* sr = static_cast<const SpeciesReference*>(list->get(k));
          if (!sr->isSetId()) continue;
          taken_.insert(sr->getId());
          add_symbol(sr->getId(), sr, stoichiometry_value(sr));
        }
    }
    for (const auto& id : order_) symbols_[id].name = unique_name_for(id);

    for (unsigned i = 0; i < model_->getNumInitialAssignments(); ++i) {
      const InitialAssignment* ia = model_->getInitialAssignment(i);
      const auto it = symbols_.find(ia->getSymbol());
      if (it == symbols_.end()) fail(ia, "initial assignment to unknown symbol '" + ia->getSymbol() + "'");
      if (!ia->isSetMath()) continue;
      it->second.initial_math = ia->getMath();
      if (it->second.role == Role::parameter) it->second.role = Role::initial_assigned;
    }
    for (unsigned i = 0; i < model_->getNumRules(); ++i) {
      const Rule* rule = model_->getRule(i);
      const auto it = symbols_.find(rule->getVariable());
      if (it == symbols_.end()) fail(rule, "rule for unknown symbol '" + rule->getVariable() + "'");
      Symbol& s = it->second;
      if (dynamic_cast<const Compartment*>(s.element) != nullptr)
        fail(rule, "compartments changed by rules (non-constant compartments) are not supported");
      if (dynamic_cast<const SpeciesReference*>(s.element) != nullptr)
        fail(rule, "variable stoichiometry (a rule for a speciesReference) is not supported");
      if (!rule->isSetMath()) continue;  // a rule without math has no effect
      s.rule_math = rule->getMath();
      s.rule = rule;
      s.role = rule->isAssignment() ? Role::assignment_rule : Role::state;
    }
    for (unsigned i = 0; i < model_->getNumEvents(); ++i) {
      const Event* e = model_->getEvent(i);
      for (unsigned k = 0; k < e->getNumEventAssignments(); ++k) {
        const EventAssignment* a = e->getEventAssignment(k);
        const auto it = symbols_.find(a->getVariable());
        if (it == symbols_.end()) fail(a, "event assignment to unknown symbol '" + a->getVariable() + "'");
        Symbol& s = it->second;
        if (dynamic_cast<const Compartment*>(s.element) != nullptr)
          fail(e, "compartments changed by events (non-constant compartments) are not supported");
        if (dynamic_cast<const SpeciesReference*>(s.element) != nullptr)
          fail(e, "variable stoichiometry (an event assignment to a speciesReference) is not supported");
        if (s.role == Role::assignment_rule) fail(e, "event assignment to '" + s.id + "', which an assignment rule defines");
        s.role = Role::state;
      }
    }
  }

  std::string unique_name_for(const std::string& id) {
    taken_.erase(id);
    return unique_name(id);
  }

  static double stoichiometry_value(const SpeciesReference* sr) {
    if (sr->isSetStoichiometry()) return sr->getStoichiometry();
    return sr->getLevel() < 3 ? 1.0 : std::nan("");
  }

  const Symbol& symbol(const std::string& id, const SBase* context) const {
    const auto it = symbols_.find(id);
    if (it == symbols_.end()) fail(context, "math uses undefined symbol '" + id + "'");
    return it->second;
  }

  // --- math -------------------------------------------------------------------
  enum class Context { dynamic, initial };

  std::string math(const ASTNode* node, Context context, const SBase* owner) {
    if (node == nullptr) fail(owner, "missing math");
    const auto n = node->getNumChildren();
    const auto arg = [&](unsigned k) { return math(node->getChild(k), context, owner); };
    const auto call = [&](const char* f) {
      std::string s = std::string(f) + "(";
      for (unsigned k = 0; k < n; ++k) s += (k ? ", " : "") + arg(k);
      return s + ")";
    };
    const auto fold = [&](const char* op, const char* empty) {
      if (n == 0) return std::string(empty);
      std::string s = "(" + arg(0);
      for (unsigned k = 1; k < n; ++k) s += std::string(" ") + op + " " + arg(k);
      return s + ")";
    };
    const auto nest = [&](const char* f) {  // n-ary min/max
      if (n == 0) fail(owner, std::string(f) + " without arguments");
      std::string s = arg(0);
      for (unsigned k = 1; k < n; ++k) s = std::string(f) + "(" + s + ", " + arg(k) + ")";
      return s;
    };
    const auto inverse = [&](const char* f) { return "(1 / " + std::string(f) + "(" + arg(0) + "))"; };
    const auto of_inverse = [&](const char* f) { return std::string(f) + "(1 / " + arg(0) + ")"; };
    const auto relation = [&](const char* op) {
      if (n < 2) return std::string("1");
      std::string s;
      for (unsigned k = 0; k + 1 < n; ++k) {
        const std::string a = arg(k), b = arg(k + 1);
        s += (k ? " && " : "") + std::string("(") + a + " " + op + " " + b + ")";
      }
      return "(" + s + ")";
    };
    switch (node->getType()) {
      case AST_INTEGER: return number_text(static_cast<double>(node->getInteger()));
      case AST_REAL:
      case AST_REAL_E:
      case AST_RATIONAL: return number_text(node->getReal());
      case AST_CONSTANT_E: return number_text(std::exp(1.0));
      case AST_CONSTANT_PI: return number_text(3.14159265358979323846);
      case AST_CONSTANT_TRUE: return "1";
      case AST_CONSTANT_FALSE: return "0";
      case AST_NAME_TIME: return context == Context::initial ? "0" : "t";
      case AST_NAME_AVOGADRO: return number_text(avogadro);
      case AST_NAME:
        if (!bindings_.empty())
          if (const auto it = bindings_.back().find(node->getName()); it != bindings_.back().end()) return it->second;
        return name_in(node->getName(), context, owner);
      case AST_PLUS: return fold("+", "0");
      case AST_TIMES: return fold("*", "1");
      case AST_MINUS:
        if (n == 1) return "(-" + arg(0) + ")";
        return fold("-", "0");
      case AST_DIVIDE: return fold("/", "1");
      case AST_POWER:
      case AST_FUNCTION_POWER: return "(" + arg(0) + " ^ " + arg(1) + ")";
      case AST_FUNCTION_ABS: return call("abs");
      case AST_FUNCTION_EXP: return call("exp");
      case AST_FUNCTION_LN: return call("log");
      case AST_FUNCTION_LOG:
        if (n == 1) return call("log10");
        return "log(" + arg(0) + ", " + arg(1) + ")";
      case AST_FUNCTION_ROOT:
        if (n == 1) return call("sqrt");
        return "root(" + arg(0) + ", " + arg(1) + ")";
      case AST_FUNCTION_FLOOR: return call("floor");
      case AST_FUNCTION_CEILING: return call("ceil");
      case AST_FUNCTION_FACTORIAL: return call("factorial");
      case AST_FUNCTION_SIN: return call("sin");
      case AST_FUNCTION_COS: return call("cos");
      case AST_FUNCTION_TAN: return call("tan");
      case AST_FUNCTION_SINH: return call("sinh");
      case AST_FUNCTION_COSH: return call("cosh");
      case AST_FUNCTION_TANH: return call("tanh");
      case AST_FUNCTION_SEC: return inverse("cos");
      case AST_FUNCTION_CSC: return inverse("sin");
      case AST_FUNCTION_COT: return inverse("tan");
      case AST_FUNCTION_SECH: return inverse("cosh");
      case AST_FUNCTION_CSCH: return inverse("sinh");
      case AST_FUNCTION_COTH: return inverse("tanh");
      case AST_FUNCTION_ARCSIN: return call("asin");
      case AST_FUNCTION_ARCCOS: return call("acos");
      case AST_FUNCTION_ARCTAN: return call("atan");
      case AST_FUNCTION_ARCSINH: return call("asinh");
      case AST_FUNCTION_ARCCOSH: return call("acosh");
      case AST_FUNCTION_ARCTANH: return call("atanh");
      case AST_FUNCTION_ARCSEC: return of_inverse("acos");
      case AST_FUNCTION_ARCCSC: return of_inverse("asin");
      case AST_FUNCTION_ARCCOT: return of_inverse("atan");
      case AST_FUNCTION_ARCSECH: return of_inverse("acosh");
      case AST_FUNCTION_ARCCSCH: return of_inverse("asinh");
      case AST_FUNCTION_ARCCOTH: return of_inverse("atanh");
      case AST_FUNCTION_MAX: return nest("max");
      case AST_FUNCTION_MIN: return nest("min");
      case AST_FUNCTION_REM: return call("rem");
      case AST_FUNCTION_QUOTIENT: return call("quotient");
      case AST_FUNCTION_PIECEWISE:
        if (n == 0) return "NaN";
        if (n == 1) return arg(0);
        return call("piecewise");
      case AST_LOGICAL_AND: return fold("&&", "1");
      case AST_LOGICAL_OR: return fold("||", "0");
      case AST_LOGICAL_NOT: return "(!" + arg(0) + ")";
      case AST_LOGICAL_XOR: {
        std::string s = "0";
        for (unsigned k = 0; k < n; ++k) s = "((" + s + " != 0) != (" + arg(k) + " != 0))";
        return s;
      }
      case AST_LOGICAL_IMPLIES: return "((!" + arg(0) + ") || " + arg(1) + ")";
      case AST_RELATIONAL_EQ: return relation("==");
      case AST_RELATIONAL_NEQ: return relation("!=");
      case AST_RELATIONAL_LT: return relation("<");
      case AST_RELATIONAL_LEQ: return relation("<=");
      case AST_RELATIONAL_GT: return relation(">");
      case AST_RELATIONAL_GEQ: return relation(">=");
      case AST_FUNCTION_DELAY: fail(owner, "delays (the delay csymbol) are not supported");
      case AST_FUNCTION_RATE_OF: fail(owner, "rateOf is not supported");
      case AST_FUNCTION: return inline_call(node, context, owner);
      default: break;
    }
    fail(owner, "unsupported MathML construct '" + std::string(node->getName() ? node->getName() : "?") + "'");
  }

  /// A call of a functionDefinition, inlined: the body with each argument
  /// (converted in the caller's scope) in place of its bvar.
  std::string inline_call(const ASTNode* node, Context context, const SBase* owner) {
    const std::string name = node->getName() ? node->getName() : "";
    const FunctionDefinition* fd = model_->getFunctionDefinition(name);
    if (fd == nullptr || fd->getBody() == nullptr) fail(owner, "call of undefined function '" + name + "'");
    if (fd->getNumArguments() != node->getNumChildren())
      fail(owner, "function '" + name + "' takes " + std::to_string(fd->getNumArguments()) + " arguments, got " +
                      std::to_string(node->getNumChildren()));
    if (bindings_.size() > 100) fail(fd, "function definitions call each other too deeply (recursion?)");
    std::map<std::string, std::string> scope;
    for (unsigned k = 0; k < fd->getNumArguments(); ++k)
      scope[fd->getArgument(k)->getName()] = "(" + math(node->getChild(k), context, owner) + ")";
    bindings_.push_back(std::move(scope));
    const std::string body = math(fd->getBody(), context, fd);
    bindings_.pop_back();
    return "(" + body + ")";
  }

  std::string name_in(const std::string& id, Context context, const SBase* owner) {
    const Symbol& s = symbol(id, owner);
    if (context == Context::dynamic) return s.name;
    return initial_text(id, owner);
  }

  /// The value of `id` at t0 as an expression of parameters and parameter-only assignments.
  std::string initial_text(const std::string& id, const SBase* owner) {
    const Symbol& s = symbol(id, owner);
    if (s.role == Role::parameter || s.role == Role::initial_assigned) return s.name;
    if (const auto it = initial_memo_.find(id); it != initial_memo_.end()) return it->second;
    if (!initial_in_progress_.insert(id).second)
      fail(s.element, "initial values depend on each other in a cycle (through '" + id + "')");
    std::string text;
    if (s.role == Role::assignment_rule) {
      text = "(" + math(s.rule_math, Context::initial, s.rule) + ")";
    } else if (s.role == Role::reaction) {
      const KineticLaw* law = static_cast<const Reaction*>(s.element)->getKineticLaw();
      text = law != nullptr && law->isSetMath() ? "(" + math(law->getMath(), Context::initial, law) + ")" : "0";
    } else if (s.initial_math != nullptr) {
      text = "(" + math(s.initial_math, Context::initial, s.element) + ")";
    } else if (s.is_species) {
      text = species_default_initial(s);
    } else {
      text = number_text(s.value);
    }
    initial_in_progress_.erase(id);
    return initial_memo_[id] = text;
  }

  /// initialAmount or initialConcentration, converted to the species' value in math.
  std::string species_default_initial(const Symbol& s) {
    const std::string value = number_text(s.value);
    if (std::isnan(s.value)) return value;
    if (s.value_is_amount == s.has_only_substance_units) return value;
    const std::string size = initial_text(s.compartment, s.element);
    return s.value_is_amount ? "(" + value + " / " + size + ")" : "(" + value + " * " + size + ")";
  }

  // --- ModelSpec --------------------------------------------------------------
  SourceLocation where_of(const SBase* e) const {
    return SourceLocation{file_, e != nullptr ? static_cast<int>(e->getLine()) : 0, 1};
  }

  Expression expression(const std::string& text, const SBase* e) const {
    Expression x;
    x.text = text;
    x.layout = text;
    x.where = where_of(e);
    return x;
  }

  /// d(species)/dt from the reactions: Σ stoichiometry · rate, times the
  /// conversion factor, per compartment size for concentration-valued species.
  std::string reaction_terms(const Symbol& s) {
    const auto* sp = static_cast<const Species*>(s.element);
    if (sp->getBoundaryCondition() || (sp->isSetConstant() && sp->getConstant())) return "0";
    std::string sum;
    for (unsigned i = 0; i < model_->getNumReactions(); ++i) {
      const Reaction* r = model_->getReaction(i);
      const std::string& rate = symbols_.at(r->getId()).name;
      const auto add_terms = [&](const ListOfSpeciesReferences* list, const char* sign) {
        for (unsigned k = 0; k < list->size(); ++k) {
          const auto* sr = static_cast<const SpeciesReference*>(list->get(k));
          if (sr->getSpecies() != s.id) continue;
          std::string stoichiometry;
          if (sr->isSetId()) {
            stoichiometry = symbols_.at(sr->getId()).name;
          } else {
            const double v = stoichiometry_value(sr);
            if (std::isnan(v)) fail(sr, "stoichiometry is not set");
            stoichiometry = number_text(v);
          }
          sum += std::string(" ") + sign + " " + stoichiometry + " * " + rate;
        }
      };
      add_terms(r->getListOfReactants(), "-");
      add_terms(r->getListOfProducts(), "+");
    }
    if (sum.empty()) return "0";
    std::string text = "(0" + sum + ")";
    std::string factor = sp->isSetConversionFactor() ? sp->getConversionFactor()
                         : model_->isSetConversionFactor() ? model_->getConversionFactor()
                                                           : std::string();
    if (!factor.empty()) text += " * " + symbol(factor, sp).name;
    if (!s.has_only_substance_units) text = "(" + text + ") / " + symbol(s.compartment, sp).name;
    return text;
  }

  ModelSpec build() {
    ModelSpec spec;
    spec.file = file_;
    spec.name = model_->isSetId() && !model_->getId().empty() ? model_->getId() : "sbml_model";
    spec.title = model_->isSetName() ? model_->getName() : spec.name;
    spec.time_unit = "s";
    spec.where = where_of(model_);

    for (const auto& id : order_) {
      Symbol& s = symbols_.at(id);
      switch (s.role) {
        case Role::parameter: {
          ParameterInfo p;
          p.name = s.name;
          p.value = s.value;
          p.unit = "1";
          p.where = where_of(s.element);
          spec.parameters.push_back(p);
          break;
        }
        case Role::initial_assigned:
          spec.assignments.push_back(
              {s.name, expression(math(s.initial_math, Context::initial, s.element), s.element), "", "", where_of(s.element)});
          break;
        case Role::assignment_rule:
          spec.assignments.push_back(
              {s.name, expression(math(s.rule_math, Context::dynamic, s.rule), s.rule), "", "", where_of(s.rule)});
          break;
        case Role::reaction: {
          const KineticLaw* law = static_cast<const Reaction*>(s.element)->getKineticLaw();
          const std::string rate = law != nullptr && law->isSetMath() ? math(law->getMath(), Context::dynamic, law) : "0";
          spec.assignments.push_back({s.name, expression(rate, s.element), "", "", where_of(s.element)});
          break;
        }
        case Role::state: {
          SpeciesSpec state;
          state.info.name = s.name;
          state.info.unit = "1";
          state.info.where = where_of(s.element);
          state.initial = expression(initial_text(id, s.element), s.element);
          spec.species.push_back(state);
          const std::string rhs = s.rule_math != nullptr ? math(s.rule_math, Context::dynamic, s.rule)
                                                         : s.is_species ? reaction_terms(s) : "0";
          spec.odes.push_back({s.name, expression(rhs, s.element), where_of(s.element)});
          break;
        }
      }
    }
    add_observables(spec);
    add_events(spec);
    return spec;
  }

  void add_events(ModelSpec& spec) {
    for (unsigned i = 0; i < model_->getNumEvents(); ++i) {
      const Event* e = model_->getEvent(i);
      const Trigger* trigger = e->getTrigger();
      if (trigger == nullptr || !trigger->isSetMath()) continue;  // L3V2: an event without a trigger never fires
      EventSpec ev;
      ev.id = e->isSetId() ? e->getId() : "event_" + std::to_string(i + 1);
      ev.where = where_of(e);
      ev.trigger = expression(math(trigger->getMath(), Context::dynamic, e), e);
      // L2 triggers have no attributes: initialValue true, persistent true.
      ev.initial_value = trigger->isSetInitialValue() ? trigger->getInitialValue() : true;
      ev.persistent = trigger->isSetPersistent() ? trigger->getPersistent() : true;
      ev.use_values_from_trigger_time = e->getUseValuesFromTriggerTime();
      for (unsigned k = 0; k < e->getNumEventAssignments(); ++k) {
        const EventAssignment* a = e->getEventAssignment(k);
        if (!a->isSetMath()) continue;
        ev.assignments.push_back({symbols_.at(a->getVariable()).name, expression(math(a->getMath(), Context::dynamic, e), a)});
      }
      spec.events.push_back(std::move(ev));
    }
  }

  void add_observables(ModelSpec& spec) {
    for (const auto& id : order_) {
      const Symbol& s = symbols_.at(id);
      std::string formula;
      if (s.is_species) {
        formula = s.name;
        const std::string& size = symbols_.at(s.compartment).name;
        if (options_.as_amount.count(id) && !s.has_only_substance_units) formula = s.name + " * " + size;
        if (options_.as_concentration.count(id) && s.has_only_substance_units) formula = s.name + " / " + size;
      } else if (options_.observe_everything || s.role == Role::state || s.role == Role::assignment_rule) {
        formula = s.name;
      } else {
        continue;
      }
      ObservableSpec o;
      o.info.name = id;
      o.info.unit = "1";
      o.info.where = where_of(s.element);
      o.formula = expression(formula, s.element);
      spec.observables.push_back(o);
    }
  }

  std::string file_;
  SbmlOptions options_;
  const Model* model_ = nullptr;
  std::map<std::string, Symbol> symbols_;
  std::vector<std::string> order_;
  std::set<std::string> taken_;
  std::map<std::string, std::string> initial_memo_;
  std::set<std::string> initial_in_progress_;
  std::vector<std::map<std::string, std::string>> bindings_;
};

}  // namespace

bool is_sbml_path(const std::string& path) {
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == "xml" || ext == "sbml";
}

ModelSpec read_sbml_model_spec(const std::string& path, const SbmlOptions& options) {
  // libSBML's extension registry and converters are not safe to use from
  // several threads at once; reading is a small part of a case's cost.
  static std::mutex libsbml_mutex;
  const std::lock_guard<std::mutex> lock(libsbml_mutex);
  return SbmlReader(path, options).read();
}

}  // namespace exvivo::model
