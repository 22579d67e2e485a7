#pragma once
// Parameter scales moved to core/scale.hpp (every layer reads and applies
// them); this header only keeps the old include working.
#include "core/scale.hpp"
#include "model/compiled_model.hpp"

namespace exvivo::fit {
using model::Scale;
}  // namespace exvivo::fit
