// Network::subnet_for: the neighbourhood of one agent as a network of its own.
#include <algorithm>

#include "phantom/network.hpp"

namespace phantom {

std::unique_ptr<Network> Network::subnet_for(const std::string& id) const {
  AgentIndex centre = index_of(id);
  std::unique_ptr<Resolver> resolver = resolver_->fresh_copy();
  if (!resolver) {
    throw ConfigError("subnet_for('" + id +
                      "'): the network's resolver cannot be copied; "
                      "override Resolver::fresh_copy() to use subnet_for");
  }
  // Members: the centre and its neighbours, in this network's order.
  std::vector<char> member(agents_.size(), 0);
  member[static_cast<std::size_t>(centre)] = 1;
  for (AgentIndex n : neighbours(centre)) member[static_cast<std::size_t>(n)] = 1;

  auto sub = std::make_unique<Network>(std::move(resolver), options_);
  for (std::size_t i = 0; i < agents_.size(); ++i)
    if (member[i]) sub->add_agent(agents_[i]);
  // Every connection among the members, each once: from the agent that comes first.
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    if (!member[i]) continue;
    for (AgentIndex n : neighbours_[i].list()) {
      auto j = static_cast<std::size_t>(n);
      if (member[j] && j >= i) sub->add_connection(ids_[i], ids_[j]);
    }
  }
  return sub;
}

}  // namespace phantom
