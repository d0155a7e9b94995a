// EnvSignature: what every env built by one factory must share with the first.
//
// A trainer, a rollout worker or a rollout runner calls the env factory many times (one probe env
// to resolve the policy mapping, then one env per sub-env or grid point) and sizes everything
// from the first env: the mapping from agent positions to policies, the observation and action
// buffers, the per-agent statistics. An env with other agents, agents in another order, or other
// spaces would make that bookkeeping read and write past its arrays. So each later env is
// compared with the first one's signature (its strategic agents: id, class, observation space,
// action space, in order) as soon as it is built, and a difference is a ConfigError naming it.
//
//   phantom::EnvSignature first(*probe);
//   first.check(*make_env(config), "rollout", "the env built for grid point 3");
#pragma once

#include <string>
#include <typeindex>
#include <vector>

#include "phantom/env.hpp"

namespace phantom {

/// The strategic agents of an env as code sized from it relies on them: for each position, the
/// agent's id, its class and its observation and action spaces.
class EnvSignature {
 public:
  /// An empty signature (no agents); check() against it fails for any env with agents.
  EnvSignature() = default;
  /// The signature of `env` as it is now (its strategic agents do not change after construction).
  explicit EnvSignature(const PhantomEnv& env);

  /// The first difference between `env`'s strategic agents and these, as a phrase ("strategic
  /// agent 1 has id 'b', expected 'a'"), or "" when they match.
  std::string difference(const PhantomEnv& env) const;

  /// Throws ConfigError when `env` differs: "<who>: <which> differs from the first env the factory
  /// built: <difference>; ...". `who` names the caller ("PPO trainer"), `which` the env ("sub-env
  /// 2").
  void check(const PhantomEnv& env, const std::string& who, const std::string& which) const;

 private:
  struct Entry {
    std::string id;
    std::type_index type = typeid(void);
    std::string type_name;
    SpacePtr observation_space, action_space;
  };
  std::vector<Entry> agents_;
};

}  // namespace phantom
