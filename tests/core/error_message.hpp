#pragma once
// The message of an input error, for the tests that compare messages exactly
// (every check_* and reader error has one; STYLE.md §6).
#include <string>
#include <utility>

#include "core/error.hpp"

namespace exvivo::test {

/// What the error of type E (an exvivo::Error subclass; any by default) that
/// f() throws says, or "no error" when f() returns. Other exceptions propagate.
template <class E = Error, class F>
std::string message_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const E& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace exvivo::test
