// copy_values and copy_values_finite: every row length, short (the unrolled cases) and long (the
// loop), copies exactly n values and leaves the rest alone; a NaN or infinity anywhere in the
// row is reported, wherever it sits.
#include "trainers/sampling/copy_values.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

constexpr float kUntouched = -7.0f;

std::vector<float> row_of(int64_t n) {
  std::vector<float> row;
  for (int64_t k = 0; k < n; ++k) row.push_back(0.5f + static_cast<float>(k));
  return row;
}

TEST(CopyValues, CopiesExactlyNValuesForEveryLength) {
  for (int64_t n = 0; n <= 11; ++n) {
    const std::vector<float> from = row_of(n);
    std::vector<float> to(static_cast<std::size_t>(n) + 2, kUntouched);
    phantom::copy_values(from.data(), n, to.data());
    for (int64_t k = 0; k < n; ++k)
      EXPECT_EQ(to[static_cast<std::size_t>(k)], from[static_cast<std::size_t>(k)])
          << "n = " << n << ", k = " << k;
    EXPECT_EQ(to[static_cast<std::size_t>(n)], kUntouched) << "n = " << n << ": wrote past the row";
    EXPECT_EQ(to[static_cast<std::size_t>(n) + 1], kUntouched) << "n = " << n;
  }
}

TEST(CopyValues, FiniteRowsAreCopiedAndReportedFinite) {
  for (int64_t n = 0; n <= 11; ++n) {
    const std::vector<float> from = row_of(n);
    std::vector<float> to(static_cast<std::size_t>(n) + 1, kUntouched);
    EXPECT_TRUE(phantom::copy_values_finite(from.data(), n, to.data())) << "n = " << n;
    for (int64_t k = 0; k < n; ++k)
      EXPECT_EQ(to[static_cast<std::size_t>(k)], from[static_cast<std::size_t>(k)])
          << "n = " << n << ", k = " << k;
    EXPECT_EQ(to[static_cast<std::size_t>(n)], kUntouched) << "n = " << n << ": wrote past the row";
  }
}

TEST(CopyValues, ANonFiniteValueAnywhereIsReportedAndStillCopied) {
  const float bad[] = {std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity()};
  for (int64_t n = 1; n <= 11; ++n) {
    for (int64_t at = 0; at < n; ++at) {
      for (float value : bad) {
        std::vector<float> from = row_of(n);
        from[static_cast<std::size_t>(at)] = value;
        std::vector<float> to(static_cast<std::size_t>(n), kUntouched);
        EXPECT_FALSE(phantom::copy_values_finite(from.data(), n, to.data()))
            << "n = " << n << ", " << value << " at " << at;
        const float copied = to[static_cast<std::size_t>(at)];
        EXPECT_TRUE(std::isnan(value) ? std::isnan(copied) : copied == value) << "n = " << n;
      }
    }
  }
  // The largest finite float has all exponent bits but one set: finite.
  std::vector<float> big(5, std::numeric_limits<float>::max()), to(5);
  EXPECT_TRUE(phantom::copy_values_finite(big.data(), 5, to.data()));
  EXPECT_TRUE(phantom::copy_values_finite(big.data(), 3, to.data()));
}

}  // namespace
