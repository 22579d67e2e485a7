#include "model/suggest_name.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace exvivo::model {
namespace {
std::size_t case_sensitive_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string suggest_name(std::string_view name, std::vector<std::string> candidates) {
  // closest_match keeps the first of equally close candidates.
  std::stable_sort(candidates.begin(), candidates.end(), [&](const std::string& a, const std::string& b) {
    return case_sensitive_distance(name, a) < case_sensitive_distance(name, b);
  });
  return closest_match(name, candidates);
}

}  // namespace exvivo::model
