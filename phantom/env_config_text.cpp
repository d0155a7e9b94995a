// The text form of an EnvConfig: parse() and to_text(). Grammar in env_config.hpp and
// docs/CONFIG.md.
#include "phantom/env_config.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <typeinfo>

#include "nn/error.hpp"
#include "nn/parse_number.hpp"
#include "phantom/config_lexer.hpp"
#include "phantom/format.hpp"
#include "phantom/sampler.hpp"

namespace phantom {

namespace {

// ---- Reading ----

// A number (the strict syntax of nn/parse_number.hpp), or a positioned error saying why not.
double read_double(ConfigLexer& lex, const ConfigToken& token) {
  if (token.kind != ConfigToken::Kind::word) {
    lex.fail(token, "expected a number, found " + token.describe());
  }
  std::string problem;
  const std::optional<double> v = parse_real(token.text, &problem);
  if (!v) lex.fail(token, problem);
  return *v;
}

// Whether a number is written as an integer ("123456789", "-3"; not "1.5e10" or "2.0").
bool written_as_integer(const std::string& text) {
  const std::size_t digits = !text.empty() && text[0] == '-' ? 1 : 0;
  return text.size() > digits && text.find_first_not_of("0123456789", digits) == std::string::npos;
}

// A number, checked to be one a float holds: finite numbers within a float's range, and numbers
// written as integers exactly (a seed or a count must not be silently rounded). Any other
// number is rounded to the nearest float, as to_text() relies on: it writes the shortest text
// that reads back as the same float, which for a float beyond 2^24 is often an integer-valued
// decimal such as 1.0077778e+12 that the float does not hold exactly.
float read_float(ConfigLexer& lex, const ConfigToken& token) {
  const double v = read_double(lex, token);
  float f = static_cast<float>(v);
  if (std::isfinite(v) && !std::isfinite(f)) {
    lex.fail(token, "number " + token.text + " is beyond the range of a float");
  }
  if (written_as_integer(token.text) && static_cast<double>(f) != v) {
    lex.fail(token, "integer " + token.text + " is not exact in a float (beyond 2^24)");
  }
  return f;
}

// An integer written as one ("5", "-3"; not "5.0" or "1e3").
int64_t read_int(ConfigLexer& lex, const ConfigToken& token) {
  if (token.kind != ConfigToken::Kind::word) {
    lex.fail(token, "expected an integer, found " + token.describe());
  }
  std::string problem;
  const std::optional<int64_t> v = parse_integer(token.text, std::numeric_limits<int64_t>::min(),
                                                 std::numeric_limits<int64_t>::max(), &problem);
  if (!v) lex.fail(token, problem);
  return *v;
}

// "[1, 2, 3]" (the '[' already read).
std::vector<float> read_array(ConfigLexer& lex) {
  std::vector<float> values;
  lex.skip_newlines();
  if (lex.accept_symbol(']')) return values;
  for (;;) {
    values.push_back(read_float(lex, lex.next()));
    if (lex.accept_symbol(']')) return values;
    if (!lex.accept_symbol(',')) lex.fail_expected("',' or ']'");
    lex.skip_newlines();
  }
}

// A call such as "normal(0, 1, clip_low = -1)": positional numbers, then key = value pairs.
struct Keyword {
  ConfigToken key;
  ConfigToken value;
};
struct Call {
  ConfigToken function;
  std::vector<ConfigToken> positional;
  std::vector<Keyword> keywords;

  /// The value of keyword `key`, or null.
  const ConfigToken* keyword(const char* key) const {
    for (const Keyword& k : keywords)
      if (k.key.text == key) return &k.value;
    return nullptr;
  }
};

Call read_call(ConfigLexer& lex) {
  Call call{lex.next(), {}, {}};
  lex.expect_symbol('(');
  lex.skip_newlines();
  if (lex.accept_symbol(')')) return call;
  for (;;) {
    if (lex.peek().is_name() && lex.peek(1).is_symbol('=')) {
      const ConfigToken& key = lex.next();
      lex.next();  // '='
      if (call.keyword(key.text.c_str())) lex.fail(key, "argument '" + key.text + "' is repeated");
      call.keywords.push_back({key, lex.expect_name("a value for '" + key.text + "'")});
    } else if (!call.keywords.empty()) {
      lex.fail(lex.peek(),
               "expected a keyword argument (name = value): positional arguments "
               "come first");
    } else {
      call.positional.push_back(lex.expect_name("a number"));
    }
    if (lex.accept_symbol(')')) return call;
    if (!lex.accept_symbol(',')) lex.fail_expected("',' or ')'");
    lex.skip_newlines();
  }
}

// Checks the argument counts and keyword names of a call.
void check_call(ConfigLexer& lex, const Call& call, std::size_t min_args, std::size_t max_args,
                const char* signature, const std::vector<const char*>& keywords) {
  const std::string& f = call.function.text;
  std::size_t n = call.positional.size();
  if (n < min_args || n > max_args) {
    lex.fail(call.function, f + "(" + signature + ") takes " + std::to_string(min_args) +
                                (max_args > min_args ? " or " + std::to_string(max_args) : "") +
                                " numbers, not " + std::to_string(n));
  }
  for (const Keyword& given : call.keywords) {
    bool known = false;
    std::string list;
    for (const char* k : keywords) {
      known = known || given.key.text == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!known) {
      lex.fail(given.key,
               f + "() has no argument '" + given.key.text + "' (it takes " + list + ")");
    }
  }
}

std::optional<float> keyword_float(ConfigLexer& lex, const Call& call, const char* key) {
  const ConfigToken* value = call.keyword(key);
  if (!value) return std::nullopt;
  return read_float(lex, *value);
}

std::optional<int64_t> keyword_int(ConfigLexer& lex, const Call& call, const char* key) {
  const ConfigToken* value = call.keyword(key);
  if (!value) return std::nullopt;
  return read_int(lex, *value);
}

bool keyword_bool(ConfigLexer& lex, const Call& call, const char* key) {
  const ConfigToken* value = call.keyword(key);
  if (!value || value->is_keyword("false")) return false;
  if (!value->is_keyword("true")) {
    lex.fail(*value,
             std::string("expected true or false for '") + key + "', found " + value->describe());
  }
  return true;
}

// Runs `make`, turning a ConfigError from a sampler or range constructor (bad parameters, such
// as low > high) into one positioned at the call.
template <class Make>
FieldSource positioned(ConfigLexer& lex, const ConfigToken& at, Make make) {
  try {
    return make();
  } catch (const ConfigError& e) {
    lex.fail(at, e.what());
  }
}

FieldSource build_sampler(ConfigLexer& lex, const Call& c) {
  const std::string& f = c.function.text;
  check_call(lex, c, 2, 2, f == "normal" ? "mu, sigma" : "low, high", {"clip_low", "clip_high"});
  if (f == "uniform_int") {
    int64_t low = read_int(lex, c.positional[0]), high = read_int(lex, c.positional[1]);
    auto clip_low = keyword_int(lex, c, "clip_low"), clip_high = keyword_int(lex, c, "clip_high");
    return positioned(lex, c.function, [&] { return uniform_int(low, high, clip_low, clip_high); });
  }
  float a = read_float(lex, c.positional[0]), b = read_float(lex, c.positional[1]);
  auto clip_low = keyword_float(lex, c, "clip_low"), clip_high = keyword_float(lex, c, "clip_high");
  if (f == "normal") {
    return positioned(lex, c.function, [&] { return normal(a, b, clip_low, clip_high); });
  }
  return positioned(lex, c.function, [&] { return uniform(a, b, clip_low, clip_high); });
}

// linspace(start, end, n) and arange(start, end[, step]); named after the entry by default.
FieldSource build_range(ConfigLexer& lex, const Call& c, const std::string& entry) {
  bool is_linspace = c.function.text == "linspace";
  check_call(lex, c, is_linspace ? 3 : 2, 3, is_linspace ? "start, end, n" : "start, end[, step]",
             {"name", "unit_array"});
  double start = read_double(lex, c.positional[0]), end = read_double(lex, c.positional[1]);
  const ConfigToken* given_name = c.keyword("name");
  std::string name = given_name ? given_name->text : entry;
  bool unit = keyword_bool(lex, c, "unit_array");
  if (is_linspace) {
    int64_t n = read_int(lex, c.positional[2]);
    return positioned(lex, c.function, [&]() -> FieldSource {
      if (unit) return unit_array_linspace_range(start, end, n, name);
      return linspace_range(start, end, n, name);
    });
  }
  double step = c.positional.size() > 2 ? read_double(lex, c.positional[2]) : 1.0;
  return positioned(lex, c.function, [&]() -> FieldSource {
    if (unit) return unit_array_uniform_range(start, end, step, name);
    return uniform_range(start, end, step, name);
  });
}

FieldSource read_value(ConfigLexer& lex, const std::string& entry) {
  if (lex.accept_symbol('[')) return read_array(lex);
  if (lex.peek().kind == ConfigToken::Kind::word && lex.peek(1).is_symbol('(')) {
    Call call = read_call(lex);
    const std::string& f = call.function.text;
    if (f == "uniform" || f == "uniform_int" || f == "normal") return build_sampler(lex, call);
    if (f == "linspace" || f == "arange") return build_range(lex, call, entry);
    lex.fail(call.function, "unknown function '" + f +
                                "' (known: uniform, uniform_int, normal, linspace, arange)");
  }
  if (lex.peek().kind != ConfigToken::Kind::word) {
    lex.fail_expected("a number, an array [...] or a sampler or range such as uniform(0, 1)");
  }
  return read_float(lex, lex.next());
}

// ---- Writing ----

void append_clips(std::string& out, const Clip& clip) {
  if (clip.low) out += ", clip_low = " + float_string(*clip.low);
  if (clip.high) out += ", clip_high = " + float_string(*clip.high);
}

std::string sampler_text(const std::string& entry, const Sampler& s) {
  const std::type_info& type = typeid(s);
  std::string out;
  if (type == typeid(UniformFloatSampler)) {
    const auto& u = static_cast<const UniformFloatSampler&>(s);
    out = "uniform(" + float_string(u.low()) + ", " + float_string(u.high());
    append_clips(out, u.clip());
  } else if (type == typeid(NormalSampler)) {
    const auto& n = static_cast<const NormalSampler&>(s);
    out = "normal(" + float_string(n.mu()) + ", " + float_string(n.sigma());
    append_clips(out, n.clip());
  } else if (type == typeid(UniformIntSampler)) {
    const auto& u = static_cast<const UniformIntSampler&>(s);
    out = "uniform_int(" + std::to_string(u.low()) + ", " + std::to_string(u.high());
    if (u.clip_low()) out += ", clip_low = " + std::to_string(*u.clip_low());
    if (u.clip_high()) out += ", clip_high = " + std::to_string(*u.clip_high());
  } else {
    throw ConfigError("env config entry '" + entry + "': a " + s.kind() +
                      " has no text form (only uniform, uniform_int and normal samplers do)");
  }
  return out + ")";
}

std::string range_text(const std::string& entry, const Range& r) {
  std::string out;
  if (const auto* u = dynamic_cast<const UniformRange*>(&r)) {
    out = "arange(" + double_string(u->start()) + ", " + double_string(u->end()) + ", " +
          double_string(u->step());
  } else if (const auto* l = dynamic_cast<const LinspaceRange*>(&r)) {
    out = "linspace(" + double_string(l->start()) + ", " + double_string(l->end()) + ", " +
          std::to_string(l->size());
  } else {
    throw ConfigError("env config entry '" + entry + "': a " + r.kind() + " has no text form");
  }
  if (r.name() != entry) out += ", name = " + config_quote(r.name());
  if (r.unit_array()) out += ", unit_array = true";
  return out + ")";
}

}  // namespace

EnvConfig EnvConfig::parse(const std::string& text, const std::string& source_name) {
  ConfigLexer lex(text, source_name);
  EnvConfig config;
  std::map<std::string, int> line_of;
  lex.skip_newlines();
  while (!lex.at_end()) {
    const ConfigToken& name = lex.expect_name("an entry name");
    if (name.text.empty()) lex.fail(name, "an entry name must not be empty");
    auto seen = line_of.find(name.text);
    if (seen != line_of.end()) {
      lex.fail(name, "entry '" + name.text + "' is defined twice (first on line " +
                         std::to_string(seen->second) + ")");
    }
    line_of[name.text] = name.line;
    lex.expect_symbol('=');
    config.set(name.text, read_value(lex, name.text));
    lex.expect_end_of_line();
    lex.skip_newlines();
  }
  return config;
}

std::string EnvConfig::to_text() const {
  std::string out;
  for (const auto& e : entries_) {
    out += config_quote(e.first) + " = ";
    const FieldSource& s = e.second;
    switch (s.kind()) {
      case FieldSource::Kind::sampler:
        out += sampler_text(e.first, *s.sampler());
        break;
      case FieldSource::Kind::range:
        out += range_text(e.first, *s.range());
        break;
      case FieldSource::Kind::fixed:
        out += s.to_string();  // "0.5" or "[1, 2]", shortest round-trip floats
        break;
    }
    out += '\n';
  }
  return out;
}

}  // namespace phantom
