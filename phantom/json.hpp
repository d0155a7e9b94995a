// A minimal JSON value that keeps object keys in insertion order, and its writer (telemetry
// files). It only builds and writes documents; there is no parser.
//
// Output is always valid JSON (RFC 8259):
//  - strings are escaped, and bytes that are not valid UTF-8 become U+FFFD;
//  - numbers use the shortest text that reads back to the same value (a float as a float, so
//    0.1f prints as 0.1), and NaN or infinities, which JSON cannot hold, are written as null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace phantom {

/// A JSON value: null, bool, integer, number, string, array or object (keys in insertion order).
class Json {
 public:
  enum class Type { null, boolean, integer, unsigned_integer, floating, string, array, object };

  /// null
  Json() = default;
  static Json boolean(bool value);
  static Json integer(int64_t value);
  static Json unsigned_integer(uint64_t value);
  static Json number(double value);
  /// Written with float precision (shortest text for the float, not for its double).
  static Json number(float value);
  static Json string(std::string value);
  static Json array();
  static Json object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }

  /// Arrays: appends `value` and returns it. Like the references from set(), the result is
  /// valid only until the next push()/set() on this same value.
  Json& push(Json value);
  /// Objects: appends the member `key` (the caller keeps keys unique) and returns its value.
  Json& set(std::string key, Json value);
  /// Objects: the member `key`, or nullptr.
  Json* find(std::string_view key);
  /// Arrays: the last element (the array must not be empty).
  Json& back() { return items_.back(); }
  /// Number of array elements or object members (0 for other types).
  std::size_t size() const { return items_.size(); }

  /// Appends the JSON text to `out`: on one line when indent is 0, else one element per line
  /// with `indent` spaces per level (empty arrays and objects stay "[]" and "{}").
  void write(std::string& out, int indent = 0) const;
  std::string dump(int indent = 0) const;

 private:
  void write_at(std::string& out, int indent, int depth) const;

  Type type_ = Type::null;
  bool bool_ = false;
  int64_t int_ = 0;
  uint64_t uint_ = 0;
  double double_ = 0.0;
  bool single_ = false;  // a float: print with float precision
  std::string string_;
  std::vector<std::string> keys_;  // objects only, parallel to items_
  std::vector<Json> items_;
};

/// Whether `text` is well-formed UTF-8: no overlong forms, no surrogates, nothing above
/// U+10FFFF (the bytes append_json_string keeps as they are; others it replaces).
bool is_valid_utf8(std::string_view text);
/// Appends `text` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view text);
/// Appends a number in its shortest round-trip form; non-finite values as null.
void append_json_number(std::string& out, double value);
void append_json_number(std::string& out, float value);

}  // namespace phantom
