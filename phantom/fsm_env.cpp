// FiniteStateMachineEnv: stage validation, reset and step.
#include "phantom/fsm_env.hpp"

#include <algorithm>

#include "phantom/error.hpp"
#include "phantom/telemetry.hpp"

namespace phantom {

namespace {
std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "'" : ", '") + s + "'";
  return "[" + out + "]";
}
}  // namespace

FiniteStateMachineEnv::FiniteStateMachineEnv(std::unique_ptr<Network> network,
                                             std::optional<int64_t> num_steps,
                                             std::string initial_stage,
                                             std::vector<FSMStage> stages)
    : PhantomEnv(std::move(network), num_steps) {
  if (stages.empty()) {
    throw FSMValidationError("FiniteStateMachineEnv: no stages given");
  }
  for (FSMStage& def : stages) {
    if (!index_.emplace(def.id, static_cast<int>(stages_.size())).second) {
      throw FSMValidationError("FiniteStateMachineEnv: more than one stage with id '" + def.id +
                               "'");
    }
    stages_.push_back({std::move(def), {}, {}, {}});
  }
  if (index_.count(initial_stage) == 0) {
    throw FSMValidationError("FiniteStateMachineEnv: initial stage '" + initial_stage +
                             "' is not a stage");
  }
  initial_ = current_ = index_.at(initial_stage);
  auto n = static_cast<std::size_t>(network_->size());
  for (Stage& st : stages_) {
    const FSMStage& d = st.def;
    for (const std::string& next : d.next_stages) {
      if (index_.count(next) == 0) {
        throw FSMValidationError("FiniteStateMachineEnv: next stage '" + next + "' of stage '" +
                                 d.id + "' is not a stage");
      }
      st.next.push_back(index_.at(next));
    }
    if (!d.handler && d.next_stages.size() != 1) {
      throw FSMValidationError("FiniteStateMachineEnv: stage '" + d.id +
                               "' has no handler, so it needs exactly one next stage (got " +
                               std::to_string(d.next_stages.size()) + ")");
    }
    st.acting.assign(n, 0);
    for (const std::string& id : d.acting_agents) {
      if (!network_->contains(id)) {
        throw FSMValidationError("FiniteStateMachineEnv: acting agent '" + id + "' of stage '" +
                                 d.id + "' is not in the network");
      }
      st.acting[static_cast<std::size_t>(network_->index_of(id))] = 1;
    }
    st.rewarded.assign(static_cast<std::size_t>(num_strategic()), d.rewarded_agents ? 0 : 1);
    if (d.rewarded_agents) {
      for (const std::string& id : *d.rewarded_agents) {
        if (!network_->contains(id) ||
            position_of_[static_cast<std::size_t>(network_->index_of(id))] < 0) {
          throw FSMValidationError("FiniteStateMachineEnv: rewarded agent '" + id + "' of stage '" +
                                   d.id + "' is not a strategic agent");
        }
        st.rewarded[static_cast<std::size_t>(strategic_position(id))] = 1;
      }
    }
  }
  auto s = static_cast<std::size_t>(num_strategic());
  pending_reward_.assign(s, 0.0);
  has_pending_.assign(s, 0);
  observer_.assign(s, 0);
}

int FiniteStateMachineEnv::stage_index(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

const std::string* FiniteStateMachineEnv::current_stage() const {
  return current_ >= 0 ? &stages_[static_cast<std::size_t>(current_)].def.id : nullptr;
}

void FiniteStateMachineEnv::fill_fsm_view(FSMEnvView& v) const {
  fill_env_view(v);
  const std::string* stage = current_stage();
  // Assigning into v.stage reuses its capacity: no allocation per step.
  if (stage) {
    v.stage = *stage;
  } else {
    v.stage.clear();
  }
}

const EnvView& FiniteStateMachineEnv::update_view() {
  fill_fsm_view(fsm_view_);
  return fsm_view_;
}

const std::string* FiniteStateMachineEnv::previous_stage() const {
  return previous_ >= 0 ? &stages_[static_cast<std::size_t>(previous_)].def.id : nullptr;
}

bool FiniteStateMachineEnv::is_fsm_deterministic() const {
  return std::all_of(stages_.begin(), stages_.end(),
                     [](const Stage& st) { return st.def.next_stages.size() == 1; });
}

const StepResult& FiniteStateMachineEnv::reset(std::optional<uint64_t> seed) {
  // Like PhantomEnv::reset, but only the initial stage's acting agents are observed.
  current_ = initial_;  // first: the contexts built by start_episode() show the initial stage
  previous_ = -1;
  start_episode(seed);
  std::fill(pending_reward_.begin(), pending_reward_.end(), 0.0);
  std::fill(has_pending_.begin(), has_pending_.end(), 0);
  const Stage& st = stages_[static_cast<std::size_t>(current_)];
  for (int i = 0; i < num_strategic(); ++i) {
    AgentIndex index = strategic_index_[static_cast<std::size_t>(i)];
    if (!st.acting[static_cast<std::size_t>(index)]) continue;
    float* out = result_.obs_.data() + result_.offsets_[static_cast<std::size_t>(i)];
    result_.observed_[static_cast<std::size_t>(i)] =
        strategic_[static_cast<std::size_t>(i)]->encode_observation(*contexts_.find(index), out)
            ? 1
            : 0;
  }
  mark_acting_agents(&st.acting);
  if (telemetry_) telemetry_->on_reset(*this);
  return result_;
}

// Encodes agent i's observation and, if it observed, reports its accumulated reward.
void FiniteStateMachineEnv::observe(int position, Context& ctx) {
  auto si = static_cast<std::size_t>(position);
  float* out = result_.obs_.data() + result_.offsets_[si];
  if (!strategic_[si]->encode_observation(ctx, out)) return;
  result_.observed_[si] = 1;
  strategic_[si]->collect_infos(ctx, result_.infos_[si]);
}

const StepResult& FiniteStateMachineEnv::step(const Actions& actions) {
  begin_step(actions);  // an ended episode (all_terminated) throws here
  const Stage& st = stages_[static_cast<std::size_t>(current_)];
  handle_acting_agents(actions, &st.acting);

  int next = -1;
  if (!st.def.handler) {
    resolve_network();
    next = st.next[0];
  } else {
    std::optional<std::string> chosen = st.def.handler(*this);
    if (chosen) {
      next = stage_index(*chosen);
      if (next < 0 || std::find(st.next.begin(), st.next.end(), next) == st.next.end()) {
        throw FSMRuntimeError("FiniteStateMachineEnv: invalid transition from stage '" + st.def.id +
                              "' to '" + *chosen + "' (allowed: " + join(st.def.next_stages) + ")");
      }
    }
  }

  // Who is observed: the next stage's acting agents, or everyone when this stage rewards
  // everyone, or everyone on the episode's last step.
  bool last_step = next < 0 || (num_steps_ && current_step_ >= *num_steps_);
  for (int i = 0; i < num_strategic(); ++i) {
    auto si = static_cast<std::size_t>(i);
    observer_[si] = last_step || !st.def.rewarded_agents ||
                            stages_[static_cast<std::size_t>(next)]
                                .acting[static_cast<std::size_t>(strategic_index_[si])]
                        ? 1
                        : 0;
  }

  for (int i = 0; i < num_strategic(); ++i) {
    auto si = static_cast<std::size_t>(i);
    AgentIndex index = strategic_index_[si];
    if (agent_done_[static_cast<std::size_t>(index)]) continue;
    Context& ctx = *contexts_.find(index);
    if (observer_[si]) observe(i, ctx);
    if (st.rewarded[si]) {
      pending_reward_[si] += strategic_[si]->compute_reward(ctx);
      has_pending_[si] = 1;
    }
    bool done_now = update_done_flags(i, ctx);
    // A reward is delivered with the agent's observation, or when it leaves the episode.
    if ((result_.observed_[si] || done_now) && has_pending_[si]) {
      result_.rewards_[si] = pending_reward_[si];
      result_.rewarded_[si] = 1;
      pending_reward_[si] = 0.0;
      has_pending_[si] = 0;
    }
  }

  previous_ = current_;
  current_ = next;
  if (next < 0) ended_by_env_ = true;
  result_.all_terminated = is_terminated();
  result_.all_truncated = is_truncated();
  mark_acting_agents(next >= 0 ? &stages_[static_cast<std::size_t>(next)].acting : nullptr);
  if (telemetry_) {
    StageTransition transition{previous_stage(), current_stage()};
    telemetry_->on_step_end(*this, &transition);
  }
  return result_;
}

}  // namespace phantom
