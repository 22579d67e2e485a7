#include "core/names.hpp"

#include <algorithm>
#include <cctype>

namespace exvivo {

namespace {
/// Optimal string alignment distance: insertions, deletions, substitutions and
/// transpositions of neighbouring characters each cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b, bool ignore_case) {
  auto fold = [ignore_case](char c) {
    return ignore_case ? std::tolower(static_cast<unsigned char>(c)) : static_cast<unsigned char>(c);
  };
  const std::size_t n = b.size();
  std::vector<std::size_t> two_back(n + 1), prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) && fold(a[i - 2]) == fold(b[j - 1]))
        cur[j] = std::min(cur[j], two_back[j - 2] + 1);
    }
    std::swap(two_back, prev);
    std::swap(prev, cur);
  }
  return prev[n];
}
}  // namespace

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_d = std::string::npos, best_exact = std::string::npos;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(name, c, true);
    if (d > best_d) continue;
    const std::size_t exact = edit_distance(name, c, false);
    if (d < best_d || exact < best_exact) {
      best_d = d;
      best_exact = exact;
      best = &c;
    }
  }
  const std::size_t limit = std::clamp<std::size_t>(name.size() / 3, 1, 3);
  return best != nullptr && best_d <= limit ? *best : std::string();
}

}  // namespace exvivo
