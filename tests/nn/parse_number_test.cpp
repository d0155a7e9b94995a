// The library's one rule for numbers in text (nn/parse_number.hpp): the whole text is the
// number, integers lie in the caller's range, and failures say why.
#include "nn/parse_number.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "nn/error.hpp"

namespace {

using phantom::parse_integer;
using phantom::parse_real;

std::string integer_problem(const std::string& text, int64_t min = INT64_MIN,
                            int64_t max = INT64_MAX) {
  std::string problem;
  EXPECT_FALSE(parse_integer(text, min, max, &problem).has_value()) << "'" << text << "' accepted";
  return problem;
}

std::string real_problem(const std::string& text) {
  std::string problem;
  EXPECT_FALSE(parse_real(text, &problem).has_value()) << "'" << text << "' accepted";
  return problem;
}

TEST(ParseInteger, WholeTextOnly) {
  EXPECT_EQ(parse_integer("5"), 5);
  EXPECT_EQ(parse_integer("-3"), -3);
  EXPECT_EQ(parse_integer("007"), 7);
  EXPECT_EQ(parse_integer("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_integer("-9223372036854775808"), INT64_MIN);
  // What strtol, stoll and atoi let through, or read as something else.
  for (const char* bad : {" 5", "5 ", "+5", "1e3", "5.0", "5abc", "0x10", "-", "--5", "\t5", ""}) {
    EXPECT_FALSE(parse_integer(bad).has_value()) << "'" << bad << "'";
  }
  EXPECT_EQ(integer_problem("1e3"), "'1e3' is not an integer");
  EXPECT_EQ(integer_problem(""), "'' is empty, not an integer");
  EXPECT_EQ(integer_problem(std::string("4\0x", 3)), "'4\\x00x' is not an integer");
}

TEST(ParseInteger, Range) {
  EXPECT_EQ(integer_problem("9223372036854775808"),
            "'9223372036854775808' is out of range (beyond a 64-bit integer)");
  EXPECT_EQ(integer_problem("0", 1, 64), "'0' is out of range (expected an integer from 1 to 64)");
  EXPECT_EQ(parse_integer("64", 1, 64), 64);
}

TEST(ParseReal, Syntax) {
  EXPECT_EQ(parse_real("0.5"), 0.5);
  EXPECT_EQ(parse_real("-1e3"), -1000.0);
  EXPECT_EQ(parse_real("1E+30"), 1e30);
  EXPECT_EQ(parse_real(".5"), 0.5);
  EXPECT_EQ(parse_real("5."), 5.0);
  EXPECT_EQ(parse_real("inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_real("-Infinity"), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*parse_real("NaN")));
  for (const char* bad : {" 5", "5 ", "+5", "0x10", "1e", "1e+", ".", "-", "e5", "1.2.3", "nan(1)",
                          "infinit", "5abc", ""}) {
    EXPECT_FALSE(parse_real(bad).has_value()) << "'" << bad << "'";
  }
  EXPECT_EQ(real_problem("0x10"), "'0x10' is not a number");
}

// Too small for a double reads as the nearest one (a subnormal or zero); too large is an error.
TEST(ParseReal, UnderflowAndOverflow) {
  EXPECT_EQ(parse_real("1.2e-322"), 1.2e-322);
  EXPECT_EQ(parse_real("1e-400"), 0.0);
  EXPECT_TRUE(std::signbit(*parse_real("-1e-400")));
  EXPECT_EQ(parse_real("0.000001e-400"), 0.0);
  EXPECT_EQ(parse_real("0e99999999999"), 0.0);
  EXPECT_EQ(real_problem("1e400"), "'1e400' is out of range (beyond a double)");
  EXPECT_EQ(real_problem("-123456e99999999999"),
            "'-123456e99999999999' is out of range (beyond a double)");
  EXPECT_EQ(real_problem("0.0001e313"), "'0.0001e313' is out of range (beyond a double)");
  EXPECT_EQ(parse_real("0.0001e311"), 1e307);
}

TEST(ParseNumber, RequireNamesThePlace) {
  try {
    phantom::require_integer<phantom::FormatError>("x", "CSV 'm.csv': line 2, column 'iteration'");
    FAIL() << "no error";
  } catch (const phantom::FormatError& e) {
    EXPECT_STREQ(e.what(), "CSV 'm.csv': line 2, column 'iteration': 'x' is not an integer");
  }
  EXPECT_THROW(phantom::require_real<phantom::ConfigError>("1e999", "option --lr"),
               phantom::ConfigError);
  EXPECT_EQ(phantom::require_float<phantom::ConfigError>("0.25", "option --lr"), 0.25f);
  EXPECT_THROW(phantom::require_float<phantom::ConfigError>("1e39", "option --lr"),
               phantom::ConfigError);
  EXPECT_THROW(phantom::require_float<phantom::ConfigError>("nan", "option --lr"),
               phantom::ConfigError);
}

}  // namespace
