// Reading numbers from text: the one strict rule every reader of the library uses (CSV cells,
// configuration values, command-line options, environment variables).
//
// The C library's converters are lenient in ways that hide mistakes: strtol and stod skip leading
// spaces and accept a '+', atoi and stoll stop at the first character that is not a digit ("1e3"
// reads as 1, "5abc" as 5), atoi turns "abc" into 0, and stoll throws std::invalid_argument or
// std::out_of_range, which are not phantom errors. Here the whole text must be the number, with
// nothing before or after it:
//
//   integer  -?[0-9]+                                      no '+', no spaces, no "1e3", no "5.0"
//   real     -?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?    or  -?(inf|infinity|nan)
//            (the words in any letter case; no hexadecimal; no '+' before the number)
//
// An integer must also lie in the range the caller gives. A real that is too large for a double
// is out of range; one too small is read as the nearest double (a subnormal, or zero), which is
// what every writer of such a number meant. Numbers are read the same whatever the C locale.
//
// Callers get a reason they can put in their own error type (parse_integer / parse_real), or
// throw it at once with the place they read from (require_integer / require_real):
//
//   int64_t n = phantom::require_integer<phantom::FormatError>(cell,
//       "CSV 'metrics.csv': line 3, column 1 ('iteration')", 0, INT64_MAX);
//   // FormatError: "CSV 'metrics.csv': line 3, column 1 ('iteration'): '1e3' is not an integer"
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace phantom {

/// `text` as an integer in [min, max] (the syntax at the top of this file), or nothing. Then
/// `*problem` (if given) says why, e.g. "'+5' is not an integer" or "'300' is out of range
/// (expected an integer from 1 to 256)".
std::optional<int64_t> parse_integer(std::string_view text,
                                     int64_t min = std::numeric_limits<int64_t>::min(),
                                     int64_t max = std::numeric_limits<int64_t>::max(),
                                     std::string* problem = nullptr);

/// `text` as a double (the syntax at the top of this file), or nothing; `*problem` (if given)
/// then says why, e.g. "'0x10' is not a number" or "'1e999' is out of range (beyond a double)".
std::optional<double> parse_real(std::string_view text, std::string* problem = nullptr);

/// parse_integer, throwing E("<where>: <problem>") on failure. `where` names what was read: a
/// file with line and column, or an option or field name.
template <class E>
int64_t require_integer(std::string_view text, const std::string& where,
                        int64_t min = std::numeric_limits<int64_t>::min(),
                        int64_t max = std::numeric_limits<int64_t>::max()) {
  std::string problem;
  const std::optional<int64_t> value = parse_integer(text, min, max, &problem);
  if (!value) throw E(where + ": " + problem);
  return *value;
}

/// parse_real, throwing E("<where>: <problem>") on failure.
template <class E>
double require_real(std::string_view text, const std::string& where) {
  std::string problem;
  const std::optional<double> value = parse_real(text, &problem);
  if (!value) throw E(where + ": " + problem);
  return *value;
}

/// require_real for a value stored as a float: also throws E unless the number is finite and
/// within a float's range (converting a larger double to float is undefined behaviour).
template <class E>
float require_float(std::string_view text, const std::string& where) {
  const double value = require_real<E>(text, where);
  if (!(value >= -std::numeric_limits<float>::max() &&
        value <= std::numeric_limits<float>::max())) {
    throw E(where + ": '" + std::string(text) + "' is not a finite number within a float's range");
  }
  return static_cast<float>(value);
}

}  // namespace phantom
