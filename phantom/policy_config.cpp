// PolicyConfig's typed getters and the PolicyRegistry.
#include "phantom/policy_config.hpp"

#include <algorithm>
#include <optional>

#include "nn/error.hpp"
#include "nn/parse_number.hpp"
#include "phantom/config_lexer.hpp"

namespace phantom {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

// ---- PolicyConfig ----

PolicyConfig::PolicyConfig(std::initializer_list<std::pair<std::string, std::string>> items) {
  for (const auto& kv : items) {
    if (has(kv.first)) throw ConfigError(owner() + ": config key '" + kv.first + "' is repeated");
    set(kv.first, kv.second);
  }
}

void PolicyConfig::set(const std::string& key, std::string value) {
  if (key.empty()) throw ConfigError(owner() + ": a config key must not be empty");
  for (auto& kv : items_) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return;
    }
  }
  items_.emplace_back(key, std::move(value));
}

const std::string* PolicyConfig::find(const std::string& key) const {
  for (const auto& kv : items_)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

std::string PolicyConfig::owner() const {
  return policy_id_.empty() ? std::string("policy config") : "policy '" + policy_id_ + "'";
}

const std::string& PolicyConfig::required(const std::string& key) const {
  const std::string* value = find(key);
  if (!value) throw ConfigError(owner() + ": missing config key '" + key + "'");
  return *value;
}

void PolicyConfig::throw_bad_value(const std::string& key, const std::string& value,
                                   const char* expected) const {
  throw ConfigError(owner() + ": config key '" + key + "' = " + config_quote(value) + " is not " +
                    expected);
}

double PolicyConfig::get_double(const std::string& key) const {
  const std::string& text = required(key);
  const std::optional<double> v = parse_real(text);
  if (!v) throw_bad_value(key, text, "a number");
  return *v;
}

double PolicyConfig::get_double(const std::string& key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}

int64_t PolicyConfig::get_int(const std::string& key) const {
  const std::string& text = required(key);
  const std::optional<int64_t> v = parse_integer(text);
  if (!v) throw_bad_value(key, text, "an integer");
  return *v;
}

int64_t PolicyConfig::get_int(const std::string& key, int64_t fallback) const {
  return has(key) ? get_int(key) : fallback;
}

bool PolicyConfig::get_bool(const std::string& key) const {
  const std::string& text = required(key);
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  throw_bad_value(key, text, "a boolean (true or false)");
}

bool PolicyConfig::get_bool(const std::string& key, bool fallback) const {
  return has(key) ? get_bool(key) : fallback;
}

std::string PolicyConfig::get_string(const std::string& key) const {
  return required(key);
}

std::string PolicyConfig::get_string(const std::string& key, const std::string& fallback) const {
  const std::string* value = find(key);
  return value ? *value : fallback;
}

void PolicyConfig::check_known_keys(const std::vector<std::string>& known) const {
  for (const auto& kv : items_) {
    if (std::find(known.begin(), known.end(), kv.first) == known.end()) {
      throw ConfigError(owner() + ": unknown config key '" + kv.first +
                        "' (known keys: " + join(known) + ")");
    }
  }
}

// ---- PolicyRegistry ----

void PolicyRegistry::add(const std::string& kind, PolicyFactory factory) {
  if (kind.empty()) throw ConfigError("PolicyRegistry: a policy kind must have a name");
  if (!factory) throw ConfigError("PolicyRegistry: the factory of kind '" + kind + "' is empty");
  if (has(kind))
    throw ConfigError("PolicyRegistry: policy kind '" + kind + "' is already registered");
  factories_.emplace_back(kind, std::move(factory));
}

bool PolicyRegistry::has(const std::string& kind) const {
  for (const auto& kf : factories_)
    if (kf.first == kind) return true;
  return false;
}

std::vector<std::string> PolicyRegistry::kinds() const {
  std::vector<std::string> out;
  for (const auto& kf : factories_) out.push_back(kf.first);
  return out;
}

std::string PolicyRegistry::kinds_list() const {
  return join(kinds());
}

std::shared_ptr<Policy> PolicyRegistry::create(const std::string& kind,
                                               const SpacePtr& observation_space,
                                               const SpacePtr& action_space,
                                               const PolicyConfig& config) const {
  std::string who = config.policy_id().empty() ? "a policy" : "policy '" + config.policy_id() + "'";
  for (const auto& kf : factories_) {
    if (kf.first != kind) continue;
    std::shared_ptr<Policy> policy = kf.second(observation_space, action_space, config);
    if (!policy)
      throw ConfigError("the factory of kind '" + kind + "' returned no policy for " + who);
    // A policy acting on other spaces would read or write the wrong number of floats.
    if (*policy->observation_space() != *observation_space ||
        *policy->action_space() != *action_space) {
      throw ConfigError("the factory of kind '" + kind + "' built " + who + " with spaces " +
                        policy->observation_space()->to_string() + " -> " +
                        policy->action_space()->to_string() + ", but its agents have " +
                        observation_space->to_string() + " -> " + action_space->to_string());
    }
    return policy;
  }
  throw ConfigError(who + ": unknown policy kind '" + kind + "' (known kinds: " + kinds_list() +
                    ")");
}

}  // namespace phantom
