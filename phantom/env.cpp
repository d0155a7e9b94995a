// PhantomEnv: reset and step.
#include "phantom/env.hpp"

#include <algorithm>

#include "phantom/error.hpp"
#include "phantom/telemetry.hpp"

namespace phantom {

// ---------------------------------------------------------------------------------------------
// Actions and StepResult
// ---------------------------------------------------------------------------------------------

float* Actions::set(int i) {
  present_[static_cast<std::size_t>(i)] = 1;
  return data_.data() + offsets_[static_cast<std::size_t>(i)];
}

float* Actions::set(const std::string& id) {
  return set(env_->strategic_position(id));
}

void Actions::set(const std::string& id, const std::vector<float>& action) {
  int i = env_->strategic_position(id);
  int64_t size = env_->strategic_agent(i).action_space()->flat_size();
  if (static_cast<int64_t>(action.size()) != size) {
    throw EnvError("action for '" + id + "' has " + std::to_string(action.size()) +
                   " values; its action space " +
                   env_->strategic_agent(i).action_space()->to_string() + " needs " +
                   std::to_string(size));
  }
  float* out = set(i);
  for (std::size_t k = 0; k < action.size(); ++k) out[k] = action[k];
}

void Actions::clear() {
  std::fill(present_.begin(), present_.end(), 0);
}

std::vector<float> StepResult::observation_vector(int i) const {
  auto begin = obs_.begin() + static_cast<std::ptrdiff_t>(offsets_[static_cast<std::size_t>(i)]);
  auto end = obs_.begin() + static_cast<std::ptrdiff_t>(offsets_[static_cast<std::size_t>(i) + 1]);
  return std::vector<float>(begin, end);
}

void StepResult::clear() {
  // One pass over the agents: envs have few strategic agents, and five std::fill calls on
  // one-byte vectors cost more than the stores themselves.
  for (std::size_t i = 0; i < observed_.size(); ++i) {
    observed_[i] = rewarded_[i] = reported_[i] = terminated_[i] = truncated_[i] = acts_[i] = 0;
    rewards_[i] = 0.0;
    infos_[i].clear();
  }
  all_terminated = all_truncated = false;
}

// ---------------------------------------------------------------------------------------------
// PhantomEnv
// ---------------------------------------------------------------------------------------------

PhantomEnv::PhantomEnv(std::unique_ptr<Network> network, std::optional<int64_t> num_steps)
    : network_(std::move(network)), num_steps_(num_steps) {
  if (!network_) throw ConfigError("PhantomEnv: a network is required");
  if (num_steps && *num_steps <= 0) {
    throw ConfigError("PhantomEnv: num_steps must be positive, got " + std::to_string(*num_steps));
  }
  auto n = static_cast<std::size_t>(network_->size());
  position_of_.assign(n, -1);
  agent_done_.assign(n, 0);
  std::size_t obs_total = 0;
  result_.offsets_.push_back(0);
  for (AgentIndex i = 0; i < network_->size(); ++i) {
    if (auto* s = dynamic_cast<StrategicAgent*>(&network_->agent(i))) {
      position_of_[static_cast<std::size_t>(i)] = static_cast<int>(strategic_.size());
      strategic_.push_back(s);
      action_spaces_.push_back(s->action_space().get());
      strategic_index_.push_back(i);
      strategic_ids_.push_back(s->id());
      obs_total += static_cast<std::size_t>(s->observation_space()->flat_size());
      result_.offsets_.push_back(obs_total);
    } else {
      non_strategic_ids_.push_back(network_->id_of(i));
    }
  }
  std::size_t s = strategic_.size();
  result_.obs_.assign(obs_total, 0.0f);
  result_.observed_.assign(s, 0);
  result_.rewarded_.assign(s, 0);
  result_.reported_.assign(s, 0);
  result_.terminated_.assign(s, 0);
  result_.truncated_.assign(s, 0);
  result_.acts_.assign(s, 0);
  result_.rewards_.assign(s, 0.0);
  result_.infos_.resize(s);
}

int PhantomEnv::strategic_position(const std::string& id) const {
  if (!network_->contains(id)) {
    throw EnvError("no agent with id '" + id + "' in the env");
  }
  int pos = position_of_[static_cast<std::size_t>(network_->index_of(id))];
  if (pos < 0) {
    throw EnvError("agent '" + id + "' is not a strategic agent, so it takes no actions");
  }
  return pos;
}

Actions PhantomEnv::make_actions() const {
  Actions a;
  a.env_ = this;
  std::size_t total = 0;
  for (StrategicAgent* s : strategic_) {
    a.offsets_.push_back(total);
    total += static_cast<std::size_t>(s->action_space()->flat_size());
  }
  a.data_.assign(total, 0.0f);
  a.present_.assign(strategic_.size(), 0);
  return a;
}

void PhantomEnv::fill_env_view(EnvView& v) const {
  v.current_step = current_step_;
  v.proportion_time_elapsed =
      num_steps_ ? static_cast<double>(current_step_) / static_cast<double>(*num_steps_) : 0.0;
}

const EnvView& PhantomEnv::update_view() {
  fill_env_view(base_view_);
  return base_view_;
}

void PhantomEnv::make_contexts(bool strategic_only) {
  // The per-agent tables are sized at construction; agents added later would index past them.
  if (position_of_.size() != static_cast<std::size_t>(network_->size())) {
    throw EnvError("the network has " + std::to_string(network_->size()) +
                   " agents but the env was built with " + std::to_string(position_of_.size()) +
                   "; add every agent before constructing the env");
  }
  const EnvView* view = &update_view();  // refreshed in place every step
  // A context holds only pointers that stay valid (the agent, the context set), so last step's
  // contexts serve again unless the set of agents with one changed, or the step's snapshots of
  // neighbour views must be retaken.
  const ContextsFor wanted = strategic_only ? ContextsFor::strategic : ContextsFor::live;
  const bool same_agents = contexts_for_ == wanted;
  const bool reusable = same_agents && view == view_ && !contexts_.has_views();
  view_ = view;
  if (reusable) return;
  const bool some_left =
      contexts_for_ == ContextsFor::live_minus_done && wanted == ContextsFor::live;
  contexts_.clear(*network_, view_, &rng_);
  for (AgentIndex i = 0; i < network_->size(); ++i) {
    if (strategic_only && position_of_[static_cast<std::size_t>(i)] < 0) continue;
    if (agent_done_[static_cast<std::size_t>(i)]) continue;
    contexts_.add(i);
  }
  contexts_for_ = wanted;
  // Rebuilt contexts of the same agents keep their addresses (ContextSet), so the hook lists only
  // change with the set of agents, and when agents have only left, they only lose entries.
  if (some_left) {
    drop_done_hooked_agents();
  } else if (!same_agents) {
    find_hooked_agents();
  }
}

void PhantomEnv::find_hooked_agents() {
  pre_hooked_.clear();
  post_hooked_.clear();
  for (AgentIndex i : contexts_.order()) {
    Context* ctx = contexts_.find(i);
    const ResolutionHooks hooks = ctx->agent().resolution_hooks();
    if (includes(hooks, ResolutionHooks::pre)) pre_hooked_.push_back(ctx);
    if (includes(hooks, ResolutionHooks::post)) post_hooked_.push_back(ctx);
  }
}

void PhantomEnv::drop_done_hooked_agents() {
  const auto left = [this](const Context* ctx) {
    return agent_done_[static_cast<std::size_t>(ctx->index())] != 0;
  };
  pre_hooked_.erase(std::remove_if(pre_hooked_.begin(), pre_hooked_.end(), left),
                    pre_hooked_.end());
  post_hooked_.erase(std::remove_if(post_hooked_.begin(), post_hooked_.end(), left),
                     post_hooked_.end());
}

void PhantomEnv::pre_message_resolution() {
  for (Context* ctx : pre_hooked_) ctx->agent().pre_message_resolution(*ctx);
}

void PhantomEnv::post_message_resolution() {
  for (Context* ctx : post_hooked_) ctx->agent().post_message_resolution(*ctx);
}

void PhantomEnv::resolve_network() {
  pre_message_resolution();
  network_->resolve(contexts_, rng_);
  post_message_resolution();
}

void PhantomEnv::start_episode(std::optional<uint64_t> seed) {
  if (seed) rng_ = nn::Rng(*seed);
  current_step_ = 0;
  sample_supertypes();
  network_->reset(rng_);  // agents read their (managed) samplers' new values here
  std::fill(agent_done_.begin(), agent_done_.end(), 0);
  contexts_for_ = ContextsFor::none;  // every agent is live again
  terminated_count_ = truncated_count_ = done_count_ = 0;
  ended_by_env_ = false;
  result_.clear();
  make_contexts(/*strategic_only=*/true);
  started_ = true;
}

const StepResult& PhantomEnv::reset(std::optional<uint64_t> seed) {
  start_episode(seed);
  for (int i = 0; i < num_strategic(); ++i) {
    Context* ctx = contexts_.find(strategic_index_[static_cast<std::size_t>(i)]);
    float* out = result_.obs_.data() + result_.offsets_[static_cast<std::size_t>(i)];
    result_.observed_[static_cast<std::size_t>(i)] =
        strategic_[static_cast<std::size_t>(i)]->encode_observation(*ctx, out) ? 1 : 0;
  }
  mark_acting_agents(nullptr);
  if (telemetry_) telemetry_->on_reset(*this);
  return result_;
}

void PhantomEnv::begin_step(const Actions& actions) {
  if (!started_) throw EnvError("step() called before reset()");
  if (result_.done()) {
    throw EnvError("step() called after the episode ended at step " +
                   std::to_string(current_step_) + "; call reset() to start a new episode");
  }
  if (actions.env_ != this) {
    throw EnvError("step(): these actions were made by another env's make_actions()");
  }
  check_actions(actions);
  ++current_step_;
  result_.clear();
  make_contexts(/*strategic_only=*/false);
  if (telemetry_) telemetry_->on_step_begin(*this, actions);
}

void PhantomEnv::check_actions(const Actions& actions) const {
  // One virtual call per action, whose loop over the values is the space's own (no allocation).
  // The spaces come from action_spaces_, not from the agents: this pass touches no agent object.
  for (std::size_t pos = 0; pos < strategic_.size(); ++pos) {
    if (!actions.present_[pos] || agent_done_[static_cast<std::size_t>(strategic_index_[pos])]) {
      continue;  // no action, or one the env ignores
    }
    const float* action = actions.data_.data() + actions.offsets_[pos];
    if (!action_spaces_[pos]->contains(action)) {
      throw_action_outside_space(static_cast<int>(pos), action);
    }
  }
}

void PhantomEnv::throw_action_outside_space(int position, const float* action) const {
  const StrategicAgent& agent = *strategic_[static_cast<std::size_t>(position)];
  const Space& space = *agent.action_space();
  std::string rule;
  switch (space.kind()) {
    case Kind::discrete:
      rule = "an integer from " + std::to_string(space.as_discrete().start()) + " to " +
             std::to_string(space.as_discrete().start() + space.as_discrete().n() - 1);
      break;
    case Kind::multi_discrete:
      rule = "component k an integer from 0 to nvec[k] - 1";
      break;
    case Kind::multi_binary:
      rule = "each component 0 or 1";
      break;
    case Kind::box:
      // The env does not clip: clipping is a choice of whoever chooses the actions.
      rule =
          "each component within its bounds; the env does not clip Box actions: keep them in "
          "bounds, or let the rollout worker clip them (RolloutWorkerOptions::clip_actions)";
      break;
    case Kind::tuple:
    case Kind::dict:
      rule = "each part in its own space";
      break;
  }
  throw EnvError("step(): agent '" + agent.id() + "' chose the action " +
                 space.value_to_string(action) + ", which is not in its action space " +
                 space.to_string() + " (expected " + rule + "; never NaN)");
}

void PhantomEnv::handle_acting_agents(const Actions& actions, const std::vector<char>* acting) {
  // Agents act in network order: decode an action if given one, else generate messages.
  for (AgentIndex i : contexts_.order()) {
    if (acting && !(*acting)[static_cast<std::size_t>(i)]) continue;
    Context* ctx = contexts_.find(i);
    int pos = position_of_[static_cast<std::size_t>(i)];
    if (pos >= 0 && actions.has(pos)) {
      strategic_[static_cast<std::size_t>(pos)]->decode_action(*ctx, actions.get(pos));
    } else {
      ctx->agent().generate_messages(*ctx);
    }
  }
}

bool PhantomEnv::update_done_flags(int position, Context& ctx) {
  auto si = static_cast<std::size_t>(position);
  StrategicAgent& agent = *strategic_[si];
  bool terminated = agent.is_terminated(ctx), truncated = agent.is_truncated(ctx);
  result_.reported_[si] = 1;
  result_.terminated_[si] = terminated ? 1 : 0;
  result_.truncated_[si] = truncated ? 1 : 0;
  terminated_count_ += terminated ? 1 : 0;
  truncated_count_ += truncated ? 1 : 0;
  done_count_ += terminated || truncated ? 1 : 0;
  if (terminated || truncated) {
    agent_done_[static_cast<std::size_t>(strategic_index_[si])] = 1;
    // This agent gets no context next step; the others keep theirs.
    const bool was_live =
        contexts_for_ == ContextsFor::live || contexts_for_ == ContextsFor::live_minus_done;
    contexts_for_ = was_live ? ContextsFor::live_minus_done : ContextsFor::none;
  }
  return terminated || truncated;
}

const StepResult& PhantomEnv::step(const Actions& actions) {
  begin_step(actions);
  handle_acting_agents(actions, nullptr);
  resolve_network();

  for (int i = 0; i < num_strategic(); ++i) {
    auto si = static_cast<std::size_t>(i);
    AgentIndex index = strategic_index_[si];
    if (agent_done_[static_cast<std::size_t>(index)]) continue;
    StrategicAgent& agent = *strategic_[si];
    Context& ctx = *contexts_.find(index);
    float* out = result_.obs_.data() + result_.offsets_[si];
    if (agent.encode_observation(ctx, out)) {
      result_.observed_[si] = 1;
      agent.collect_infos(ctx, result_.infos_[si]);
      result_.rewards_[si] = agent.compute_reward(ctx);
      result_.rewarded_[si] = 1;
    }
    update_done_flags(i, ctx);
  }
  result_.all_terminated = is_terminated();
  result_.all_truncated = is_truncated();
  mark_acting_agents(nullptr);
  if (telemetry_) telemetry_->on_step_end(*this);
  return result_;
}

void PhantomEnv::mark_acting_agents(const std::vector<char>* acting_next) {
  const bool over = result_.done();
  for (int i = 0; i < num_strategic(); ++i) {
    auto si = static_cast<std::size_t>(i);
    auto index = static_cast<std::size_t>(strategic_index_[si]);
    bool acts = !over && result_.observed_[si] && !agent_done_[index] &&
                (!acting_next || (*acting_next)[index]);
    result_.acts_[si] = acts ? 1 : 0;
  }
}

bool PhantomEnv::is_terminated() const {
  return ended_by_env_ || terminated_count_ == num_strategic();
}

bool PhantomEnv::is_truncated() const {
  // Also when every agent is done but not all terminated: some terminated and the others were
  // truncated, so no agent is left (Python never ended such an episode without a step limit).
  return (num_steps_ && current_step_ >= *num_steps_) || truncated_count_ == num_strategic() ||
         (done_count_ == num_strategic() && !is_terminated());
}

void PhantomEnv::set_telemetry(std::shared_ptr<TelemetryLogger> logger) {
  telemetry_ = std::move(logger);
  // The resolver reports sends, deliveries and drops; the env keeps the logger alive.
  network_->resolver().set_telemetry(telemetry_.get());
}

}  // namespace phantom
