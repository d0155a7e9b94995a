// Context: what an agent knows and can do during one step — itself, the env view, its
// neighbours, and sending messages (as itself) to them.
#pragma once

#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/message.hpp"
#include "phantom/view.hpp"

namespace phantom {

class Agent;
class Network;

class Context {
 public:
  Context() = default;

  Agent& agent() const { return *agent_; }
  AgentIndex index() const { return index_; }
  const std::string& id() const;
  const EnvView& env_view() const { return *env_view_; }
  /// The env's generator. Agents draw from it in the env's fixed step order, so episodes are
  /// reproducible from the env's seed.
  nn::Rng& rng() const { return *rng_; }
  Network& network() const { return *network_; }

  /// Neighbour indices in connection order.
  const std::vector<AgentIndex>& neighbours() const;
  /// Neighbour ids in connection order (allocates; for tests and tools).
  std::vector<std::string> neighbour_ids() const;
  bool is_neighbour(const std::string& id) const;
  const std::string& id_of(AgentIndex index) const;
  /// All agent ids of the network, by index.
  const std::vector<std::string>& agent_ids() const { return *ids_; }

  /// Sends a message from this agent (checked by the network; see Network::send).
  template <class T>
  void send(AgentIndex to, const T& payload);
  template <class T>
  void send(const std::string& to, const T& payload);

 private:
  friend class ContextSet;
  Agent* agent_ = nullptr;
  Network* network_ = nullptr;
  const EnvView* env_view_ = nullptr;
  nn::Rng* rng_ = nullptr;
  const std::vector<std::string>* ids_ = nullptr;
  AgentIndex index_ = -1;
};

}  // namespace phantom
