#pragma once
// "Did you mean" for names of model entities.
#include <string>
#include <string_view>
#include <vector>

namespace exvivo::model {

/// closest_match (case-insensitive), with ties broken by the case-sensitive
/// distance, so that 'kk' suggests 'k' rather than 'K' when both exist.
std::string suggest_name(std::string_view name, std::vector<std::string> candidates);

}  // namespace exvivo::model
