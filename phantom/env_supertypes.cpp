// PhantomEnv: the supertypes it manages and the samplers it draws at every reset.
#include <algorithm>

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
  if (std::find(managed_agents_.begin(), managed_agents_.end(), index) == managed_agents_.end()) {
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
  out.clear();
  if (env_supertype_) env_supertype_->collect_samplers(out);
  for (AgentIndex i : managed_agents_) {
    if (const Supertype* s = network_->agent(i).supertype()) s->collect_samplers(out);
  }
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
