// Policy configuration and the registry of policy kinds.
//
// A policy that is not the trainer's own (a fixed rule, a scripted opponent, a loaded network...)
// is named by its *kind*, a string, and built by the factory user code registered under that
// kind, from the agents' spaces and the policy's config:
//
//   phantom::PolicyRegistry registry;
//   registry.add("constant", [](phantom::SpacePtr obs, phantom::SpacePtr act,
//                               const phantom::PolicyConfig& config) {
//     config.check_known_keys({"order"});
//     return std::make_shared<ConstantPolicy>(obs, act, config.get_double("order", 0.0));
//   });
//
// Config values are strings, as they come from a config file or a command line; the typed
// getters convert them and throw ConfigError naming the policy and the key when they cannot.
// There is no global registry: a trainer (or a test) owns one and passes it explicitly.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "phantom/policy.hpp"
#include "phantom/space.hpp"

namespace phantom {

/// A policy's configuration: string keys to string values, in insertion order.
class PolicyConfig {
 public:
  PolicyConfig() = default;
  /// Throws ConfigError on an empty or repeated key.
  PolicyConfig(std::initializer_list<std::pair<std::string, std::string>> items);

  /// Sets `key` (replacing its value if present, else appending). Throws ConfigError if empty.
  void set(const std::string& key, std::string value);
  bool has(const std::string& key) const { return find(key) != nullptr; }
  /// The value of `key`, or null.
  const std::string* find(const std::string& key) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }

  /// The policy this config belongs to, named in error messages (the mapping sets it).
  const std::string& policy_id() const { return policy_id_; }
  void set_policy_id(std::string id) { policy_id_ = std::move(id); }

  // Typed getters. With a default, a missing key gives the default; without one, a missing key
  // is a ConfigError. A value that does not convert is always a ConfigError naming the policy,
  // the key and the value.

  /// A number in the strict syntax of nn/parse_number.hpp ("0.5", "-1e3", "inf"; not " 5",
  /// "+5" or "0x10").
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double fallback) const;
  /// A decimal integer ("5", "-3"; not "5.0", "1e3", " 5" or "+5"), within int64.
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  /// "true" / "false" (also "1" / "0").
  bool get_bool(const std::string& key) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;

  /// Throws ConfigError naming the first key not in `known` (and listing the known ones), so a
  /// misspelt option is an error rather than silently ignored. Factories call it first.
  void check_known_keys(const std::vector<std::string>& known) const;

 private:
  /// The value of a key that must be present.
  const std::string& required(const std::string& key) const;
  [[noreturn]] void throw_bad_value(const std::string& key, const std::string& value,
                                    const char* expected) const;
  /// "policy 'p'", or "policy config" when the config belongs to no policy yet.
  std::string owner() const;

  std::vector<std::pair<std::string, std::string>> items_;
  std::string policy_id_;
};

/// Builds a policy of one kind for agents with these spaces, configured by `config`.
using PolicyFactory = std::function<std::shared_ptr<Policy>(
    SpacePtr observation_space, SpacePtr action_space, const PolicyConfig& config)>;

/// Policy kinds by name. Kinds are kept in registration order (error messages list them so).
class PolicyRegistry {
 public:
  /// Registers `factory` under `kind`. Throws ConfigError if the kind is empty or already
  /// registered, or if the factory is empty.
  void add(const std::string& kind, PolicyFactory factory);
  bool has(const std::string& kind) const;
  /// The registered kinds, in registration order.
  std::vector<std::string> kinds() const;

  /// Builds a policy of `kind`. Throws ConfigError naming the policy (config.policy_id()) and
  /// listing the known kinds if `kind` is not registered, or if the factory returns null or a
  /// policy whose spaces are not the ones it was given.
  std::shared_ptr<Policy> create(const std::string& kind, const SpacePtr& observation_space,
                                 const SpacePtr& action_space, const PolicyConfig& config) const;

  /// "constant, random" (or "none" when empty), for error messages.
  std::string kinds_list() const;

 private:
  std::vector<std::pair<std::string, PolicyFactory>> factories_;
};

}  // namespace phantom
