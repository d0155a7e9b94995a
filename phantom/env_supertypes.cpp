// PhantomEnv: the supertypes it manages and the samplers it draws at every reset.
#include <algorithm>
#include <functional>

#include "phantom/env.hpp"
#include "phantom/error.hpp"
#include "phantom/type_id.hpp"

namespace phantom {

void PhantomEnv::set_env_supertype(std::shared_ptr<Supertype> supertype) {
  if (env_supertype_) env_supertype_->set_managed(false);
  env_supertype_ = std::move(supertype);
  env_type_ready_ = false;
  if (env_supertype_) env_supertype_->set_managed(true);
}

void PhantomEnv::set_env_supertype(const std::vector<std::pair<std::string, FieldSource>>& values) {
  if (!env_supertype_) {
    throw ConfigError("the env (" + demangle(typeid(*this)) +
                      ") has no supertype whose fields could be set; give it one with "
                      "set_env_supertype(std::make_shared<...>())");
  }
  env_supertype_->set(values);
}

void PhantomEnv::set_agent_supertype(const std::string& id, std::shared_ptr<Supertype> supertype) {
  if (!network_->contains(id)) {
    throw EnvError("set_agent_supertype: the env has no agent '" + id + "'");
  }
  AgentIndex index = network_->index_of(id);
  Agent& agent = network_->agent(index);
  if (agent.supertype()) agent.supertype()->set_managed(false);
  if (supertype) supertype->set_managed(true);
  agent.set_supertype(std::move(supertype));
  // A flag per agent, not a search of the list: an env that manages thousands of agents' supertypes
  // would otherwise spend time quadratic in their number here.
  if (is_managed_.size() < static_cast<std::size_t>(network_->size())) {
    is_managed_.resize(static_cast<std::size_t>(network_->size()), 0);
  }
  if (!is_managed_[static_cast<std::size_t>(index)]) {
    is_managed_[static_cast<std::size_t>(index)] = 1;
    managed_agents_.push_back(index);
  }
}

void PhantomEnv::set_agent_supertype(
    const std::string& id, const std::vector<std::pair<std::string, FieldSource>>& values) {
  if (!network_->contains(id)) {
    throw EnvError("set_agent_supertype: the env has no agent '" + id + "'");
  }
  Agent& agent = (*network_)[id];
  std::shared_ptr<Supertype> own = agent.supertype_ptr();
  if (!own) {
    throw ConfigError("set_agent_supertype: agent '" + id + "' (" + agent.type_name() +
                      ") has no supertype whose fields could be set");
  }
  own->set(values);
  set_agent_supertype(id, std::move(own));
}

void PhantomEnv::collect_managed_samplers(std::vector<Sampler*>& out) const {
  // The samplers of the env's supertype, then of each managed agent's, each sampler at its first
  // appearance only (one shared by several supertypes is drawn once). Supertype::collect_samplers
  // skips repeats by scanning its output, so each supertype collects into a list of its own: one
  // list for all would make every reset quadratic in the number of agents with supertypes.
  out.clear();
  auto append = [&](const Supertype& s) {
    supertype_samplers_.clear();
    s.collect_samplers(supertype_samplers_);
    out.insert(out.end(), supertype_samplers_.begin(), supertype_samplers_.end());
  };
  if (env_supertype_) append(*env_supertype_);
  for (AgentIndex i : managed_agents_) {
    if (const Supertype* s = network_->agent(i).supertype()) append(*s);
  }
  // Repeats across supertypes: sorted by sampler (then position), every entry after a sampler's
  // first is a repeat. Only which entries repeat comes from the sort, never the order of `out`,
  // so the addresses of the samplers decide nothing.
  sampler_positions_.clear();
  for (std::size_t k = 0; k < out.size(); ++k) sampler_positions_.emplace_back(out[k], k);
  std::sort(sampler_positions_.begin(), sampler_positions_.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return std::less<Sampler*>()(a.first, b.first);
    return a.second < b.second;
  });
  for (std::size_t k = 1; k < sampler_positions_.size(); ++k) {
    if (sampler_positions_[k].first == sampler_positions_[k - 1].first) {
      out[sampler_positions_[k].second] = nullptr;  // collected samplers are never null
    }
  }
  out.erase(std::remove(out.begin(), out.end(), nullptr), out.end());
}

std::vector<Sampler*> PhantomEnv::managed_samplers() const {
  std::vector<Sampler*> out;
  collect_managed_samplers(out);
  return out;
}

void PhantomEnv::sample_supertypes() {
  // Collected afresh each time, because a field's source may have changed since the last reset.
  collect_managed_samplers(sampler_scratch_);
  for (Sampler* s : sampler_scratch_) s->sample(rng_);
  if (env_supertype_) {
    env_supertype_->sample(rng_);
    env_type_ready_ = true;
  }
}

void PhantomEnv::throw_bad_env_type(const std::type_info& wanted) const {
  if (!env_supertype_) {
    throw ConfigError("env_type<" + demangle(wanted) + ">(): the env has no supertype");
  }
  if (!env_type_ready_) {
    throw ConfigError("env_type<" + demangle(wanted) +
                      ">(): the env supertype is sampled at reset(); call reset() first");
  }
  throw ConfigError("env_type<" + demangle(wanted) + ">(): the env supertype is a " +
                    env_supertype_->type_name());
}

}  // namespace phantom
