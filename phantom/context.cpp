// Context accessors and the per-step context set.
#include "phantom/context.hpp"

#include <algorithm>

#include "phantom/agent.hpp"
#include "phantom/error.hpp"
#include "phantom/network.hpp"
#include "phantom/type_id.hpp"

namespace phantom {

// A step walks every agent's context, so its size is a cost per agent-step (see context.hpp).
static_assert(sizeof(Context) <= 3 * sizeof(void*), "Context should stay three words");

const std::string& Context::id() const {
  return network().id_of(index_);
}

AgentRange Context::neighbours() const {
  return network().neighbour_range(index_);
}

std::vector<std::string> Context::neighbour_ids() const {
  std::vector<std::string> ids;
  for (AgentIndex n : neighbours()) ids.push_back(network().id_of(n));
  return ids;
}

bool Context::is_neighbour(const std::string& id) const {
  AgentIndex other = network().find_index(id);
  return other >= 0 && network().has_edge(index_, other);
}

const std::string& Context::id_of(AgentIndex index) const {
  return network().id_of(index);
}

AgentIndex Context::index_of_neighbour(const std::string& id) const {
  if (network().contains(id)) return network().index_of(id);
  throw ViewError("agent '" + this->id() + "' asked for the view of '" + id +
                  "', which is not in the network");
}

const void* Context::view_bytes(AgentIndex neighbour, TypeId type,
                                const std::type_info& wanted) const {
  // The neighbour's position in this agent's list is the position of its view among this
  // context's slots; the network finds it in O(1), so a hub reading all its neighbours' views
  // does O(1) work per view.
  const int32_t k = network().neighbour_position(index_, neighbour);
  if (k < 0) {
    throw ViewError("agent '" + id() + "' asked for the view of '" + id_of(neighbour) +
                    "', which is not one of its neighbours");
  }
  if (!set_->any_provider_ || first_view_slot_ == ContextSet::kNoViews) return nullptr;
  const ContextSet::ViewSlot& slot = set_->slots_[first_view_slot_ + static_cast<std::size_t>(k)];
  if (!slot.type) return nullptr;
  if (slot.type != type) {
    throw ViewError("agent '" + id() + "' read the view of '" + id_of(neighbour) + "' as " +
                    demangle(wanted) + ", but that agent's view is a " +
                    set_->providers_[static_cast<std::size_t>(neighbour)]->view_type_name());
  }
  return set_->arena_.data() + slot.offset;
}

void Context::throw_env_view_type(const std::type_info& wanted) const {
  throw ViewError("agent '" + id() + "' read the env view as " + demangle(wanted) +
                  ", but the env's view is a " + demangle(typeid(*set_->env_view_)));
}

void ContextSet::clear(Network& network, const EnvView* env_view, nn::Rng* rng) {
  network_ = &network;
  env_view_ = env_view ? env_view : &default_view_;
  rng_ = rng;
  auto n = static_cast<std::size_t>(network.size());
  if (contexts_.size() < n) contexts_.resize(n);
  present_.assign(n, 0);
  order_.clear();
  if (providers_network_ != &network || providers_.size() != n) find_view_providers();
  slots_.clear();
  arena_used_ = 0;
}

void ContextSet::find_view_providers() {
  providers_network_ = network_;
  providers_.assign(static_cast<std::size_t>(network_->size()), nullptr);
  any_provider_ = false;
  for (AgentIndex i = 0; i < network_->size(); ++i) {
    // A cross-cast: WithView<V> is a second base of the agent's class.
    const auto* provider = dynamic_cast<const ViewProvider*>(&network_->agent(i));
    providers_[static_cast<std::size_t>(i)] = provider;
    any_provider_ = any_provider_ || provider;
  }
}

void ContextSet::snapshot_views(Context& ctx) {
  // Slots are written only from the first neighbour that shows a view: an agent none of whose
  // neighbours shows one (in a market, a maker connected to thousands of traders) writes nothing
  // at all, instead of one empty slot per neighbour at every step.
  ctx.first_view_slot_ = kNoViews;
  const AgentRange neighbours = network_->neighbour_range(ctx.index_);
  for (std::size_t k = 0; k < neighbours.size(); ++k) {
    const ViewProvider* provider = providers_[static_cast<std::size_t>(neighbours[k])];
    if (!provider) {
      if (ctx.first_view_slot_ != kNoViews) slots_.push_back({nullptr, 0});
      continue;
    }
    if (ctx.first_view_slot_ == kNoViews) {
      ctx.first_view_slot_ = static_cast<uint32_t>(slots_.size());
      slots_.resize(slots_.size() + k, ViewSlot{nullptr, 0});  // the neighbours before it
    }
    std::size_t align = provider->view_align();
    std::size_t offset = (arena_used_ + align - 1) / align * align;
    arena_used_ = offset + provider->view_size();
    // The arena grows during the first steps only and is never cleared, so a steady step does
    // not zero the bytes it is about to overwrite; offsets (not pointers) survive its growth.
    if (arena_used_ > arena_.size()) arena_.resize(std::max(arena_used_, 2 * arena_.size()));
    provider->write_view(*ctx.agent_, arena_.data() + offset);
    slots_.push_back({provider->view_type(), offset});
  }
}

Context& ContextSet::add(AgentIndex index) {
  Context& ctx = contexts_[static_cast<std::size_t>(index)];
  ctx.agent_ = &network_->agent(index);
  ctx.set_ = this;
  ctx.index_ = index;
  if (any_provider_) snapshot_views(ctx);
  if (!present_[static_cast<std::size_t>(index)]) {
    present_[static_cast<std::size_t>(index)] = 1;
    order_.push_back(index);
  }
  return ctx;
}

}  // namespace phantom
