// EnvConfig: the named parameters an env is built from (Python's env_config dict).
//
// Each entry is a FieldSource, the type supertype fields use: a fixed number, a fixed array, a
// Sampler (redrawn every episode by whatever the factory hands it to) or a Range (an axis of a
// rollout grid). A trainer builds its envs by calling an EnvFactory with the config:
//
//   phantom::EnvFactory factory = [](const phantom::EnvConfig& c) {
//     auto env = make_supply_chain(static_cast<int>(c.integer("customers", 5)));
//     shop_type.price = c.source("price");   // a number, a sampler, ...
//     return env;
//   };
//   phantom::EnvConfig config{{"customers", 5}, {"price", phantom::uniform(1.0f, 2.0f)}};
//
// Trainers reject Ranges (check_no_ranges); rollouts expand them into a grid (range_entries).
//
// Text form, one `name = value` per line (docs/CONFIG.md has the full grammar and errors):
//
//   customers = 5
//   weights   = [0.5, 0.25, 0.25]
//   price     = uniform(1, 2)                  # UniformFloatSampler
//   noise     = normal(0, 0.1, clip_low = -1)  # NormalSampler, clipped below
//   orders    = uniform_int(0, 4)              # UniformIntSampler (4 included)
//   cost      = linspace(0, 1, 5)              # LinspaceRange, named "cost" by default
//   stock     = arange(0, 100, 10, name = "initial stock")   # UniformRange
//
// As in policy mappings, `#` starts a comment, a line may end after a comma, and `;` separates
// entries like a line break ("steps = 100; price = uniform(1, 2)" on a command line). parse()
// and to_text() share the tokenizer of policy mappings (config_lexer.hpp). A LambdaSampler and
// array samplers have no text form; to_text() throws ConfigError on them.
//
// A sampler entry is one object, shared by every env the factory hands it to, and a sampler is
// not safe to draw from two threads at once (sampler.hpp): a factory building envs that reset
// concurrently must give each env its own sampler.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "phantom/range.hpp"
#include "phantom/supertype.hpp"

namespace phantom {

class PhantomEnv;

/// Named env parameters in insertion order (see the top of this file).
class EnvConfig {
 public:
  EnvConfig() = default;
  /// Throws ConfigError on an empty or repeated name.
  EnvConfig(std::initializer_list<std::pair<std::string, FieldSource>> entries);

  /// Sets `name` (replacing its source if present, else appending). Throws ConfigError if the
  /// name is empty.
  void set(const std::string& name, FieldSource source);
  bool has(const std::string& name) const { return find(name) != nullptr; }
  /// The names, in insertion order.
  std::vector<std::string> names() const;
  const std::vector<std::pair<std::string, FieldSource>>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

  /// The source of `name`, or null.
  const FieldSource* find(const std::string& name) const;
  /// The source of `name`; throws ConfigError naming it and listing the entries if missing.
  const FieldSource& source(const std::string& name) const;

  // Typed getters: a missing entry throws ConfigError unless a default is given; an entry of
  // the wrong shape (an array for number(), a sampler or range for any of them) always throws
  // ConfigError naming the entry and what it holds. Values are floats (FieldSource holds floats).

  /// A fixed scalar.
  float number(const std::string& name) const;
  float number(const std::string& name, float fallback) const;
  /// A fixed scalar holding an integer (exact up to 2^24) within an int64's range.
  int64_t integer(const std::string& name) const;
  int64_t integer(const std::string& name, int64_t fallback) const;
  /// A fixed array.
  std::vector<float> array(const std::string& name) const;
  std::vector<float> array(const std::string& name, std::vector<float> fallback) const;

  /// Whether any entry is a Range.
  bool contains_ranges() const;
  /// The entries that are Ranges, in order (the axes a rollout expands).
  std::vector<std::pair<std::string, std::shared_ptr<const Range>>> range_entries() const;
  /// Throws ConfigError "<context>: env config entry '<name>' is a range (...)" at the first
  /// Range: trainers sample episodes; only rollouts expand ranges into a grid.
  void check_no_ranges(const std::string& context) const;

  /// Reads the text form (see the top of this file). Throws ConfigError
  /// "<source_name>:<line>:<column>: ..." on a syntax error, a repeated name, a bad number
  /// (including an integer beyond 2^24, which a float cannot hold exactly), an unknown function,
  /// bad arguments or parameters a sampler or range rejects.
  static EnvConfig parse(const std::string& text, const std::string& source_name = "<env config>");
  /// The text form, one line per entry; parse(to_text()) gives the same values.
  std::string to_text() const;

 private:
  /// The source of `name` if present and fixed; throws on another kind (naming `wanted`).
  const FieldSource* fixed(const std::string& name, bool array, const char* wanted) const;

  std::vector<std::pair<std::string, FieldSource>> entries_;
};

/// Builds an env from a config. Trainers and rollouts call it once per env they run.
using EnvFactory = std::function<std::unique_ptr<PhantomEnv>(const EnvConfig&)>;

}  // namespace phantom
