#pragma once
// Names in input files and the "did you mean" suggestion for a misspelt one:
// the one suggestion function of the engine, used for keys, parameters,
// species, observables, arms, donors, scales and enumerated options alike.
#include <string>
#include <string_view>
#include <vector>

namespace exvivo {

/// The candidate closest to `name`, or "" when none is close enough to be a
/// plausible typo (at most a third of the name's characters wrong: 1 to 3
/// edits of insertion, deletion, substitution or swap of neighbours). The
/// distance ignores case; of equally close candidates the one closer with
/// case counted wins ('kk' suggests 'k' rather than 'K'), then the first.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace exvivo
