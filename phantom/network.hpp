// Network: the agents, who is connected to whom, and message sending.
//
// Agents are kept in insertion order and interned to dense indices (AgentIndex), so the step loop
// never hashes strings. Connections are undirected (each is two directed edges, as in Python
// Phantom); an agent's neighbours are listed in connection order, and the check every send makes
// ("is s connected to r") costs the same whatever the network's size (network_neighbours.hpp).
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "phantom/agent_arena.hpp"
#include "phantom/error.hpp"
#include "phantom/network_neighbours.hpp"
#include "phantom/resolver.hpp"

namespace phantom {

// The network holds agents and runs the resolver over a step's contexts only through pointers and
// references, so it needs neither class in full. That keeps this header below context.hpp, which
// includes it to define Context::send, and below agent.hpp (code that calls an Agent's members
// through the network includes agent.hpp).
class Agent;
class ContextSet;

struct NetworkOptions {
  /// Sends along missing connections are queued anyway (and dropped at delivery) instead of
  /// throwing NetworkError.
  bool ignore_connection_errors = false;
  /// Check payloads' Senders/Receivers restrictions on every send.
  bool enforce_payload_rules = true;
};

class Network {
 public:
  /// With no resolver, a BatchResolver with the default options (a round limit of 10,000).
  explicit Network(std::unique_ptr<Resolver> resolver = nullptr, NetworkOptions options = {});
  virtual ~Network() = default;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // ---- Agents ----
  /// Adds an agent; a duplicate id throws NetworkError.
  Agent& add_agent(std::shared_ptr<Agent> agent);
  /// Constructs an agent in place: net.emplace<Shop>("SHOP"). Agents made this way lie one after
  /// the other in memory (agent_arena.hpp), which a step over thousands of them needs.
  template <class A, class... Args>
  A& emplace(Args&&... args) {
    if (!arena_) arena_ = std::make_shared<AgentArena>();
    auto agent = std::allocate_shared<A>(ArenaAllocator<A>(arena_), std::forward<Args>(args)...);
    A& ref = *agent;
    add_agent(std::move(agent));
    return ref;
  }

  int32_t size() const { return static_cast<int32_t>(agents_.size()); }
  const std::vector<std::string>& agent_ids() const { return ids_; }
  bool contains(const std::string& id) const { return index_.count(id) != 0; }
  /// Throws NetworkError naming the id if there is no such agent.
  AgentIndex index_of(const std::string& id) const;
  const std::string& id_of(AgentIndex index) const { return ids_[static_cast<std::size_t>(index)]; }
  Agent& agent(AgentIndex index) const { return *agents_[static_cast<std::size_t>(index)]; }
  Agent& operator[](const std::string& id) const { return agent(index_of(id)); }
  /// The index of agent `id`, or -1 if there is none (for callers with their own error).
  AgentIndex find_index(const std::string& id) const;

  /// Agents for which pred(agent) holds, in insertion order.
  std::vector<Agent*> agents_where(const std::function<bool(const Agent&)>& pred) const;
  /// Agents that are (or derive from) T / that are not, in insertion order.
  template <class T>
  std::vector<T*> agents_with_type() const {
    std::vector<T*> out;
    for (const auto& a : agents_)
      if (auto* t = dynamic_cast<T*>(a.get())) out.push_back(t);
    return out;
  }
  template <class T>
  std::vector<Agent*> agents_without_type() const {
    if constexpr (std::is_base_of_v<T, Agent>) {
      return {};  // every agent is a T
    } else {
      return agents_where([](const Agent& a) { return dynamic_cast<const T*>(&a) == nullptr; });
    }
  }

  // ---- Connections ----
  /// Connects a and b both ways. Unknown ids and a self-connection (a == b; see
  /// check_connection) throw NetworkError.
  virtual void add_connection(const std::string& a, const std::string& b);
  void add_connections_from(const std::vector<std::pair<std::string, std::string>>& pairs);
  /// Connects every agent of `us` with every agent of `vs`.
  void add_connections_between(const std::vector<std::string>& us,
                               const std::vector<std::string>& vs);
  /// Connects ids[i] and ids[j] where matrix[i][j] > 0. The matrix must be square, as large as
  /// `ids`, symmetric and hollow (diagonal entries below 1e-5 in magnitude, as in Python), and
  /// every connection it makes must pass check_connection (so no positive diagonal entry),
  /// else NetworkError saying which; nothing is connected then.
  void add_connections_with_adjacency_matrix(const std::vector<std::string>& ids,
                                             const std::vector<std::vector<double>>& matrix);
  /// Whether sender -> receiver is a connection. Every send checks it: O(1) whatever the size of
  /// the network and the degree of the sender (see network_neighbours.hpp). Connections are
  /// undirected, so either end can answer; when only the receiver is a hub, the hub's table does.
  /// Then thousands of small agents sending to a hub (or a hub answering them: it is the sender)
  /// read the hub's table, which stays in cache, and none of their own memory.
  bool has_edge(AgentIndex sender, AgentIndex receiver) const {
    const auto s = static_cast<std::size_t>(sender), r = static_cast<std::size_t>(receiver);
    if (is_hub_[r] && !is_hub_[s]) return neighbours_[r].contains(sender);
    return neighbours_[s].contains(receiver);
  }
  bool has_edge(const std::string& sender, const std::string& receiver) const;
  /// The position of `neighbour` in neighbours(index), or -1 if it is not a neighbour of `index`:
  /// O(1) like has_edge, which it answers too.
  int32_t neighbour_position(AgentIndex index, AgentIndex neighbour) const {
    return neighbours_[static_cast<std::size_t>(index)].find(neighbour);
  }
  /// Neighbours of `index` in connection order.
  const std::vector<AgentIndex>& neighbours(AgentIndex index) const {
    return neighbours_[static_cast<std::size_t>(index)].list();
  }
  /// The same, read in place: for an agent with few neighbours, from its Neighbours object and
  /// not from the list's heap block (see network_neighbours.hpp). What a step iterates over.
  AgentRange neighbour_range(AgentIndex index) const {
    return neighbours_[static_cast<std::size_t>(index)].range();
  }

  // ---- Messages ----
  /// Queues a message. Throws NetworkError if there is no connection (unless connection errors
  /// are ignored) or if the payload's Senders/Receivers rules reject the agents' types.
  template <class T>
  void send(AgentIndex sender, AgentIndex receiver, const T& payload) {
    const PayloadRules& rules = payload_rules<T>();
    check_send(sender, receiver, rules);
    resolver_->push(sender, receiver, type_id<T>(), rules.name.c_str(), &payload, sizeof(T));
  }
  template <class T>
  void send(const std::string& sender, const std::string& receiver, const T& payload) {
    send(index_of(sender), index_of(receiver), payload);
  }

  /// Runs the resolver over `contexts` (see Resolver::resolve).
  void resolve(ContextSet& contexts, nn::Rng& rng) { resolver_->resolve(*this, contexts, rng); }
  Resolver& resolver() const { return *resolver_; }
  const NetworkOptions& options() const { return options_; }
  /// A new Network of `id` and its neighbours (the same agent objects, in this network's order),
  /// the connections among them, the same options and a fresh copy of the resolver (Python's
  /// subnet_for). Throws NetworkError for an unknown id, ConfigError if the resolver cannot be
  /// copied (see Resolver::fresh_copy).
  std::unique_ptr<Network> subnet_for(const std::string& id) const;

  /// Episode start: drops pending messages and resets every agent in insertion order.
  virtual void reset(nn::Rng& rng);

 protected:
  /// The rule every new connection passes, whichever way it is made: two different agents (a
  /// self-connection would have an agent message itself, which no model needs). Throws
  /// NetworkError naming the agent otherwise.
  void check_connection(AgentIndex a, AgentIndex b) const;
  /// Connects a and b both ways (b joins a's neighbours and a joins b's) unless they are
  /// connected already: a repeated connection adds nothing, as in a graph's edge set. The only
  /// way edges are made, so every connection is undirected (has_edge relies on it).
  void add_edge(AgentIndex a, AgentIndex b);
  /// Removes every connection (a stochastic network redraws them at every reset).
  void clear_edges();

 private:
  void check_send(AgentIndex sender, AgentIndex receiver, const PayloadRules& rules) const {
    bool connected = options_.ignore_connection_errors || has_edge(sender, receiver);
    bool rules_ok = rules.unrestricted || !options_.enforce_payload_rules ||
                    rules_allow(sender, receiver, rules);
    if (!connected || !rules_ok) throw_send_error(sender, receiver, rules);
  }
  [[noreturn]] void throw_send_error(AgentIndex sender, AgentIndex receiver,
                                     const PayloadRules& rules) const;

  // Whether `sender` may send and `receiver` may receive payloads with these rules. Agent types
  // never change, so the dynamic_casts behind a rule run once per (payload type, agent); after
  // that a verdict is one byte in a table row per payload type.
  enum Verdict : uint8_t { kKnown = 1, kCanSend = 2, kCanReceive = 4 };
  bool rules_allow(AgentIndex sender, AgentIndex receiver, const PayloadRules& rules) const {
    if (rules.index < verdicts_.size()) {
      const uint8_t* row = verdicts_[rules.index].data();  // one byte per agent
      uint8_t vs = row[sender], vr = row[receiver];
      if ((vs & vr & kKnown) != 0) return (vs & kCanSend) != 0 && (vr & kCanReceive) != 0;
    }
    return first_verdicts(sender, receiver, rules);
  }
  // Computes and caches the verdicts of both agents (out of line: it runs once per pair).
  bool first_verdicts(AgentIndex sender, AgentIndex receiver, const PayloadRules& rules) const;
  uint8_t verdict(AgentIndex agent, const PayloadRules& rules) const;

  std::unique_ptr<Resolver> resolver_;
  NetworkOptions options_;
  std::vector<std::shared_ptr<Agent>> agents_;
  std::shared_ptr<AgentArena> arena_;  // where emplace() puts agents (made on first use)
  std::vector<std::string> ids_;
  std::unordered_map<std::string, AgentIndex> index_;
  // Each agent's outgoing connections: the one owner of "is s connected to r" (has_edge) and of
  // the neighbours' order.
  std::vector<Neighbours> neighbours_;
  // Per agent: 1 if its Neighbours keeps a table (a hub), so that has_edge can pick the end that
  // answers without reading either agent's Neighbours.
  std::vector<uint8_t> is_hub_;
  // verdicts_[payload index][agent]: Verdict bits, 0 until computed. Every row has one byte per
  // agent; rows are added when a payload type with a higher index is first checked.
  mutable std::vector<std::vector<uint8_t>> verdicts_;
};

}  // namespace phantom
