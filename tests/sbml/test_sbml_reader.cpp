// SBML import: mapping of SBML semantics onto ModelSpec, refusals.
#include <catch2/catch.hpp>

TEST_CASE("placeholder", "[sbml]") {}
