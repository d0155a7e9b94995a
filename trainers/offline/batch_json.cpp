// The JSON line of a MultiAgentBatch: the writer, and a small parser for exactly what a line
// may hold (objects, arrays, strings, numbers; true/false/null only where skipped).
#include "trainers/offline/batch_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <utility>
#include <vector>

#include "nn/error.hpp"
#include "nn/parse_number.hpp"
#include "phantom/format.hpp"
#include "phantom/json.hpp"

namespace phantom {

// ---- Writing ----

namespace {

// A float32 value: shortest round-trip text, always with a '.' or an exponent so that the
// reader can tell it from an int64 (see the top of batch_json.hpp).
void append_json_float(std::string& out, float v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
    return;
  }
  const std::size_t start = out.size();
  append_float(out, v);
  if (out.find_first_of(".eE", start) == std::string::npos) out += ".0";
}

void append_column(std::string& out, const SampleBatch& b, SampleBatch::Handle c) {
  const int64_t width = b.width(c), rows = b.size();
  const bool is_float = b.type(c) == ColumnType::float32;
  const float* f = is_float ? b.f32(c) : nullptr;
  const int64_t* i = is_float ? nullptr : b.i64(c);
  auto value = [&](int64_t k) {
    if (is_float) {
      append_json_float(out, f[k]);
    } else {
      out += std::to_string(i[k]);
    }
  };
  out += '[';
  for (int64_t r = 0; r < rows; ++r) {
    if (r > 0) out += ',';
    if (width == 1) {
      value(r);
      continue;
    }
    out += '[';
    for (int64_t k = 0; k < width; ++k) {
      if (k > 0) out += ',';
      value(r * width + k);
    }
    out += ']';
  }
  out += ']';
}

}  // namespace

void append_batch_json(std::string& out, const MultiAgentBatch& batch,
                       const std::set<std::string>& without_probabilities) {
  out += "{\"type\":\"MultiAgentBatch\",\"count\":";
  out += std::to_string(batch.env_steps);
  out += ",\"policy_batches\":{";
  bool first_policy = true;
  for (const auto& [id, b] : batch.policy_batches) {
    if (b.size() == 0) continue;
    if (!first_policy) out += ',';
    first_policy = false;
    append_json_string(out, id);
    out += ":{";
    const bool drop = without_probabilities.count(id) > 0;
    bool first_column = true;
    const std::vector<std::string> names = b.column_names();
    for (int c = 0; c < b.num_columns(); ++c) {
      const std::string& name = names[static_cast<std::size_t>(c)];
      if (drop && (name == columns::kActionLogp || name == columns::kActionProb)) continue;
      if (!first_column) out += ',';
      first_column = false;
      append_json_string(out, name);
      out += ':';
      append_column(out, b, c);
    }
    out += '}';
  }
  out += "}}";
}

// ---- Reading ----

namespace {

class LineParser {
 public:
  explicit LineParser(std::string_view text) : s_(text) {}

  MultiAgentBatch parse() {
    MultiAgentBatch batch;
    bool has_type = false, has_count = false;
    expect('{');
    if (!consume('}')) {
      do {
        const std::string key = string();
        expect(':');
        if (key == "type") {
          const std::size_t at = pos_;
          const std::string type = string();
          if (type != "MultiAgentBatch") {
            fail_at(at, "record type '" + type + "', expected 'MultiAgentBatch'");
          }
          has_type = true;
        } else if (key == "count") {
          skip_space();
          const std::size_t at = pos_;
          const std::string_view token = number_token();
          std::string problem;
          const std::optional<int64_t> count =
              parse_integer(token, 0, std::numeric_limits<int64_t>::max(), &problem);
          if (!count) fail_at(at, "\"count\": " + problem);
          batch.env_steps = *count;
          has_count = true;
        } else if (key == "policy_batches") {
          policy_batches(batch);
        } else {
          skip_value();
        }
      } while (consume(','));
      expect('}');
    }
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the record");
    if (!has_type) fail_at(0, "the record has no \"type\" (expected \"MultiAgentBatch\")");
    if (!has_count) fail_at(0, "the record has no \"count\" (the batch's env steps)");
    return batch;
  }

 private:
  [[noreturn]] void fail_at(std::size_t at, const std::string& what) const {
    throw FormatError("at character " + std::to_string(at + 1) + ": " + what);
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }

  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n'))
      ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c)) {
      fail(std::string("expected '") + c + "', found " +
           (pos_ < s_.size() ? "'" + std::string(1, s_[pos_]) + "'" : "the end of the line"));
    }
  }

  std::string string() {
    skip_space();
    if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string");
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') {
        // JSON text is UTF-8, and the writer replaces what is not: accepting other bytes would
        // read back a different name than the one written.
        if (!is_valid_utf8(out)) fail("a string that is not valid UTF-8");
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("a control character inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
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
        case 'u':
          append_utf8(out, code_point());
          break;
        default:
          fail(std::string("unknown escape '\\") + e + "'");
      }
    }
  }
  uint32_t hex4() {
    if (pos_ + 4 > s_.size()) fail("a \\u escape needs 4 hex digits");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        fail("a \\u escape needs 4 hex digits");
      }
    }
    return v;
  }
  uint32_t code_point() {
    const uint32_t hi = hex4();
    if (hi >= 0xDC00 && hi <= 0xDFFF) fail("a \\u escape of a lone low surrogate");
    if (hi < 0xD800 || hi > 0xDBFF) return hi;
    // A high surrogate: the low one must follow.
    if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u')
      fail("a surrogate pair is incomplete");
    pos_ += 2;
    const uint32_t lo = hex4();
    if (lo < 0xDC00 || lo > 0xDFFF) fail("a surrogate pair is incomplete");
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
  }
  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // The text of a number (or NaN / Infinity / -Infinity), unchecked.
  std::string_view number_token() {
    skip_space();
    const std::size_t start = pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      const bool part = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' ||
                        c == 'E' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!part) break;
      ++pos_;
    }
    if (pos_ == start) fail("expected a number");
    return s_.substr(start, pos_ - start);
  }

  void skip_value() {
    skip_space();
    if (pos_ >= s_.size()) fail("expected a value");
    const char c = s_[pos_];
    if (c == '"') {
      string();
    } else if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      if (consume(close)) return;
      do {
        if (c == '{') {
          string();
          expect(':');
        }
        skip_value();
      } while (consume(','));
      expect(close);
    } else {
      number_token();  // numbers and the words true, false, null
    }
  }

  void policy_batches(MultiAgentBatch& batch) {
    expect('{');
    if (consume('}')) return;
    do {
      const std::size_t at = pos_;
      const std::string id = string();
      if (batch.has_policy(id)) fail_at(at, "policy '" + id + "' appears twice");
      expect(':');
      SampleBatch& b = batch.policy_batches[id];
      expect('{');
      if (!consume('}')) {
        do {
          column(id, b);
        } while (consume(','));
        expect('}');
      }
    } while (consume(','));
    expect('}');
  }

  // One column: its tokens, then its width and type, then its values.
  void column(const std::string& policy, SampleBatch& b) {
    skip_space();
    const std::size_t at = pos_;
    const std::string name = string();
    if (b.has_column(name)) fail_at(at, "policy '" + policy + "': column '" + name + "' twice");
    expect(':');
    tokens_.clear();
    int64_t width = -1, rows = 0;
    expect('[');
    if (!consume(']')) {
      do {
        skip_space();
        int64_t row_width = 1;
        if (consume('[')) {
          row_width = 0;
          if (!consume(']')) {
            do {
              tokens_.push_back({number_token(), pos_});
              ++row_width;
            } while (consume(','));
            expect(']');
          }
        } else {
          tokens_.push_back({number_token(), pos_});
        }
        if (width < 0) width = row_width;
        if (row_width != width || row_width == 0) {
          fail("policy '" + policy + "', column '" + name + "': row " + std::to_string(rows) +
               " has " + std::to_string(row_width) + " values, expected " +
               std::to_string(width == 0 ? 1 : width) + " as in row 0");
        }
        ++rows;
      } while (consume(','));
      expect(']');
    }
    if (rows == 0) fail("policy '" + policy + "', column '" + name + "' has no rows");
    if (b.num_columns() > 0 && rows != b.size()) {
      fail("policy '" + policy + "', column '" + name + "' has " + std::to_string(rows) +
           " rows, the columns before it " + std::to_string(b.size()));
    }
    bool all_integers = true;
    for (const Token& t : tokens_) {
      for (const char c : t.text) {
        if (c == '.' || c == 'e' || c == 'E' || c == 'N' || c == 'I') all_integers = false;
      }
    }
    const ColumnType type = all_integers ? ColumnType::int64 : ColumnType::float32;
    const SampleBatch::Handle h = b.add_column(name, width, type);
    if (b.size() == 0) b.resize(rows);
    const std::string where = "policy '" + policy + "', column '" + name + "'";
    if (type == ColumnType::int64) {
      int64_t* out = b.i64(h);
      for (std::size_t k = 0; k < tokens_.size(); ++k) {
        std::string problem;
        const std::optional<int64_t> v =
            parse_integer(tokens_[k].text, std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max(), &problem);
        if (!v) fail_at(tokens_[k].end - tokens_[k].text.size(), where + ": " + problem);
        out[k] = *v;
      }
    } else {
      float* out = b.f32(h);
      for (std::size_t k = 0; k < tokens_.size(); ++k) {
        out[k] = to_float(tokens_[k], where);
      }
    }
  }

  struct Token {
    std::string_view text;
    std::size_t end;  // position after it, for messages
  };

  float to_float(const Token& t, const std::string& where) const {
    const std::size_t at = t.end - t.text.size();
    if (t.text == "NaN") return std::numeric_limits<float>::quiet_NaN();
    if (t.text == "Infinity") return std::numeric_limits<float>::infinity();
    if (t.text == "-Infinity") return -std::numeric_limits<float>::infinity();
    std::string problem;
    const std::optional<double> d = parse_real(t.text, &problem);
    // parse_real also takes "inf" and "nan"; JSON spells them only as above.
    if (!d || !std::isfinite(*d)) {
      fail_at(at, where + ": " + (d ? "'" + std::string(t.text) + "' is not a number" : problem));
    }
    // Straight to a float: through the double above it would be rounded twice.
    float v = 0.0f;
    bool out_of_range = false;
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
    const char* end = t.text.data() + t.text.size();
    const auto r = std::from_chars(t.text.data(), end, v);
    out_of_range = r.ec != std::errc();
    if (!out_of_range && r.ptr != end) {  // parse_real took it all; from_chars must too
      fail_at(at, where + ": '" + std::string(t.text) + "' is not a number");
    }
#else
    v = std::strtof(std::string(t.text).c_str(), nullptr);
    out_of_range = std::isinf(v);
#endif
    if (!out_of_range) return v;
    if (std::fabs(*d) >= 1.0) {
      fail_at(at, where + ": '" + std::string(t.text) + "' is out of range (beyond a float)");
    }
    return static_cast<float>(*d);  // below the smallest subnormal: zero
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

MultiAgentBatch parse_batch_json(std::string_view line) {
  return LineParser(line).parse();
}

}  // namespace phantom
