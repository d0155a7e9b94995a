// Json: building and writing.
#include "phantom/json.hpp"

#include <charconv>
#include <cmath>

namespace phantom {

Json Json::boolean(bool value) {
  Json j;
  j.type_ = Type::boolean;
  j.bool_ = value;
  return j;
}

Json Json::integer(int64_t value) {
  Json j;
  j.type_ = Type::integer;
  j.int_ = value;
  return j;
}

Json Json::unsigned_integer(uint64_t value) {
  Json j;
  j.type_ = Type::unsigned_integer;
  j.uint_ = value;
  return j;
}

Json Json::number(double value) {
  Json j;
  j.type_ = Type::floating;
  j.double_ = value;
  return j;
}

Json Json::number(float value) {
  Json j = number(static_cast<double>(value));
  j.single_ = true;
  return j;
}

Json Json::string(std::string value) {
  Json j;
  j.type_ = Type::string;
  j.string_ = std::move(value);
  return j;
}

Json Json::array() {
  Json j;
  j.type_ = Type::array;
  return j;
}

Json Json::object() {
  Json j;
  j.type_ = Type::object;
  return j;
}

Json& Json::push(Json value) {
  items_.push_back(std::move(value));
  return items_.back();
}

Json& Json::set(std::string key, Json value) {
  keys_.push_back(std::move(key));
  items_.push_back(std::move(value));
  return items_.back();
}

Json* Json::find(std::string_view key) {
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &items_[i];
  return nullptr;
}

std::string Json::dump(int indent) const {
  std::string out;
  write(out, indent);
  return out;
}

void Json::write(std::string& out, int indent) const {
  write_at(out, indent, 0);
}

void Json::write_at(std::string& out, int indent, int depth) const {
  auto newline = [&](int level) {
    if (indent <= 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * level), ' ');
  };
  switch (type_) {
    case Type::null:
      out += "null";
      return;
    case Type::boolean:
      out += bool_ ? "true" : "false";
      return;
    case Type::integer:
      out += std::to_string(int_);
      return;
    case Type::unsigned_integer:
      out += std::to_string(uint_);
      return;
    case Type::floating:
      if (single_) {
        append_json_number(out, static_cast<float>(double_));
      } else {
        append_json_number(out, double_);
      }
      return;
    case Type::string:
      append_json_string(out, string_);
      return;
    case Type::array:
    case Type::object: {
      bool is_object = type_ == Type::object;
      out += is_object ? '{' : '[';
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) out += ',';
        newline(depth + 1);
        if (is_object) {
          append_json_string(out, keys_[i]);
          out += indent > 0 ? ": " : ":";
        }
        items_[i].write_at(out, indent, depth + 1);
      }
      if (!items_.empty()) newline(depth);
      out += is_object ? '}' : ']';
      return;
    }
  }
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
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
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        out += "\\ufffd";  // replacement character: keep the file valid UTF-8
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

namespace {
template <class F>
void append_shortest(std::string& out, F value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // std::to_chars gives the shortest round-trip form: "0.1", "3", "1e+20", "-0" are all JSON.
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, result.ptr);
}
}  // namespace

void append_json_number(std::string& out, double value) {
  append_shortest(out, value);
}

void append_json_number(std::string& out, float value) {
  append_shortest(out, value);
}

}  // namespace phantom
