// The strict number syntax: a hand-written check of the whole text first, then std::from_chars
// (locale-independent) for the value itself.
#include "nn/parse_number.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace phantom {

namespace {

// Messages quote at most this many characters of the text.
constexpr std::size_t kMaxQuoted = 40;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// 'text' for a message: bytes that are not printable ASCII as \xNN (a NUL or a line break in a
// cell must show), cut after kMaxQuoted characters.
std::string quoted(std::string_view text) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMaxQuoted; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  if (text.size() > kMaxQuoted) out += "...";
  return out + "'";
}

void set_problem(std::string* problem, std::string_view text, const std::string& what) {
  if (problem != nullptr) *problem = (text.empty() ? std::string("''") : quoted(text)) + what;
}

bool equals_ignoring_case(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != lower[i]) return false;
  }
  return true;
}

// What the syntax check of a decimal real learns on the way: whether it is one, and the decimal
// order of magnitude of its first non-zero digit (0 for 1..9.99, -1 for 0.1..0.99...), which
// tells an overflow from an underflow when from_chars reports a value out of range.
struct DecimalShape {
  bool valid = false;
  bool all_zero = true;
  long long order = 0;
};

DecimalShape decimal_shape(std::string_view s) {
  DecimalShape shape;
  std::size_t i = 0;
  std::size_t int_digits = 0, frac_digits = 0;
  long long first_nonzero = 0;  // order of the first non-zero digit, before the exponent
  while (i < s.size() && is_digit(s[i])) {
    if (s[i] != '0' && shape.all_zero) {
      shape.all_zero = false;
      first_nonzero = static_cast<long long>(i);  // corrected below by int_digits
    }
    ++int_digits;
    ++i;
  }
  if (!shape.all_zero) first_nonzero = static_cast<long long>(int_digits) - 1 - first_nonzero;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) {
      ++frac_digits;
      if (s[i] != '0' && shape.all_zero) {
        shape.all_zero = false;
        first_nonzero = -static_cast<long long>(frac_digits);
      }
      ++i;
    }
  }
  if (int_digits + frac_digits == 0) return shape;
  long long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (i == s.size()) return shape;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      // Saturates: any exponent beyond a million is out of range whatever its digits.
      if (exponent < 1000000) exponent = exponent * 10 + (s[i] - '0');
    }
    if (negative) exponent = -exponent;
  }
  shape.valid = i == s.size();
  shape.order = first_nonzero + exponent;
  return shape;
}

}  // namespace

std::optional<int64_t> parse_integer(std::string_view text, int64_t min, int64_t max,
                                     std::string* problem) {
  const std::size_t digits_from = !text.empty() && text[0] == '-' ? 1 : 0;
  bool syntax = text.size() > digits_from;
  for (std::size_t i = digits_from; i < text.size(); ++i) syntax = syntax && is_digit(text[i]);
  if (!syntax) {
    set_problem(problem, text, text.empty() ? " is empty, not an integer" : " is not an integer");
    return std::nullopt;
  }
  int64_t value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || value < min || value > max) {
    const bool full_range =
        min == std::numeric_limits<int64_t>::min() && max == std::numeric_limits<int64_t>::max();
    set_problem(problem, text,
                full_range ? " is out of range (beyond a 64-bit integer)"
                           : " is out of range (expected an integer from " + std::to_string(min) +
                                 " to " + std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_real(std::string_view text, std::string* problem) {
  const bool negative = !text.empty() && text[0] == '-';
  const std::string_view body = text.substr(negative ? 1 : 0);
  if (equals_ignoring_case(body, "inf") || equals_ignoring_case(body, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (equals_ignoring_case(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
  const DecimalShape shape = decimal_shape(body);
  if (!shape.valid) {
    set_problem(problem, text, text.empty() ? " is empty, not a number" : " is not a number");
    return std::nullopt;
  }
  double value = 0.0;
  bool out_of_range = false;
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  out_of_range = result.ec == std::errc::result_out_of_range;
#else
  const std::string copy(text);
  errno = 0;
  value = std::strtod(copy.c_str(), nullptr);
  out_of_range = errno == ERANGE && (value > 1.0 || value < -1.0 || value == 0.0);
#endif
  if (out_of_range) {
    // A value whose first digit is at order >= 0 can only have overflowed; below that, it was too
    // small for even a subnormal and reads as zero.
    if (!shape.all_zero && shape.order >= 0) {
      set_problem(problem, text, " is out of range (beyond a double)");
      return std::nullopt;
    }
    value = negative ? -0.0 : 0.0;
  }
  return value;
}

}  // namespace phantom
