// EnvConfig: entries and typed getters. The text form is in env_config_text.cpp.
#include "phantom/env_config.hpp"

#include <cmath>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

// What a source holds, for messages: "a sampler (<...>)", "an array ([1, 2])", "a number (3)".
std::string describe(const FieldSource& source) {
  switch (source.kind()) {
    case FieldSource::Kind::sampler:
      return "a sampler (" + source.to_string() + ")";
    case FieldSource::Kind::range:
      return "a range (" + source.to_string() + ")";
    case FieldSource::Kind::fixed:
      break;
  }
  return (source.fixed_is_array() ? "an array (" : "a number (") + source.to_string() + ")";
}

std::string entry_label(const std::string& name) {
  return "env config entry '" + name + "'";
}

}  // namespace

EnvConfig::EnvConfig(std::initializer_list<std::pair<std::string, FieldSource>> entries) {
  for (const auto& e : entries) {
    if (has(e.first)) throw ConfigError(entry_label(e.first) + " is given twice");
    set(e.first, e.second);
  }
}

void EnvConfig::set(const std::string& name, FieldSource source) {
  if (name.empty()) throw ConfigError("env config: an entry name must not be empty");
  for (auto& e : entries_) {
    if (e.first == name) {
      e.second = std::move(source);
      return;
    }
  }
  entries_.emplace_back(name, std::move(source));
}

std::vector<std::string> EnvConfig::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.first);
  return out;
}

const FieldSource* EnvConfig::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.first == name) return &e.second;
  return nullptr;
}

const FieldSource& EnvConfig::source(const std::string& name) const {
  const FieldSource* s = find(name);
  if (!s) {
    std::string list;
    for (const auto& e : entries_) list += (list.empty() ? "" : ", ") + e.first;
    throw ConfigError("env config: no entry '" + name +
                      "' (entries: " + (list.empty() ? "none" : list) + ")");
  }
  return *s;
}

const FieldSource* EnvConfig::fixed(const std::string& name, bool array, const char* wanted) const {
  const FieldSource* s = find(name);
  if (!s) return nullptr;
  if (s->kind() != FieldSource::Kind::fixed || s->fixed_is_array() != array) {
    throw ConfigError(entry_label(name) + " is " + describe(*s) + ", not " + wanted);
  }
  return s;
}

float EnvConfig::number(const std::string& name) const {
  source(name);  // throws if missing
  return fixed(name, false, "a fixed number")->fixed()[0];
}

float EnvConfig::number(const std::string& name, float fallback) const {
  const FieldSource* s = fixed(name, false, "a fixed number");
  return s ? s->fixed()[0] : fallback;
}

int64_t EnvConfig::integer(const std::string& name) const {
  float v = number(name);
  if (!std::isfinite(v) || std::floor(v) != v) {
    throw ConfigError(entry_label(name) + " = " + float_string(v) + " is not an integer");
  }
  // 2^63 is a float; from there on (and below -2^63) the value does not fit an int64, and
  // converting it would be undefined behaviour.
  constexpr float kBeyond = 9223372036854775808.0f;
  if (!(v >= -kBeyond && v < kBeyond)) {
    throw ConfigError(entry_label(name) + " = " + float_string(v) +
                      " is beyond the range of a 64-bit integer");
  }
  return static_cast<int64_t>(v);
}

int64_t EnvConfig::integer(const std::string& name, int64_t fallback) const {
  return has(name) ? integer(name) : fallback;
}

std::vector<float> EnvConfig::array(const std::string& name) const {
  source(name);
  return fixed(name, true, "a fixed array")->fixed();
}

std::vector<float> EnvConfig::array(const std::string& name, std::vector<float> fallback) const {
  const FieldSource* s = fixed(name, true, "a fixed array");
  return s ? s->fixed() : fallback;
}

bool EnvConfig::contains_ranges() const {
  for (const auto& e : entries_)
    if (e.second.kind() == FieldSource::Kind::range) return true;
  return false;
}

std::vector<std::pair<std::string, std::shared_ptr<const Range>>> EnvConfig::range_entries() const {
  std::vector<std::pair<std::string, std::shared_ptr<const Range>>> out;
  for (const auto& e : entries_)
    if (e.second.kind() == FieldSource::Kind::range) out.emplace_back(e.first, e.second.range());
  return out;
}

void EnvConfig::check_no_ranges(const std::string& context) const {
  for (const auto& e : entries_) {
    if (e.second.kind() != FieldSource::Kind::range) continue;
    throw ConfigError(context + ": " + entry_label(e.first) + " is " + describe(e.second) +
                      "; ranges are axes of a rollout grid, so give a number or a sampler here");
  }
}

}  // namespace phantom
