// The test oracle for JSON (tests/support/json_parser.hpp) must accept every valid number: a
// reader that rejects what the writer may legitimately produce would fail correct code.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "support/json_parser.hpp"

namespace {

double number(const std::string& text) {
  return json_test::parse(text).number;
}

// 1.2e-322 is a subnormal double; std::stod threw std::out_of_range for it.
TEST(JsonOracle, SubnormalNumbersAreRead) {
  EXPECT_EQ(number("1.2e-322"), 1.2e-322);
  EXPECT_EQ(number("-4.9e-324"), -std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(json_test::parse("[1.2e-322]").items.at(0).number, 1.2e-322);
}

// Below the smallest subnormal the nearest double is zero (with the number's sign).
TEST(JsonOracle, UnderflowReadsAsZero) {
  EXPECT_EQ(number("1e-400"), 0.0);
  EXPECT_TRUE(std::signbit(number("-1e-400")));
  EXPECT_EQ(number("0e999999"), 0.0);
}

TEST(JsonOracle, OverflowIsRejected) {
  for (const char* text : {"1e400", "-1e400", "1e999999"}) {
    try {
      json_test::parse(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos)
          << text << ": " << e.what();
    }
  }
  EXPECT_EQ(number("1.7976931348623157e308"), std::numeric_limits<double>::max());
}

}  // namespace
