// EnvSignature: the comparison of an env's strategic agents with the first env's.
#include "phantom/env_signature.hpp"

#include <algorithm>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

EnvSignature::EnvSignature(const PhantomEnv& env) {
  for (int i = 0; i < env.num_strategic(); ++i) {
    const StrategicAgent& a = env.strategic_agent(i);
    agents_.push_back({a.id(), typeid(a), a.type_name(), a.observation_space(), a.action_space()});
  }
}

std::string EnvSignature::difference(const PhantomEnv& env) const {
  const std::size_t n = static_cast<std::size_t>(env.num_strategic());
  std::vector<std::string> expected_ids, ids;
  for (const Entry& a : agents_) expected_ids.push_back(a.id);
  for (std::size_t i = 0; i < n; ++i) ids.push_back(env.strategic_agent_ids()[i]);

  // Position by position, in the order code indexes them: id, class, then spaces.
  for (std::size_t i = 0; i < std::min(n, agents_.size()); ++i) {
    const Entry& want = agents_[i];
    const StrategicAgent& got = env.strategic_agent(static_cast<int>(i));
    const std::string agent = "strategic agent " + std::to_string(i);
    if (got.id() != want.id) {
      std::string d = agent + " is '" + got.id() + "', expected '" + want.id + "'";
      std::vector<std::string> a = ids, b = expected_ids;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      if (a == b) d += " (the same agents in another order: " + quoted_list(ids) + ")";
      return d;
    }
    const std::string named = agent + " ('" + want.id + "')";
    if (std::type_index(typeid(got)) != want.type) {
      return named + " is a " + got.type_name() + ", expected a " + want.type_name;
    }
    if (!(*got.observation_space() == *want.observation_space)) {
      return named + " has observation space " + got.observation_space()->to_string() +
             ", expected " + want.observation_space->to_string();
    }
    if (!(*got.action_space() == *want.action_space)) {
      return named + " has action space " + got.action_space()->to_string() + ", expected " +
             want.action_space->to_string();
    }
  }
  const std::string count = std::to_string(n) + (n == 1 ? " strategic agent" : " strategic agents");
  if (n > agents_.size()) {
    return "it has " + count + ", expected " + std::to_string(agents_.size()) + " (extra: " +
           quoted_list({ids.begin() + static_cast<std::ptrdiff_t>(agents_.size()), ids.end()}) +
           ")";
  }
  if (n < agents_.size()) {
    return "it has " + count + ", expected " + std::to_string(agents_.size()) + " (missing: " +
           quoted_list(
               {expected_ids.begin() + static_cast<std::ptrdiff_t>(n), expected_ids.end()}) +
           ")";
  }
  return "";
}

void EnvSignature::check(const PhantomEnv& env, const std::string& who,
                         const std::string& which) const {
  const std::string d = difference(env);
  if (d.empty()) return;
  throw ConfigError(who + ": " + which + " differs from the first env the factory built: " + d +
                    "; every env of one factory must have the first env's strategic agents (ids, "
                    "classes, observation and action spaces) in the same order");
}

}  // namespace phantom
