// Number formatting shared by the simulation layer.
#include "phantom/format.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "phantom/space.hpp"

namespace phantom {

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
  for (int precision = 1; precision <= 9; ++precision) {
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

std::string double_string(double x) {
  char buf[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

}  // namespace phantom
