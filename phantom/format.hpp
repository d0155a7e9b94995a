// Number formatting shared by the simulation layer's to_string() methods and error messages:
// the shortest text that reads back as the same number, so messages never show "0.100000001".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace phantom {

/// Appends the shortest decimal that reads back as the same float ("0.1", not "0.100000001"),
/// integers below 2^24 as integers ("3", not "3e+00"), and "inf", "-inf", "nan".
void append_float(std::string& out, float v);
/// The same as a new string.
std::string float_string(float v);
/// Appends the shortest "%g" text that reads back as the same double (6 to 17 significant
/// digits), and "inf", "-inf", "nan".
void append_double(std::string& out, double v);
/// The same as a new string.
std::string double_string(double v);
/// "[0, 1, 1]".
void append_float_list(std::string& out, const float* xs, int64_t n);
/// "()", "(3,)", "(2, 3)": Python's tuple notation, as numpy and gymnasium print shapes.
void append_shape(std::string& out, const std::vector<int64_t>& shape);
/// "'a', 'b'", or "none" for an empty list: the names an error message offers instead.
std::string quoted_list(const std::vector<std::string>& names);
/// "A, B, C": the names a message lists (agent ids, types, policies), at most the first 12, then
/// "..., (N in all)"; "none" for an empty list. Long lists stay readable in a terminal.
std::string list_names(const std::vector<std::string>& names);

}  // namespace phantom
