// Context accessors and the per-step context set.
#include "phantom/context.hpp"

#include "phantom/network.hpp"

namespace phantom {

const std::string& Context::id() const {
  return network_->id_of(index_);
}

const std::vector<AgentIndex>& Context::neighbours() const {
  return network_->neighbours(index_);
}

std::vector<std::string> Context::neighbour_ids() const {
  std::vector<std::string> ids;
  for (AgentIndex n : neighbours()) ids.push_back(network_->id_of(n));
  return ids;
}

bool Context::is_neighbour(const std::string& id) const {
  if (!network_->contains(id)) return false;
  AgentIndex other = network_->index_of(id);
  for (AgentIndex n : neighbours())
    if (n == other) return true;
  return false;
}

const std::string& Context::id_of(AgentIndex index) const {
  return network_->id_of(index);
}

void ContextSet::clear(Network& network, const EnvView& env_view, nn::Rng* rng) {
  network_ = &network;
  env_view_ = env_view;
  rng_ = rng;
  auto n = static_cast<std::size_t>(network.size());
  if (contexts_.size() < n) contexts_.resize(n);
  present_.assign(n, 0);
  order_.clear();
}

Context& ContextSet::add(AgentIndex index) {
  Context& ctx = contexts_[static_cast<std::size_t>(index)];
  ctx.agent_ = &network_->agent(index);
  ctx.network_ = network_;
  ctx.env_view_ = &env_view_;
  ctx.rng_ = rng_;
  ctx.ids_ = &network_->agent_ids();
  ctx.index_ = index;
  if (!present_[static_cast<std::size_t>(index)]) {
    present_[static_cast<std::size_t>(index)] = 1;
    order_.push_back(index);
  }
  return ctx;
}

}  // namespace phantom
