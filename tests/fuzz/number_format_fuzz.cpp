// Fuzz target: numbers as text. The strict parser (nn/parse_number.hpp) on any text, and the
// shortest round-trip formatting (phantom/format.hpp) of any float or double bit pattern.
// Properties: a formatted number parses back to the same value (NaN to NaN); text the parser
// accepts, formatted again, parses back to the same value.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "fuzz_support.hpp"
#include "nn/parse_number.hpp"
#include "phantom/format.hpp"

namespace {

void check_double(double d) {
  const std::string s = phantom::double_string(d);
  std::string problem;
  const std::optional<double> back = phantom::parse_real(s, &problem);
  fuzz::check(back.has_value(),
              "double_string gives text parse_real reads: '" + s + "': " + problem);
  fuzz::check(
      std::isnan(d) ? std::isnan(*back) : *back == d && std::signbit(*back) == std::signbit(d),
      "double_string round trips: '" + s + "'");
}

void check_float(float f) {
  const std::string s = phantom::float_string(f);
  const std::optional<double> back = phantom::parse_real(s);
  fuzz::check(back.has_value(), "float_string gives text parse_real reads: '" + s + "'");
  const float g = static_cast<float>(*back);
  fuzz::check(std::isnan(f) ? std::isnan(g) : g == f && std::signbit(g) == std::signbit(f),
              "float_string round trips: '" + s + "'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= sizeof(double)) {
    double d;
    std::memcpy(&d, data, sizeof d);
    check_double(d);
  }
  if (size >= sizeof(float)) {
    float f;
    std::memcpy(&f, data, sizeof f);
    check_float(f);
  }
  const std::string text = fuzz::text(data, size);
  fuzz::must_succeed("the number parsers only return or throw phantom errors", [&] {
    if (const auto i = phantom::parse_integer(text)) {
      fuzz::check(phantom::parse_integer(std::to_string(*i)) == *i, "an integer round trips");
    }
    if (const auto d = phantom::parse_real(text)) check_double(*d);
  });
  fuzz::accept_or_error(
      [&] { return phantom::require_integer<phantom::FormatError>(text, "fuzz"); });
  fuzz::accept_or_error([&] { return phantom::require_real<phantom::FormatError>(text, "fuzz"); });
  fuzz::accept_or_error([&] { return phantom::require_float<phantom::FormatError>(text, "fuzz"); });
  return 0;
}
