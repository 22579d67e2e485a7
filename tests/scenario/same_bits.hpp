#pragma once
// Determinism tests compare results bit for bit: identical inputs must give
// identical numbers, whatever the chunking, so no tolerance applies.
#include <algorithm>
#include <cstring>

#include <Eigen/Core>

namespace exvivo::test {

inline bool same_bits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::equal(a.data(), a.data() + a.size(), b.data(),
                    [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; });
}

}  // namespace exvivo::test
