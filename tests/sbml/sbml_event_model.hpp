#pragma once
// SBML test models with events, written to the system temp dir: x' given by
// one rate rule, the listed parameters, and the events' XML (event() and
// assign() build it). Shared by test_sbml_events.cpp and
// test_event_sensitivities.cpp.
#include <filesystem>
#include <fstream>
#include <string>

#include "model/compiled_model.hpp"
#include "model/model_compiler.hpp"
#include "model/model_events.hpp"
#include "model/sbml_reader.hpp"

namespace exvivo::test {

inline std::string math(const std::string& inner) {
  return R"(<math xmlns="http://www.w3.org/1998/Math/MathML">)" + inner + "</math>";
}

inline std::string event(const std::string& id, const std::string& trigger, const std::string& assignments,
                         bool initial_value = true) {
  return R"(<event id=")" + id + R"(" useValuesFromTriggerTime="true"><trigger initialValue=")" +
         (initial_value ? "true" : "false") + R"(" persistent="true">)" + math(trigger) +
         "</trigger><listOfEventAssignments>" + assignments + "</listOfEventAssignments></event>";
}

inline std::string assign(const std::string& variable, const std::string& value) {
  return R"(<eventAssignment variable=")" + variable + R"(">)" + math(value) + "</eventAssignment>";
}

/// A `<parameter>` element (a rate rule's variable must not be constant).
inline std::string parameter(const std::string& id, double value, bool constant) {
  return R"(<parameter id=")" + id + R"(" value=")" + std::to_string(value) + R"(" constant=")" +
         (constant ? "true" : "false") + R"("/>)";
}

/// The compiled model and events of an SBML model with one rate rule for
/// `variable` (MathML inner text `rate`).
struct EventModel {
  model::ModelSpec spec;
  model::CompiledModel model;
  model::CompiledEvents events;

  EventModel(const std::string& name, const std::string& parameters, const std::string& variable,
             const std::string& rate, const std::string& events_xml)
      : spec(read(name, parameters, variable, rate, events_xml)), model(model::compile(spec)), events(spec) {}

 private:
  static model::ModelSpec read(const std::string& name, const std::string& parameters, const std::string& variable,
                               const std::string& rate, const std::string& events_xml) {
    const auto path = std::filesystem::temp_directory_path() / ("exvivo_test_" + name + ".xml");
    std::ofstream(path) << R"(<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id=")" << name << R"(">
    <listOfParameters>)" << parameters
                        << R"(</listOfParameters>
    <listOfRules><rateRule variable=")"
                        << variable << R"(">)" << math(rate) << R"(</rateRule></listOfRules>
    <listOfEvents>)" << events_xml
                        << R"(</listOfEvents>
  </model>
</sbml>
)";
    model::SbmlOptions options;
    options.allow_events = true;
    return model::read_sbml_model_spec(path.string(), options);
  }
};

}  // namespace exvivo::test
