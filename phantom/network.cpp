// Network: agents, connections, send checks.
#include "phantom/network.hpp"

#include <cmath>

#include "phantom/agent.hpp"

namespace phantom {

Network::Network(std::unique_ptr<Resolver> resolver, NetworkOptions options)
    : resolver_(resolver ? std::move(resolver) : std::make_unique<BatchResolver>()),
      options_(options) {}

Agent& Network::add_agent(std::shared_ptr<Agent> agent) {
  if (!agent) throw NetworkError("add_agent: null agent");
  const std::string& id = agent->id();
  if (index_.count(id) != 0) {
    throw NetworkError("add_agent: an agent with id '" + id + "' already exists (" +
                       agents_[static_cast<std::size_t>(index_.at(id))]->to_string() + ")");
  }
  auto index = static_cast<AgentIndex>(agents_.size());
  index_.emplace(id, index);
  ids_.push_back(id);
  agents_.push_back(std::move(agent));
  neighbours_.emplace_back();
  is_hub_.push_back(0);
  for (auto& row : verdicts_) row.push_back(0);
  return *agents_.back();
}

AgentIndex Network::index_of(const std::string& id) const {
  auto it = index_.find(id);
  if (it == index_.end()) throw NetworkError("no agent with id '" + id + "' in the network");
  return it->second;
}

AgentIndex Network::find_index(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

std::vector<Agent*> Network::agents_where(const std::function<bool(const Agent&)>& pred) const {
  std::vector<Agent*> out;
  for (const auto& a : agents_)
    if (pred(*a)) out.push_back(a.get());
  return out;
}

void Network::add_edge(AgentIndex a, AgentIndex b) {
  for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    Neighbours& n = neighbours_[static_cast<std::size_t>(from)];
    n.insert(to);
    is_hub_[static_cast<std::size_t>(from)] = n.has_table() ? 1 : 0;
  }
}

void Network::clear_edges() {
  // A hub keeps its (emptied) table, so it stays a hub: is_hub_ needs no update.
  for (auto& n : neighbours_) n.clear();
}

uint8_t Network::verdict(AgentIndex agent, const PayloadRules& rules) const {
  if (rules.index >= verdicts_.size()) {
    verdicts_.resize(rules.index + 1, std::vector<uint8_t>(agents_.size(), 0));
  }
  uint8_t& v = verdicts_[rules.index][static_cast<std::size_t>(agent)];
  if (v == 0) {
    const Agent& a = *agents_[static_cast<std::size_t>(agent)];
    v = static_cast<uint8_t>(kKnown | (rules.sender_allowed(a) ? kCanSend : 0) |
                             (rules.receiver_allowed(a) ? kCanReceive : 0));
  }
  return v;
}

bool Network::first_verdicts(AgentIndex sender, AgentIndex receiver,
                             const PayloadRules& rules) const {
  return (verdict(sender, rules) & kCanSend) != 0 && (verdict(receiver, rules) & kCanReceive) != 0;
}

void Network::check_connection(AgentIndex a, AgentIndex b) const {
  if (a == b) {
    throw NetworkError("cannot connect agent '" + id_of(a) +
                       "' to itself: a connection joins two different agents");
  }
}

void Network::add_connection(const std::string& a, const std::string& b) {
  AgentIndex ia = index_of(a), ib = index_of(b);
  check_connection(ia, ib);
  add_edge(ia, ib);
}

void Network::add_connections_from(const std::vector<std::pair<std::string, std::string>>& pairs) {
  for (const auto& p : pairs) add_connection(p.first, p.second);
}

void Network::add_connections_between(const std::vector<std::string>& us,
                                      const std::vector<std::string>& vs) {
  for (const auto& u : us)
    for (const auto& v : vs) add_connection(u, v);
}

void Network::add_connections_with_adjacency_matrix(const std::vector<std::string>& ids,
                                                    const std::vector<std::vector<double>>& m) {
  std::size_t n = m.size();
  if (ids.size() != n) {
    throw NetworkError("adjacency matrix: " + std::to_string(ids.size()) +
                       " agent ids but the matrix has " + std::to_string(n) + " rows");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (m[i].size() != n) {
      throw NetworkError("adjacency matrix must be square: row " + std::to_string(i) + " has " +
                         std::to_string(m[i].size()) + " entries, expected " + std::to_string(n));
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (m[i][j] != m[j][i]) {
        throw NetworkError("adjacency matrix must be symmetric: entry (" + std::to_string(i) +
                           ", " + std::to_string(j) + ") differs from (" + std::to_string(j) +
                           ", " + std::to_string(i) + ")");
      }
    }
    if (std::fabs(m[i][i]) >= 1e-5) {
      throw NetworkError("adjacency matrix must be hollow: diagonal entry " + std::to_string(i) +
                         " (agent '" + ids[i] + "') is " + std::to_string(m[i][i]));
    }
  }
  // Every connection the matrix makes passes the connection rule before the first is made (a
  // diagonal entry within the hollowness tolerance but positive would connect an agent to
  // itself), so a refused matrix leaves the network as it was.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (m[i][j] > 0) check_connection(index_of(ids[i]), index_of(ids[j]));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (m[i][j] > 0) add_connection(ids[i], ids[j]);
}

bool Network::has_edge(const std::string& sender, const std::string& receiver) const {
  return contains(sender) && contains(receiver) && has_edge(index_of(sender), index_of(receiver));
}

void Network::throw_send_error(AgentIndex sender, AgentIndex receiver,
                               const PayloadRules& rules) const {
  const std::string& payload_name = rules.name;
  if (!options_.ignore_connection_errors && !has_edge(sender, receiver)) {
    throw NetworkError("cannot send " + payload_name + " from '" + id_of(sender) + "' to '" +
                       id_of(receiver) + "': they are not connected");
  }
  if ((verdict(sender, rules) & kCanSend) == 0) {
    throw NetworkError("payload " + payload_name + " cannot be sent by '" + id_of(sender) +
                       "' of type " + agent(sender).type_name() + " (senders must be " +
                       rules.describe_senders() + ")");
  }
  throw NetworkError("payload " + payload_name + " cannot be received by '" + id_of(receiver) +
                     "' of type " + agent(receiver).type_name() + " (receivers must be " +
                     rules.describe_receivers() + ")");
}

void Network::reset(nn::Rng& rng) {
  resolver_->reset();
  for (auto& a : agents_) a->reset(rng);
}

}  // namespace phantom
