// A strict JSON parser for tests (RFC 8259), written independently of phantom/json.hpp so that
// it checks the writer rather than mirroring it. It rejects anything a strict reader would:
// trailing commas, bare NaN/Infinity, leading zeros, raw control characters or invalid UTF-8 in
// strings, lone surrogate escapes, duplicate object keys, numbers beyond a double's range and
// trailing garbage. Numbers too small for a normal double are valid JSON and read as the nearest
// double (a subnormal, or zero).
//
//   json_test::Value v = json_test::parse(text);          // one document
//   auto docs = json_test::parse_lines(text);             // JSON lines: one document per line
//   auto docs = json_test::parse_sequence(text);          // documents separated by whitespace
//   v["steps"][0].keys()                                  // std::set of member names
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/utf8.hpp"

namespace json_test {

struct Value {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  double number = 0.0;
  std::string text;  // a string's value, or a number's literal text
  std::vector<Value> items;
  std::vector<std::pair<std::string, Value>> members;

  bool is_null() const { return type == Type::null; }
  bool has(const std::string& key) const {
    for (const auto& m : members)
      if (m.first == key) return true;
    return false;
  }
  const Value& operator[](const std::string& key) const {
    if (type != Type::object) throw std::runtime_error("not an object (looking up '" + key + "')");
    for (const auto& m : members)
      if (m.first == key) return m.second;
    throw std::runtime_error("no member '" + key + "'");
  }
  const Value& operator[](const char* key) const { return (*this)[std::string(key)]; }
  const Value& operator[](int i) const { return (*this)[static_cast<std::size_t>(i)]; }
  const Value& operator[](std::size_t i) const {
    if (type != Type::array) throw std::runtime_error("not an array");
    if (i >= items.size()) throw std::runtime_error("index " + std::to_string(i) + " out of range");
    return items[i];
  }
  std::size_t size() const { return type == Type::object ? members.size() : items.size(); }
  std::set<std::string> keys() const {
    std::set<std::string> k;
    for (const auto& m : members) k.insert(m.first);
    return k;
  }
  /// Member names in document order.
  std::vector<std::string> key_order() const {
    std::vector<std::string> k;
    for (const auto& m : members) k.push_back(m.first);
    return k;
  }
};

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value document() {
    skip_ws();
    Value v = value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("trailing characters after the document");
    return v;
  }

  // Documents separated by optional whitespace, until the end.
  std::vector<Value> sequence() {
    std::vector<Value> docs;
    skip_ws();
    while (pos_ < s_.size()) {
      docs.push_back(value(0));
      skip_ws();
    }
    return docs;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("invalid JSON at offset " + std::to_string(pos_) + ": " + what);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool at_end() const { return pos_ >= s_.size(); }
  void expect(char c) {
    if (at_end() || s_[pos_] != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  void skip_ws() {
    while (!at_end() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  void literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail("bad literal");
    pos_ += word.size();
  }

  Value value(int depth) {
    if (depth > 200) fail("nesting too deep");
    Value v;
    if (at_end()) fail("unexpected end");
    char c = peek();
    if (c == '{') {
      v.type = Value::Type::object;
      ++pos_;
      skip_ws();
      if (peek() == '}') {
        ++pos_;
        return v;
      }
      for (;;) {
        skip_ws();
        if (peek() != '"') fail("expected a string key");
        std::string key = string();
        for (const auto& m : v.members)
          if (m.first == key) fail("duplicate key '" + key + "'");
        skip_ws();
        expect(':');
        skip_ws();
        v.members.emplace_back(std::move(key), value(depth + 1));
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.type = Value::Type::array;
      ++pos_;
      skip_ws();
      if (peek() == ']') {
        ++pos_;
        return v;
      }
      for (;;) {
        skip_ws();
        v.items.push_back(value(depth + 1));
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.type = Value::Type::string;
      v.text = string();
      return v;
    }
    if (c == 't') {
      literal("true");
      v.type = Value::Type::boolean;
      v.boolean = true;
      return v;
    }
    if (c == 'f') {
      literal("false");
      v.type = Value::Type::boolean;
      return v;
    }
    if (c == 'n') {
      literal("null");
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    fail(std::string("unexpected character '") + c + "'");
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  Value number() {
    std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (digit(peek()) && peek() != '0') {
      while (digit(peek())) ++pos_;
    } else {
      fail("bad number");
    }
    if (peek() == '.') {
      ++pos_;
      if (!digit(peek())) fail("digit expected after '.'");
      while (digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digit(peek())) fail("digit expected in exponent");
      while (digit(peek())) ++pos_;
    }
    Value v;
    v.type = Value::Type::number;
    v.text = std::string(s_.substr(start, pos_ - start));
    // strtod, not std::stod: stod throws out_of_range for every ERANGE, which also rejects valid
    // subnormal numbers (1.2e-322) and numbers that round to zero. Those are accepted here (as
    // the nearest double); only a magnitude beyond the largest double is an error. The grammar
    // above has already checked the text, so strtod reads all of it.
    errno = 0;
    v.number = std::strtod(v.text.c_str(), nullptr);
    if (errno == ERANGE && std::isinf(v.number)) fail("number out of range: " + v.text);
    return v;
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("short \\u escape");
    unsigned u = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[pos_++];
      u <<= 4;
      if (c >= '0' && c <= '9') {
        u |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        u |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        u |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        fail("bad hex digit");
      }
    }
    return u;
  }

  // Checks one raw UTF-8 sequence starting at pos_ and copies it.
  void utf8(std::string& out) {
    auto b = static_cast<unsigned char>(s_[pos_]);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      n = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      fail("invalid UTF-8 lead byte");
    }
    if (pos_ + n > s_.size()) fail("truncated UTF-8 sequence");
    for (std::size_t k = 1; k < n; ++k) {
      auto c = static_cast<unsigned char>(s_[pos_ + k]);
      unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      if (c < l || c > h) fail("invalid UTF-8 continuation byte");
    }
    out.append(s_.substr(pos_, n));
    pos_ += n;
  }

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("raw control character in a string");
      if (c >= 0x80) {
        utf8(out);
        continue;
      }
      ++pos_;
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (at_end()) fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(pos_, 2) != "\\u") fail("lone high surrogate");
            pos_ += 2;
            uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          test_support::append_utf8(out, cp);
          break;
        }
        default:
          fail(std::string("bad escape \\") + e);
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

/// Exactly one document (surrounding whitespace allowed).
inline Value parse(std::string_view text) {
  return Parser(text).document();
}

/// Documents separated by whitespace (e.g. indented episodes, one after another).
inline std::vector<Value> parse_sequence(std::string_view text) {
  return Parser(text).sequence();
}

/// JSON lines: every line, including the last, ends with '\n' and holds exactly one document.
inline std::vector<Value> parse_lines(std::string_view text) {
  std::vector<Value> docs;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) throw std::runtime_error("last line has no newline");
    docs.push_back(parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return docs;
}

}  // namespace json_test
