// PolicyMapping: the builder, agent selectors, and resolution against an env.
#include "phantom/policy_mapping.hpp"

#include <algorithm>
#include <utility>

#include "nn/error.hpp"
#include "phantom/config_lexer.hpp"
#include "phantom/env.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

std::string class_of(const Agent& agent) {
  return unqualified(agent.type_name());
}

// The distinct class names of the env's agents, in network order.
std::vector<std::string> agent_classes(const Network& network) {
  std::vector<std::string> out;
  for (AgentIndex i = 0; i < network.size(); ++i) {
    std::string name = class_of(network.agent(i));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

std::string policy_label(const std::string& id) {
  return "policy '" + id + "'";
}

// The strategic positions an entry selects, in selection order.
std::vector<int> select_positions(const PhantomEnv& env, const PolicyEntry& entry) {
  const Network& network = env.network();
  const AgentSelector& selector = entry.agents;
  std::vector<int> positions;
  if (selector.kind() == AgentSelector::Kind::ids) {
    for (const std::string& id : selector.ids()) {
      if (!network.contains(id)) {
        throw ConfigError(policy_label(entry.policy_id) + ": unknown agent id '" + id +
                          "' (agents: " + list_names(network.agent_ids()) + ")");
      }
      const Agent& agent = network[id];
      if (!dynamic_cast<const StrategicAgent*>(&agent)) {
        throw ConfigError(policy_label(entry.policy_id) + ": agent '" + id + "' (" +
                          class_of(agent) +
                          ") takes no actions, so it needs no policy; remove it from the mapping");
      }
      positions.push_back(env.strategic_position(id));
    }
    return positions;
  }
  std::vector<std::string> passive;  // matching agents that take no actions
  for (AgentIndex i = 0; i < network.size(); ++i) {
    const Agent& agent = network.agent(i);
    if (!selector.matches(agent)) continue;
    if (dynamic_cast<const StrategicAgent*>(&agent)) {
      positions.push_back(env.strategic_position(agent.id()));
    } else {
      passive.push_back(agent.id());
    }
  }
  if (positions.empty() && passive.empty()) {
    throw ConfigError(policy_label(entry.policy_id) + ": no agent of type " + selector.type_name() +
                      " in the env (agent types: " + list_names(agent_classes(network)) + ")");
  }
  if (positions.empty()) {
    throw ConfigError(policy_label(entry.policy_id) + ": the agents of type " +
                      selector.type_name() + " (" + list_names(passive) +
                      ") take no actions, so they need no policy");
  }
  return positions;
}

// Throws unless every agent of the policy has the spaces of its first agent.
void check_shared_spaces(const PhantomEnv& env, const ResolvedPolicy& policy) {
  const StrategicAgent& first = env.strategic_agent(policy.strategic_positions.front());
  for (std::size_t k = 1; k < policy.strategic_positions.size(); ++k) {
    const StrategicAgent& other = env.strategic_agent(policy.strategic_positions[k]);
    const char* which = nullptr;
    const Space* a = nullptr;
    const Space* b = nullptr;
    if (*other.observation_space() != *first.observation_space()) {
      which = "observation";
      a = first.observation_space().get();
      b = other.observation_space().get();
    } else if (*other.action_space() != *first.action_space()) {
      which = "action";
      a = first.action_space().get();
      b = other.action_space().get();
    }
    if (which) {
      throw ConfigError(policy_label(policy.id) + ": its agents '" + first.id() + "' and '" +
                        other.id() + "' have different " + which + " spaces (" + a->to_string() +
                        " and " + b->to_string() + "), so they cannot share one policy");
    }
  }
}

void check_policies_to_train(const std::string& trainer_kind,
                             const std::vector<std::string>& policies_to_train) {
  if (trainer_kind.empty())
    throw ConfigError("PolicyMapping::resolve: the trainer's kind is empty");
  if (policies_to_train.empty()) {
    throw ConfigError(
        "policies_to_train is empty: name at least one policy of the trainer's kind '" +
        trainer_kind + "' to train");
  }
  for (std::size_t i = 0; i < policies_to_train.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (policies_to_train[i] == policies_to_train[j]) {
        throw ConfigError("policies_to_train names policy '" + policies_to_train[i] + "' twice");
      }
    }
  }
}

}  // namespace

// ---- AgentSelector ----

AgentSelector AgentSelector::of_type(std::string type_name,
                                     std::function<bool(const Agent&)> matches) {
  if (type_name.empty()) throw ConfigError("agent selector: the type name must not be empty");
  if (!matches) throw ConfigError("agent selector for type " + type_name + ": no predicate");
  AgentSelector s;
  s.kind_ = Kind::type;
  s.type_name_ = std::move(type_name);
  s.matches_ = std::move(matches);
  return s;
}

AgentSelector AgentSelector::of_ids(std::vector<std::string> ids) {
  if (ids.empty()) throw ConfigError("agent selector: the list of agent ids is empty");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) throw ConfigError("agent selector: an agent id is empty");
    for (std::size_t j = 0; j < i; ++j) {
      if (ids[i] == ids[j]) {
        throw ConfigError("agent selector: agent '" + ids[i] + "' is listed twice");
      }
    }
  }
  AgentSelector s;
  s.kind_ = Kind::ids;
  s.ids_ = std::move(ids);
  return s;
}

std::string AgentSelector::to_text() const {
  if (kind_ == Kind::type) return "type " + config_quote(type_name_);
  std::string out = "ids ";
  for (std::size_t i = 0; i < ids_.size(); ++i) out += (i ? ", " : "") + config_quote(ids_[i]);
  return out;
}

AgentSelector agents_of_type_named(std::string class_name) {
  std::string name = class_name;
  return AgentSelector::of_type(std::move(class_name),
                                [name](const Agent& a) { return class_of(a) == name; });
}

AgentSelector agent_ids(std::vector<std::string> ids) {
  return AgentSelector::of_ids(std::move(ids));
}

// ---- ResolvedPolicies ----

int ResolvedPolicies::index_of(const std::string& policy_id) const {
  for (std::size_t i = 0; i < policies.size(); ++i)
    if (policies[i].id == policy_id) return static_cast<int>(i);
  return -1;
}

const ResolvedPolicy& ResolvedPolicies::policy_for(int position) const {
  if (position < 0 || static_cast<std::size_t>(position) >= policy_of_position.size()) {
    throw ValueError("ResolvedPolicies::policy_for: strategic position " +
                     std::to_string(position) + " out of range [0, " +
                     std::to_string(policy_of_position.size()) + ")");
  }
  return policies[static_cast<std::size_t>(policy_of_position[static_cast<std::size_t>(position)])];
}

// ---- PolicyMapping ----

void PolicyMapping::check_new_id(const std::string& policy_id) const {
  if (policy_id.empty()) throw ConfigError("PolicyMapping: a policy id must not be empty");
  for (const PolicyEntry& e : entries_) {
    if (e.policy_id == policy_id) {
      throw ConfigError("PolicyMapping: policy '" + policy_id + "' is defined twice");
    }
  }
}

PolicyMapping& PolicyMapping::add(const std::string& policy_id, AgentSelector agents,
                                  PolicyConfig config) {
  check_new_id(policy_id);
  config.set_policy_id(policy_id);
  entries_.push_back({policy_id, "", std::move(agents), std::move(config)});
  return *this;
}

PolicyMapping& PolicyMapping::add(const std::string& policy_id, const std::string& kind,
                                  AgentSelector agents, PolicyConfig config) {
  check_new_id(policy_id);
  if (kind.empty()) {
    throw ConfigError("PolicyMapping: policy '" + policy_id +
                      "' has an empty kind (leave the kind out for the trainer's policy)");
  }
  config.set_policy_id(policy_id);
  entries_.push_back({policy_id, kind, std::move(agents), std::move(config)});
  return *this;
}

ResolvedPolicies PolicyMapping::assign(const PhantomEnv& env) const {
  ResolvedPolicies out;
  out.policy_of_position.assign(static_cast<std::size_t>(env.num_strategic()), -1);
  for (const PolicyEntry& entry : entries_) {
    ResolvedPolicy policy;
    policy.id = entry.policy_id;
    policy.kind = entry.kind;
    policy.config = entry.config;
    int index = static_cast<int>(out.policies.size());
    policy.strategic_positions = select_positions(env, entry);
    for (int pos : policy.strategic_positions) {
      int& owner = out.policy_of_position[static_cast<std::size_t>(pos)];
      if (owner >= 0) {
        throw ConfigError("agent '" + env.strategic_agent(pos).id() + "' is mapped twice: by " +
                          policy_label(out.policies[static_cast<std::size_t>(owner)].id) +
                          " and by " + policy_label(policy.id));
      }
      owner = index;
    }
    std::sort(policy.strategic_positions.begin(), policy.strategic_positions.end());
    for (int pos : policy.strategic_positions)
      policy.agent_ids.push_back(env.strategic_agent(pos).id());
    check_shared_spaces(env, policy);
    const StrategicAgent& first = env.strategic_agent(policy.strategic_positions.front());
    policy.observation_space = first.observation_space();
    policy.action_space = first.action_space();
    out.policies.push_back(std::move(policy));
  }
  for (int pos = 0; pos < env.num_strategic(); ++pos) {
    if (out.policy_of_position[static_cast<std::size_t>(pos)] < 0) {
      throw ConfigError("agent '" + env.strategic_agent(pos).id() +
                        "' takes actions but is not assigned a policy (map it by id or by type)");
    }
  }
  return out;
}

ResolvedPolicies PolicyMapping::resolve(const PhantomEnv& env, const std::string& trainer_kind,
                                        const std::vector<std::string>& policies_to_train,
                                        const PolicyRegistry& registry) const {
  check_policies_to_train(trainer_kind, policies_to_train);
  // Kinds first, so an unknown kind is reported before problems with the agents.
  for (const PolicyEntry& entry : entries_) {
    const std::string& kind = entry.kind.empty() ? trainer_kind : entry.kind;
    if (kind != trainer_kind && !registry.has(kind)) {
      throw ConfigError(policy_label(entry.policy_id) + ": unknown policy kind '" + kind +
                        "' (known kinds: '" + trainer_kind + "' (the trainer's), " +
                        registry.kinds_list() + ")");
    }
  }
  ResolvedPolicies out = assign(env);
  for (ResolvedPolicy& policy : out.policies) {
    if (policy.kind.empty()) policy.kind = trainer_kind;
    policy.of_trainer_kind = policy.kind == trainer_kind;
  }
  for (const std::string& id : policies_to_train) {
    int index = out.index_of(id);
    if (index < 0) {
      std::vector<std::string> ids;
      for (const ResolvedPolicy& p : out.policies) ids.push_back(p.id);
      throw ConfigError("policies_to_train names '" + id +
                        "', which is not a policy of the mapping (policies: " + list_names(ids) +
                        ")");
    }
    ResolvedPolicy& policy = out.policies[static_cast<std::size_t>(index)];
    if (!policy.of_trainer_kind) {
      throw ConfigError(policy_label(id) + " in policies_to_train must be of the trainer's kind '" +
                        trainer_kind + "', not '" + policy.kind + "'");
    }
    policy.trained = true;
  }
  return out;
}

std::vector<std::shared_ptr<Policy>> create_registered_policies(const ResolvedPolicies& resolved,
                                                                const PolicyRegistry& registry) {
  std::vector<std::shared_ptr<Policy>> out;
  out.reserve(resolved.policies.size());
  for (const ResolvedPolicy& p : resolved.policies) {
    out.push_back(p.of_trainer_kind
                      ? nullptr
                      : registry.create(p.kind, p.observation_space, p.action_space, p.config));
  }
  return out;
}

}  // namespace phantom
