// Number formatting shared by the simulation layer.
#include "phantom/format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "phantom/space.hpp"

namespace phantom {

namespace {

// (The strtof/strtod calls below read back this file's own snprintf output to test the round
// trip; they are not input parsing, which goes through nn/parse_number.hpp. strtof must stay:
// reading a float through a double would round twice.)
//
// The fewest significant digits that read back as `v`, but at least `fallback` (and just
// `fallback` where the library has no floating-point to_chars). "%.*g" with fewer digits never
// reads back as `v`, so the searches below start here: one snprintf per number instead of up to
// nine (floats) or twelve (doubles), with the same text. Exports write millions of numbers.
template <class T>
int shortest_digits(T v, int fallback) {
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  int digits = 0;
  for (const char* p = buf; p != result.ptr && *p != 'e'; ++p) digits += (*p >= '0' && *p <= '9');
  return std::max(digits, fallback);
#else
  (void)v;
  return fallback;
#endif
}

}  // namespace

void append_float(std::string& out, float v) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "inf" : "-inf";
    return;
  }
  if (v == 0.0f) {
    out += std::signbit(v) ? "-0" : "0";
    return;
  }
  if (std::floor(v) == v && std::fabs(v) < static_cast<float>(kMaxExactFloatInt)) {
    out += std::to_string(static_cast<int64_t>(v));
    return;
  }
  char buf[32];
  for (int precision = shortest_digits(v, 1); precision <= 9; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;  // 9 significant digits always round-trip
  }
  out += buf;
}

void append_shape(std::string& out, const std::vector<int64_t>& shape) {
  out += '(';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ',';
  out += ')';
}

void append_float_list(std::string& out, const float* xs, int64_t n) {
  out += '[';
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    append_float(out, xs[i]);
  }
  out += ']';
}

std::string float_string(float v) {
  std::string s;
  append_float(s, v);
  return s;
}

void append_double(std::string& out, double x) {
  // NaN never equals what it reads back as, and printf may spell it "-nan".
  if (std::isnan(x)) {
    out += "nan";
    return;
  }
  char buf[32];
  for (int precision = shortest_digits(x, 6); precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x) break;  // 17 significant digits always round-trip
  }
  out += buf;
}

std::string double_string(double x) {
  std::string s;
  append_double(s, x);
  return s;
}

std::string list_names(const std::vector<std::string>& names) {
  constexpr std::size_t kMaxListed = 12;  // the rest are counted
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kMaxListed; ++i) {
    out += (i ? ", " : "") + names[i];
  }
  if (names.size() > kMaxListed) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out.empty() ? "none" : out;
}

std::string quoted_list(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

}  // namespace phantom
