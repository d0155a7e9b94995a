// PolicyMapping: which policy controls which agents (Python's Trainer `policies` argument).
//
// Each entry gives a policy id, the agents it controls and, optionally, a policy kind and a
// config. These are the six forms of Python Phantom (its Trainer), as a typed builder:
//
//   phantom::PolicyMapping m;                   // (each policy id once per mapping)
//   m.add("p1", phantom::agents_of_type<ShopAgent>());                     // agent type
//   m.add("p2", phantom::agent_ids({"S1", "S2"}));                         // agent ids
//   m.add("p3", "constant", phantom::agents_of_type<ShopAgent>());         // (kind, type)
//   m.add("p4", "constant", phantom::agents_of_type<ShopAgent>(), {{"order", "5"}});
//   m.add("p5", "constant", phantom::agent_ids({"S3"}));                   // (kind, ids)
//   m.add("p6", "constant", phantom::agent_ids({"S3"}), {{"order", "5"}});
//
// An entry without a kind uses the trainer's own policy (the one it trains). An entry with a
// kind uses the factory registered under that kind in a PolicyRegistry (policy_config.hpp), or
// the trainer's policy if the kind is the trainer's. Python's first two forms take no config;
// here any entry may have one (add(id, agents, config)): the trainer reads it, or rejects keys
// it does not know.
//
// The same mapping as text (docs/CONFIG.md has the full grammar, examples and every error):
//
//   # comment
//   shop  = type ShopAgent
//   shops = ids S1, S2
//   fixed = constant : type ShopAgent with order = 5
//   held  = constant : ids S3 with order = 5, noise = 0.1
//
//   entry    := policy_id "=" [ kind ":" ] selector [ "with" config ]      (one per line)
//   selector := "type" ClassName | "ids" agent_id { "," agent_id }
//   config   := key "=" value { "," key "=" value }
//
// Names are bare words or double-quoted strings; a line may end after a comma and continue on
// the next; `;` separates entries like a line break (for a mapping given on a command line).
// `type ShopAgent` selects the agents whose class is exactly ShopAgent (the class name without
// namespaces); agents_of_type<T>() in code also selects subclasses of T.
//
// resolve() checks the mapping against an env and the trainer's choices, and reports every
// problem as a ConfigError naming the policy and the agent (see resolve()).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "phantom/agent.hpp"
#include "phantom/policy.hpp"
#include "phantom/policy_config.hpp"
#include "phantom/space.hpp"
#include "phantom/type_id.hpp"

namespace phantom {

class PhantomEnv;

/// Which agents an entry of a PolicyMapping controls: the agents of a class, or a list of ids.
class AgentSelector {
 public:
  enum class Kind { type, ids };

  /// Agents for which `matches` holds; `type_name` names the class in text and messages.
  static AgentSelector of_type(std::string type_name, std::function<bool(const Agent&)> matches);
  /// The listed agents. Throws ConfigError if the list is empty, an id is empty or repeated.
  static AgentSelector of_ids(std::vector<std::string> ids);

  Kind kind() const { return kind_; }
  /// The class name of a type selector ("ShopAgent"); empty for ids.
  const std::string& type_name() const { return type_name_; }
  /// The ids of an ids selector; empty for a type selector.
  const std::vector<std::string>& ids() const { return ids_; }
  /// Whether a type selector selects `agent` (false for ids selectors).
  bool matches(const Agent& agent) const { return matches_ && matches_(agent); }
  /// The text form: "type ShopAgent" or "ids S1, S2".
  std::string to_text() const;

 private:
  AgentSelector() = default;

  Kind kind_ = Kind::ids;
  std::string type_name_;
  std::function<bool(const Agent&)> matches_;
  std::vector<std::string> ids_;
};

/// Every agent that is a T or derives from T (dynamic_cast).
template <class T>
AgentSelector agents_of_type() {
  static_assert(std::is_base_of<Agent, T>::value, "agents_of_type<T>: T must derive from Agent");
  return AgentSelector::of_type(unqualified(type_name<T>()), [](const Agent& a) {
    if constexpr (std::is_same<T, Agent>::value) {
      return true;  // (the cast would be a no-op that compilers warn about)
    } else {
      return dynamic_cast<const T*>(&a) != nullptr;
    }
  });
}

/// Every agent whose class name, without namespaces, is exactly `class_name` (subclasses are not
/// included: their names differ). This is what `type ClassName` means in text.
AgentSelector agents_of_type_named(std::string class_name);

/// The agents with these ids.
AgentSelector agent_ids(std::vector<std::string> ids);

/// One entry of a mapping, as given.
struct PolicyEntry {
  std::string policy_id;
  /// Empty: the trainer's policy kind.
  std::string kind;
  AgentSelector agents;
  PolicyConfig config;
};

/// A policy of a resolved mapping: what a trainer needs to build, run and train it.
struct ResolvedPolicy {
  std::string id;
  /// The kind: the entry's, or the trainer's kind for entries without one.
  std::string kind;
  /// Whether kind is the trainer's kind (the trainer builds the policy; else the registry does).
  bool of_trainer_kind = false;
  /// Whether it is in policies_to_train.
  bool trained = false;
  PolicyConfig config;
  /// The spaces shared by all its agents.
  SpacePtr observation_space;
  SpacePtr action_space;
  /// Its agents, in strategic-position order (the env's order), and their positions.
  std::vector<std::string> agent_ids;
  std::vector<int> strategic_positions;
};

/// A mapping checked against an env: every policy, and the policy of every strategic agent.
struct ResolvedPolicies {
  /// In the mapping's order.
  std::vector<ResolvedPolicy> policies;
  /// For each strategic position of the env, the index into `policies` of its policy.
  std::vector<int> policy_of_position;

  /// Index of the policy with this id, or -1.
  int index_of(const std::string& policy_id) const;
  /// The policy controlling the agent at strategic position `position`.
  const ResolvedPolicy& policy_for(int position) const;
};

/// The entries of a mapping, built in code (add) or read from text (parse).
class PolicyMapping {
 public:
  /// Forms 1 and 2: the trainer's policy for these agents (optionally with a config the
  /// trainer reads). Throws ConfigError on an empty or repeated policy id.
  PolicyMapping& add(const std::string& policy_id, AgentSelector agents, PolicyConfig config = {});
  /// Forms 3 to 6: a policy of `kind` for these agents, with an optional config. Throws
  /// ConfigError on an empty or repeated policy id or an empty kind.
  PolicyMapping& add(const std::string& policy_id, const std::string& kind, AgentSelector agents,
                     PolicyConfig config = {});

  const std::vector<PolicyEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  /// Reads the text form (see the top of this file). Throws ConfigError
  /// "<source_name>:<line>:<column>: ..." on a syntax error, a repeated policy id, a repeated
  /// config key or an agent listed twice in one entry.
  static PolicyMapping parse(const std::string& text,
                             const std::string& source_name = "<policy mapping>");
  /// The text form, one line per entry; parse(to_text()) gives the same entries (a type
  /// selector is written by class name, so it reads back as agents_of_type_named).
  std::string to_text() const;

  /// Assigns the env's strategic agents to the mapping's policies, without kinds or training:
  /// what a rollout needs, where every policy is given. Kinds are left as written (empty for
  /// the trainer's kind) and of_trainer_kind / trained are false. Throws ConfigError for the
  /// agent errors listed under resolve().
  ResolvedPolicies assign(const PhantomEnv& env) const;

  /// Checks the mapping against `env` and returns its policies. Throws ConfigError when
  ///  - trainer_kind is empty, or policies_to_train is empty or names a policy twice;
  ///  - an entry's kind is neither trainer_kind nor registered in `registry`;
  ///  - an id is not an agent of the env, or names an agent that takes no actions (not a
  ///    StrategicAgent: such agents need no policy);
  ///  - a type selector matches no strategic agent;
  ///  - an agent is selected by two entries;
  ///  - agents of one policy have different observation or action spaces;
  ///  - a strategic agent has no policy;
  ///  - policies_to_train names a policy that is not in the mapping or not of trainer_kind.
  /// Non-strategic agents matched by a type selector are skipped: they never need a policy.
  ResolvedPolicies resolve(const PhantomEnv& env, const std::string& trainer_kind,
                           const std::vector<std::string>& policies_to_train,
                           const PolicyRegistry& registry) const;

 private:
  void check_new_id(const std::string& policy_id) const;

  std::vector<PolicyEntry> entries_;
};

/// Builds, through `registry`, every resolved policy that is not of the trainer's kind; entries
/// of the trainer's kind are left null for the trainer to fill. Parallel to resolved.policies.
std::vector<std::shared_ptr<Policy>> create_registered_policies(const ResolvedPolicies& resolved,
                                                                const PolicyRegistry& registry);

}  // namespace phantom
