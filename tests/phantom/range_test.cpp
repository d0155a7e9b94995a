// Tests of phantom ranges: values against numpy's arange/linspace (float64 results, rounded to
// float), sizes, the count correction at the end of an arange, the unit-array variants, names,
// to_string, identity, and every ConfigError with its message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "phantom/range.hpp"

namespace {

using phantom::ConfigError;
using phantom::Range;
using phantom::ValueError;

// The message of the exception of type E thrown by f (a test failure if none is thrown).
template <class E, class F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception thrown";
  return "";
}

// numpy's float64 output, rounded to float as the Range delivers it.
std::vector<float> as_floats(const std::vector<double>& numpy_values) {
  return std::vector<float>(numpy_values.begin(), numpy_values.end());
}

void expect_values(const Range& r, const std::vector<double>& numpy_values) {
  std::vector<float> expected = as_floats(numpy_values);
  EXPECT_EQ(r.size(), expected.size()) << r.to_string();
  EXPECT_EQ(r.values(), expected) << r.to_string();
  for (std::size_t i = 0; i < expected.size() && i < r.size(); ++i) {
    EXPECT_EQ(r.value(i), expected[i]) << r.to_string() << " value " << i;
  }
}

// ---------------------------------------------------------------------------------------------
// UniformRange (numpy.arange)

TEST(RangeUniform, MatchesNumpyArange) {
  // np.arange(0, 1, 0.1)
  expect_values(phantom::UniformRange(0.0, 1.0, 0.1),
                {0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001,
                 0.7000000000000001, 0.8, 0.9});
  expect_values(phantom::UniformRange(1.0, 2.0, 0.5), {1.0, 1.5});
  expect_values(phantom::UniformRange(0.0, 10.0, 3.0), {0.0, 3.0, 6.0, 9.0});
  expect_values(phantom::UniformRange(5.0, 0.0, -2.0), {5.0, 3.0, 1.0});
  expect_values(phantom::UniformRange(-1.0, 1.0, 0.25),
                {-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75});
  // np.arange(0, 0.3, 0.1): (0.3 - 0) / 0.1 = 2.9999999999999996, so 3 values.
  expect_values(phantom::UniformRange(0.0, 0.3, 0.1), {0.0, 0.1, 0.2});
  // The Python test: UniformRange(0, 10, 1) is 0..9; the step defaults to 1.
  expect_values(phantom::UniformRange(0.0, 10.0), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST(RangeUniform, EndIsNeverIncluded) {
  // numpy.arange(1, 1.3, 0.1) has 4 values, the last 1.3000000000000003, past the end: the
  // count ceil(3.0000000000000004) is rounded up. Here the count is checked against the values
  // themselves (1 + 3 * 0.1 is 1.3 == end), so every value is strictly below end.
  phantom::UniformRange r(1.0, 1.3, 0.1);
  expect_values(r, {1.0, 1.1, 1.2});
  // Integer spans where end lands exactly on the grid.
  EXPECT_EQ(phantom::UniformRange(0.0, 9.0, 3.0).size(), 3u);
  EXPECT_EQ(phantom::UniformRange(9.0, 0.0, -3.0).size(), 3u);
  EXPECT_EQ(phantom::UniformRange(0.0, 1.0, 0.5).size(), 2u);
}

TEST(RangeUniform, ValuesAreStartPlusIndexTimesStep) {
  // Each value is start + i * step in double (never a running sum).
  phantom::UniformRange r(-3.0, 97.0, 0.1);
  ASSERT_EQ(r.size(), 1000u);
  for (std::size_t i = 0; i < r.size(); ++i) {
    ASSERT_EQ(r.value(i), static_cast<float>(-3.0 + static_cast<double>(i) * 0.1)) << i;
  }
  phantom::UniformRange down(1.0, 0.0, -0.1);  // counts down, values > end
  ASSERT_EQ(down.size(), 10u);
  for (std::size_t i = 0; i < down.size(); ++i) {
    EXPECT_EQ(down.value(i), static_cast<float>(1.0 + static_cast<double>(i) * -0.1)) << i;
    EXPECT_GT(down.value(i), 0.0f);
  }
}

TEST(RangeUniform, WrongDirectionIsEmpty) {
  // Like numpy: a start on the wrong side of end gives no values.
  EXPECT_EQ(phantom::UniformRange(1.0, 0.0, 1.0).size(), 0u);
  EXPECT_EQ(phantom::UniformRange(0.0, 1.0, -1.0).size(), 0u);
  EXPECT_EQ(phantom::UniformRange(2.0, 2.0, 1.0).size(), 0u);
  EXPECT_TRUE(phantom::UniformRange(1.0, 0.0).values().empty());
}

TEST(RangeUniform, Accessors) {
  phantom::UniformRange r(0.5, 2.0, 0.25, "price");
  EXPECT_EQ(r.start(), 0.5);
  EXPECT_EQ(r.end(), 2.0);
  EXPECT_EQ(r.step(), 0.25);
  EXPECT_EQ(r.name(), "price");
  EXPECT_FALSE(r.unit_array());
  EXPECT_EQ(r.size(), 6u);
}

// ---------------------------------------------------------------------------------------------
// LinspaceRange (numpy.linspace)

TEST(RangeLinspace, MatchesNumpyLinspace) {
  expect_values(phantom::LinspaceRange(0.0, 1.0, 5), {0.0, 0.25, 0.5, 0.75, 1.0});
  // The Python test: LinspaceRange(0, 10, 11) is 0..10.
  expect_values(phantom::LinspaceRange(0.0, 10.0, 11), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  // np.linspace(0, 1, 7)
  expect_values(phantom::LinspaceRange(0.0, 1.0, 7),
                {0.0, 0.16666666666666666, 0.3333333333333333, 0.5, 0.6666666666666666,
                 0.8333333333333333, 1.0});
  // np.linspace(0, 0.3, 7): the last value is exactly end, not 6 * 0.05.
  expect_values(phantom::LinspaceRange(0.0, 0.3, 7),
                {0.0, 0.049999999999999996, 0.09999999999999999, 0.15, 0.19999999999999998,
                 0.24999999999999997, 0.3});
  expect_values(phantom::LinspaceRange(1.0, 0.0, 3), {1.0, 0.5, 0.0});
  expect_values(phantom::LinspaceRange(2.0, 2.0, 3), {2.0, 2.0, 2.0});
}

TEST(RangeLinspace, SingleValueIsStart) {
  expect_values(phantom::LinspaceRange(3.5, 10.0, 1), {3.5});
}

TEST(RangeLinspace, LastValueIsExactlyEnd) {
  for (int64_t n : {2, 3, 10, 49, 1000}) {
    phantom::LinspaceRange r(-0.7, 0.3, n);
    ASSERT_EQ(r.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(r.value(0), -0.7f);
    EXPECT_EQ(r.value(r.size() - 1), 0.3f) << n;
  }
}

TEST(RangeLinspace, Accessors) {
  phantom::LinspaceRange r(0.0, 1.0, 3, "r");
  EXPECT_EQ(r.start(), 0.0);
  EXPECT_EQ(r.end(), 1.0);
  EXPECT_EQ(r.name(), "r");
  EXPECT_FALSE(r.unit_array());
}

// ---------------------------------------------------------------------------------------------
// Unit-array variants

// test_unit_array_uniform_range: the values 0..9, each delivered as a shape-(1,) array.
TEST(RangeUnitArray, UniformRange) {
  phantom::UnitArrayUniformRange u(0.0, 10.0);
  EXPECT_TRUE(u.unit_array());
  expect_values(u, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(u.values(), phantom::UniformRange(0.0, 10.0).values());
  EXPECT_EQ(u.kind(), std::string("UnitArrayUniformRange"));
  // It is a UniformRange with the flag set.
  const phantom::UniformRange& as_uniform = u;
  EXPECT_EQ(as_uniform.step(), 1.0);
}

// test_unit_array_linspace_range: the values 0..10, each delivered as a shape-(1,) array.
TEST(RangeUnitArray, LinspaceRange) {
  phantom::UnitArrayLinspaceRange l(0.0, 10.0, 11);
  EXPECT_TRUE(l.unit_array());
  expect_values(l, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_EQ(l.values(), phantom::LinspaceRange(0.0, 10.0, 11).values());
  EXPECT_EQ(l.kind(), std::string("UnitArrayLinspaceRange"));
}

// ---------------------------------------------------------------------------------------------
// Names, to_string, indexing, identity

TEST(RangeCommon, ToStringLikePythonRepr) {
  EXPECT_EQ(phantom::UniformRange(0.0, 1.0, 0.5, "price").to_string(),
            "<UniformRange name='price'>");
  EXPECT_EQ(phantom::UniformRange(0.0, 1.0).to_string(), "<UniformRange>");
  EXPECT_EQ(phantom::LinspaceRange(0.0, 1.0, 3).to_string(), "<LinspaceRange>");
  EXPECT_EQ(phantom::LinspaceRange(0.0, 1.0, 3, "r").to_string(), "<LinspaceRange name='r'>");
  EXPECT_EQ(phantom::UnitArrayUniformRange(0.0, 1.0, 0.5, "x").to_string(),
            "<UnitArrayUniformRange name='x'>");
  EXPECT_EQ(phantom::UnitArrayLinspaceRange(0.0, 1.0, 2).to_string(), "<UnitArrayLinspaceRange>");
  EXPECT_EQ(phantom::UniformRange(0.0, 1.0).name(), "");
}

TEST(RangeCommon, IndexOutOfRange) {
  phantom::UniformRange r(0.0, 3.0, 1.0, "n");
  EXPECT_EQ(r.value(2), 2.0f);
  EXPECT_EQ(error_message<ValueError>([&] { r.value(3); }),
            "UniformRange 'n': index 3 is out of range for 3 values");
  phantom::LinspaceRange l(0.0, 1.0, 2);
  EXPECT_EQ(error_message<ValueError>([&] { l.value(7); }),
            "LinspaceRange: index 7 is out of range for 2 values");
}

TEST(RangeCommon, FactoriesAndIdentity) {
  std::shared_ptr<const phantom::UniformRange> a = phantom::uniform_range(0.0, 1.0, 0.5, "a");
  std::shared_ptr<const phantom::LinspaceRange> b = phantom::linspace_range(0.0, 1.0, 5, "b");
  std::shared_ptr<const phantom::UnitArrayUniformRange> c =
      phantom::unit_array_uniform_range(0.0, 3.0);
  std::shared_ptr<const phantom::UnitArrayLinspaceRange> d =
      phantom::unit_array_linspace_range(0.0, 1.0, 3, "d");
  EXPECT_EQ(a->values(), (std::vector<float>{0.0f, 0.5f}));
  EXPECT_EQ(b->size(), 5u);
  EXPECT_EQ(c->size(), 3u);
  EXPECT_TRUE(c->unit_array());
  EXPECT_EQ(d->name(), "d");
  EXPECT_TRUE(d->unit_array());

  // Identity is the pointer: equal parameters still make two axes; one Range shared is one.
  auto a2 = phantom::uniform_range(0.0, 1.0, 0.5, "a");
  std::shared_ptr<const Range> a_again = a;
  std::set<std::shared_ptr<const Range>> axes = {a, b, c, d, a2, a_again};
  EXPECT_EQ(axes.size(), 5u);
}

// ---------------------------------------------------------------------------------------------
// Configuration errors

TEST(RangeConfig, UniformStep) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(error_message<ConfigError>([] { phantom::UniformRange(0.0, 1.0, 0.0); }),
            "UniformRange: step = 0, expected a finite non-zero number");
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UniformRange(0.0, 1.0, nan, "p"); }),
            "UniformRange 'p': step = nan, expected a finite non-zero number");
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UnitArrayUniformRange(0.0, 1.0, -inf); }),
            "UnitArrayUniformRange: step = -inf, expected a finite non-zero number");
  EXPECT_THROW(phantom::uniform_range(0.0, 1.0, 0.0), ConfigError);
}

TEST(RangeConfig, Bounds) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UniformRange(inf, 1.0); }),
            "UniformRange: start = inf, expected a finite number within the float range");
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UniformRange(0.0, nan, 1.0, "q"); }),
            "UniformRange 'q': end = nan, expected a finite number within the float range");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::LinspaceRange(0.0, 1e39, 3); }),
            "LinspaceRange: end = 1e+39, expected a finite number within the "
            "float range");
  EXPECT_EQ(error_message<ConfigError>([&] { phantom::UnitArrayLinspaceRange(-inf, 0.0, 2); }),
            "UnitArrayLinspaceRange: start = -inf, expected a finite number within the float "
            "range");
}

TEST(RangeConfig, TooManyValues) {
  EXPECT_EQ(error_message<ConfigError>([] { phantom::UniformRange(0.0, 1.0, 1e-300); }),
            "UniformRange: (end - start) / step = 9.999999999999999e+299, more than the "
            "10000000 values a Range may hold");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::LinspaceRange(0.0, 1.0, INT64_MAX); }),
            "LinspaceRange: n = 9223372036854775807, more than the 10000000 values a Range may "
            "hold");
  // The limit itself is allowed, one more is not (for arange, also when the division's rounding
  // alone would add the extra value).
  EXPECT_EQ(phantom::LinspaceRange(0.0, 1.0, phantom::kMaxRangeValues).size(), 10000000u);
  EXPECT_THROW(phantom::LinspaceRange(0.0, 1.0, phantom::kMaxRangeValues + 1), ConfigError);
  EXPECT_EQ(phantom::UniformRange(0.0, 1e7, 1.0).size(), 10000000u);
  EXPECT_THROW(phantom::UniformRange(0.0, 1e7 + 1.0, 1.0), ConfigError);
  EXPECT_THROW(phantom::UniformRange(-1.0, 1e7, 1.0), ConfigError);
}

// Reproducer: arange(1e30, 1.00000000000000015e30, 1) looped about 7e13 times to find its count,
// because start + i * 1 rounds back to start for every i (doubles near 1e30 are 1.4e14 apart).
// The count is now computed, and a range whose values cannot advance is a ConfigError at once.
TEST(RangeConfig, ValuesThatCannotBeRepresentedAreAnError) {
  EXPECT_THROW(phantom::UniformRange(1e30, 1.00000000000000015e30, 1.0), ConfigError);
  // Few enough values, but the step is below the spacing of doubles there.
  const std::string m = error_message<ConfigError>(
      [] { phantom::UniformRange(1e30, 1.0000000000000003e30, 1e8, "big"); });
  EXPECT_EQ(m.rfind("UniformRange 'big': step = 1e+08 is too small to advance from 1e+30 to ", 0),
            0u)
      << m;
  EXPECT_NE(m.find("its values cannot be represented"), std::string::npos) << m;
  EXPECT_THROW(phantom::UniformRange(-1e30, -1.0000000000000003e30, -1e8), ConfigError);
  // A step of a few units in the last place does advance, and the values are distinct doubles.
  const double start = 1e30, ulp = std::nextafter(start, 2e30) - start;
  const phantom::UniformRange ok(start, start + 40 * ulp, 5 * ulp);
  EXPECT_EQ(ok.size(), 8u);
  // One value (or none) needs no step to advance.
  EXPECT_EQ(phantom::UniformRange(1e30, 1.00000000000000015e30, 1e30).size(), 1u);
  EXPECT_EQ(phantom::UniformRange(1e30, 1e30, 1.0).size(), 0u);
  EXPECT_EQ(phantom::UniformRange(2.0, 1.0, 1e-300).size(), 0u);
}

TEST(RangeConfig, LinspaceCount) {
  EXPECT_EQ(error_message<ConfigError>([] { phantom::LinspaceRange(0.0, 1.0, 0); }),
            "LinspaceRange: n = 0, expected at least 1 value");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::LinspaceRange(0.0, 1.0, -3, "z"); }),
            "LinspaceRange 'z': n = -3, expected at least 1 value");
  EXPECT_EQ(error_message<ConfigError>([] { phantom::UnitArrayLinspaceRange(0.0, 1.0, 0); }),
            "UnitArrayLinspaceRange: n = 0, expected at least 1 value");
  EXPECT_THROW(phantom::linspace_range(0.0, 1.0, 0), ConfigError);
}

}  // namespace
