// Context: what an agent knows and can do during one step — itself, the env view, its
// neighbours, and sending messages (as itself) to them.
//
// Context::send is defined here, on top of Network::send (network.hpp sits below this header), so
// any header that hands out a Context (agent.hpp, decoder.hpp, encoder.hpp, reward.hpp) is enough
// for code that sends: a send compiles and links with no other include.
#pragma once

#include <cstdint>
#include <new>
#include <string>
#include <typeinfo>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/message.hpp"
#include "phantom/network.hpp"
#include "phantom/type_id.hpp"
#include "phantom/view.hpp"

namespace phantom {

class Agent;
class ContextSet;

/// What one agent knows and can do during one step. Small on purpose (24 bytes): a step walks the
/// contexts of all its agents, so what every agent shares (network, env view, generator) is kept
/// once, in the ContextSet, and a context holds only its own agent, index and views.
class Context {
 public:
  Context() = default;

  Agent& agent() const { return *agent_; }
  AgentIndex index() const { return index_; }
  const std::string& id() const;
  /// The env's view this step.
  const EnvView& env_view() const;
  /// The env's view as a V (EnvView or a struct derived from it). Throws ViewError naming both
  /// types if the env's view is not a V.
  template <class V>
  const V& env_view() const;
  /// The env's generator. Agents draw from it in the env's fixed step order, so episodes are
  /// reproducible from the env's seed.
  nn::Rng& rng() const;
  Network& network() const;

  /// Neighbour indices in connection order (a range to iterate or index; Network::neighbours
  /// gives the same as a vector).
  AgentRange neighbours() const;
  /// Neighbour ids in connection order (allocates; for tests and tools).
  std::vector<std::string> neighbour_ids() const;
  bool is_neighbour(const std::string& id) const;
  const std::string& id_of(AgentIndex index) const;
  /// All agent ids of the network, by index.
  const std::vector<std::string>& agent_ids() const;

  /// The view `neighbour` showed this agent when the step's contexts were built (see
  /// view.hpp), or nullptr if it shows none. Throws ViewError if `neighbour` is not a neighbour
  /// of this agent, or if its view is not a V.
  template <class V>
  const V* view(AgentIndex neighbour) const {
    return std::launder(static_cast<const V*>(view_bytes(neighbour, type_id<V>(), typeid(V))));
  }
  template <class V>
  const V* view(const std::string& neighbour) const {
    return view<V>(index_of_neighbour(neighbour));
  }

  /// Sends a message from this agent (checked by the network; see Network::send).
  template <class T>
  void send(AgentIndex to, const T& payload);
  template <class T>
  void send(const std::string& to, const T& payload);

 private:
  friend class ContextSet;
  const void* view_bytes(AgentIndex neighbour, TypeId type, const std::type_info& wanted) const;
  AgentIndex index_of_neighbour(const std::string& id) const;
  [[noreturn]] void throw_env_view_type(const std::type_info& wanted) const;

  Agent* agent_ = nullptr;
  const ContextSet* set_ = nullptr;  // the network, env view and generator of every context
  uint32_t first_view_slot_ = 0;     // neighbour views: set_->slots_[first...], or kNoViews
  AgentIndex index_ = -1;
};

/// The contexts of one step: at most one per agent, reused from step to step, and the snapshot
/// of the agent views they hold.
class ContextSet {
 public:
  /// Forgets all contexts (keeps memory) and sizes the set for `network`. `env_view` is what
  /// Context::env_view() returns and must outlive the contexts (null: a default EnvView); `rng`
  /// is what Context::rng() returns (the env's generator; may be null outside an env).
  void clear(Network& network, const EnvView* env_view = nullptr, nn::Rng* rng = nullptr);
  /// Builds (or rebuilds) the context of agent `index`, snapshotting its neighbours' views.
  /// Contexts keep their addresses from one clear() to the next for the same network.
  Context& add(AgentIndex index);
  /// The context of `index`, or nullptr if it has none this step.
  Context* find(AgentIndex index) {
    return index >= 0 && static_cast<std::size_t>(index) < present_.size() && present_[index]
               ? &contexts_[index]
               : nullptr;
  }
  /// Agents with a context, in the order they were added.
  const std::vector<AgentIndex>& order() const { return order_; }
  /// Whether some agent of the network shows a view (then every step retakes the snapshots).
  bool has_views() const { return any_provider_; }

 private:
  friend class Context;
  /// Where one neighbour's view lies in the arena (type null: that neighbour shows no view).
  struct ViewSlot {
    TypeId type;
    std::size_t offset;
  };
  /// Context::first_view_slot_ of an agent none of whose neighbours shows a view (it has no
  /// slots).
  static constexpr uint32_t kNoViews = UINT32_MAX;
  /// Finds which agents show views (once per network; agents' types never change).
  void find_view_providers();
  void snapshot_views(Context& ctx);

  Network* network_ = nullptr;
  const EnvView* env_view_ = nullptr;
  EnvView default_view_;
  nn::Rng* rng_ = nullptr;
  std::vector<Context> contexts_;
  std::vector<char> present_;
  std::vector<AgentIndex> order_;
  // Agent views: providers_ is per network index (null: no view); the arena holds the step's
  // snapshots, each at an offset aligned for its type.
  const Network* providers_network_ = nullptr;
  std::vector<const ViewProvider*> providers_;
  bool any_provider_ = false;
  std::vector<ViewSlot> slots_;
  std::vector<unsigned char> arena_;  // never shrinks; the step's snapshots use [0, arena_used_)
  std::size_t arena_used_ = 0;
};

// Context's accessors read what all contexts share from their set (defined here, after it).
inline const EnvView& Context::env_view() const {
  return *set_->env_view_;
}
inline nn::Rng& Context::rng() const {
  return *set_->rng_;
}
inline Network& Context::network() const {
  return *set_->network_;
}
inline const std::vector<std::string>& Context::agent_ids() const {
  return set_->network_->agent_ids();
}

template <class T>
void Context::send(AgentIndex to, const T& payload) {
  set_->network_->send(index_, to, payload);
}

template <class T>
void Context::send(const std::string& to, const T& payload) {
  Network& net = *set_->network_;
  net.send(index_, net.index_of(to), payload);
}

template <class V>
const V& Context::env_view() const {
  // Most envs hand out exactly the type asked for: one type comparison instead of a
  // dynamic_cast at every call (agents read the env view at every step).
  if (typeid(*set_->env_view_) == typeid(V)) return static_cast<const V&>(*set_->env_view_);
  const V* typed = dynamic_cast<const V*>(set_->env_view_);
  if (!typed) throw_env_view_type(typeid(V));
  return *typed;
}

}  // namespace phantom
