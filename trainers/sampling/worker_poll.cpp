// RolloutWorker's poll loop (see the top of rollout_worker.hpp): act, step, observe, cut; the
// episode boundaries; and sample() in both batch modes.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "nn/error.hpp"
#include "phantom/format.hpp"
#include "trainers/sampling/box_action.hpp"
#include "trainers/sampling/observation_filter.hpp"
#include "trainers/sampling/worker_state.hpp"

namespace phantom {

using worker_internal::AgentState;
using worker_internal::clip_reward;
using worker_internal::PolicySlot;
using worker_internal::standard_columns;
using worker_internal::StandardColumns;

// ---- Episodes ----

// Binds agent i of `s` to its policy for this episode (the mapping function is called once).
int RolloutWorker::bind(SubEnv& s, int i) {
  Impl& m = *impl_;
  AgentState& a = s.agents[static_cast<std::size_t>(i)];
  if (a.policy >= 0) return a.policy;
  const std::string& agent_id = s.runner->env().strategic_agent_ids()[static_cast<std::size_t>(i)];
  const std::string& policy_id = s.episode.policy_for(agent_id, m.mapping_fn);
  auto it = m.slot_of.find(policy_id);
  if (it == m.slot_of.end()) {
    throw ConfigError("RolloutWorker: the mapping function gave agent '" + agent_id + "' policy '" +
                      policy_id + "', which is not a policy of this worker");
  }
  const PolicySlot& slot = m.slots[static_cast<std::size_t>(it->second)];
  if (slot.obs_size != a.rows.width(columns::kObs) ||
      slot.action_size != a.rows.width(columns::kActions)) {
    throw ConfigError("RolloutWorker: policy '" + policy_id + "' does not fit agent '" + agent_id +
                      "' (other observation or action sizes)");
  }
  a.policy = it->second;
  a.agent_index = s.episode.agent_index(agent_id);
  return a.policy;
}

// Filters every observation of the last reset()/step() once, as it arrives.
void RolloutWorker::filter_observations(SubEnv& s) {
  const StepResult& r = s.runner->result();
  for (int i = 0; i < r.size(); ++i) {
    if (!r.observed(i)) continue;
    AgentState& a = s.agents[static_cast<std::size_t>(i)];
    PolicySlot& slot = impl_->slots[static_cast<std::size_t>(bind(s, i))];
    std::copy_n(r.observation(i), a.obs.size(), a.obs.data());
    slot.filter->apply(a.obs.data(), 1, /*update=*/true);
  }
}

void RolloutWorker::start_episode(SubEnv& s) {
  Impl& m = *impl_;
  s.runner->reset();
  s.episode.reset(episode_id(s));
  for (AgentState& a : s.agents) {
    a.rows.clear();
    a.open = false;
    a.policy = -1;
    a.agent_index = -1;
    std::fill(a.prev_action.begin(), a.prev_action.end(), 0.0f);
    a.prev_reward = 0.0f;
  }
  filter_observations(s);
  for (PolicySlot& slot : m.slots) {
    if (slot.trainable) slot.trainable->exploration().on_episode_start();
  }
  if (options_.callbacks)
    options_.callbacks->on_episode_start(*this, s.episode, s.episode.env_index);
  s.started = true;
}

int64_t RolloutWorker::episode_id(SubEnv& s) const {
  // Unique per (worker, sub-env, episode) and the same in every run.
  return (static_cast<int64_t>(options_.worker_index) << 48) +
         (static_cast<int64_t>(s.episode.env_index) << 32) + s.episodes_started++;
}

// Closes agent i's open row with the agent's latest observation as new_obs (its final one when
// it left observed; otherwise the last it saw, so a value bootstrap assumes nothing changed)
// and its end flags.
void RolloutWorker::close_row(SubEnv& s, int i, bool terminated, bool truncated) {
  const StandardColumns& c = standard_columns();
  AgentState& a = s.agents[static_cast<std::size_t>(i)];
  const int64_t row = a.rows.size() - 1;
  const auto obs_size = static_cast<int64_t>(a.obs.size());
  std::copy_n(a.obs.data(), obs_size, a.rows.f32(c.new_obs) + row * obs_size);
  if (options_.no_done_at_end) terminated = truncated = false;
  a.rows.f32(c.terminateds)[row] = terminated ? 1.0f : 0.0f;
  a.rows.f32(c.truncateds)[row] = truncated ? 1.0f : 0.0f;
  a.prev_reward = a.rows.f32(c.rewards)[row];
  a.open = false;
}

// Turns agent i's closed rows into a piece: clip rewards, callbacks, the policy's
// postprocessing, then into its policy's batch.
void RolloutWorker::emit_piece(SubEnv& s, int i) {
  Impl& m = *impl_;
  const StandardColumns& c = standard_columns();
  AgentState& a = s.agents[static_cast<std::size_t>(i)];
  const int64_t closed = a.open ? a.rows.size() - 1 : a.rows.size();
  if (closed == 0) return;
  PolicySlot& slot = m.slots[static_cast<std::size_t>(a.policy)];
  SampleBatch& piece = slot.piece;
  piece.clear();
  if (piece.num_columns() == 0)
    piece = SampleBatch::with_standard_columns(slot.obs_size, slot.action_size);
  piece.append_rows(a.rows, 0, closed);
  piece.check_single_trajectory();
  if (options_.clip_rewards.mode != RewardClipping::Mode::off) {
    float* rewards = piece.f32(c.rewards);
    for (int64_t r = 0; r < closed; ++r)
      rewards[r] = clip_reward(options_.clip_rewards, rewards[r]);
  }
  if (options_.callbacks) {
    slot.original.clear();
    if (slot.original.num_columns() == 0) slot.original = a.rows.slice(0, 0);
    slot.original.append_rows(a.rows, 0, closed);
    const std::string& agent_id =
        s.runner->env().strategic_agent_ids()[static_cast<std::size_t>(i)];
    options_.callbacks->on_postprocess_trajectory(*this, s.episode, agent_id, slot.id, piece,
                                                  slot.original);
  }
  // After the callbacks, so that rewards they rewrite reach the advantages.
  if (slot.trainable) slot.trainable->postprocess_trajectory(piece);
  if (!m.batch.has_policy(slot.id) || m.batch.batch(slot.id).num_columns() == 0) {
    m.batch.policy_batches[slot.id] = piece;
  } else {
    m.batch.batch(slot.id).append(piece);
  }
  a.rows.erase_front(closed);
}

void RolloutWorker::emit_pieces(SubEnv& s) {
  for (int i : impl_->positions_by_id) emit_piece(s, i);
}

void RolloutWorker::end_episode(SubEnv& s, bool soft) {
  Impl& m = *impl_;
  emit_pieces(s);
  if (!soft) {
    for (PolicySlot& slot : m.slots) {
      if (slot.trainable) slot.trainable->exploration().on_episode_end();
    }
  }
  if (options_.callbacks) options_.callbacks->on_episode_end(*this, s.episode, s.episode.env_index);
  // The custom metrics as the callbacks left them, into this sub-env's statistics.
  for (std::size_t k = 0; k < options_.custom_metrics.size(); ++k) {
    auto it = s.episode.custom_metrics.find(options_.custom_metrics[k]);
    if (it != s.episode.custom_metrics.end() && !std::isnan(it->second)) {
      s.stats.custom_metrics[k].add(it->second);
    }
  }
  if (options_.keep_episode_records) m.finished.push_back(EpisodeRecord::from_episode(s.episode));
  if (soft) {
    s.episode.soft_reset(episode_id(s));
  } else {
    start_episode(s);
  }
}

// ---- The poll ----

void RolloutWorker::act() {
  Impl& m = *impl_;
  for (PolicySlot& slot : m.slots) {
    slot.rows.clear();
    slot.observations.clear();
  }
  for (int e = 0; e < num_envs(); ++e) {
    SubEnv& s = *m.envs[static_cast<std::size_t>(e)];
    s.runner->actions().clear();
    if (!s.sampling) continue;
    const StepResult& r = s.runner->result();
    for (int i = 0; i < r.size(); ++i) {
      if (!r.acts(i)) continue;
      AgentState& a = s.agents[static_cast<std::size_t>(i)];
      PolicySlot& slot = m.slots[static_cast<std::size_t>(bind(s, i))];
      slot.observations.insert(slot.observations.end(), a.obs.begin(), a.obs.end());
      slot.rows.emplace_back(e, i);
    }
  }
  const StandardColumns& c = standard_columns();
  for (PolicySlot& slot : m.slots) {
    const auto k = static_cast<int64_t>(slot.rows.size());
    if (k == 0) continue;
    ActionBatch& out = slot.out;
    if (slot.trainable) {
      slot.trainable->compute_actions(slot.observations.data(), k, std::nullopt, std::nullopt,
                                      m.rng, out);
    } else {
      out.actions.resize(static_cast<std::size_t>(k * slot.action_size));
      out.logp.assign(static_cast<std::size_t>(k), 0.0f);
      out.vf_preds.clear();
      for (int64_t j = 0; j < k; ++j) {
        slot.policy->compute_action(slot.observations.data() + j * slot.obs_size,
                                    out.actions.data() + j * slot.action_size, m.rng);
      }
    }
    for (int64_t j = 0; j < k; ++j) {
      auto [e, i] = slot.rows[static_cast<std::size_t>(j)];
      SubEnv& s = *m.envs[static_cast<std::size_t>(e)];
      AgentState& a = s.agents[static_cast<std::size_t>(i)];
      const float* action = out.actions.data() + j * slot.action_size;
      SampleBatch& rows = a.rows;
      const int64_t row = rows.append_row();
      std::copy_n(a.obs.data(), slot.obs_size, rows.f32(c.obs) + row * slot.obs_size);
      std::copy_n(action, slot.action_size, rows.f32(c.actions) + row * slot.action_size);
      std::copy_n(a.prev_action.data(), slot.action_size,
                  rows.f32(c.prev_actions) + row * slot.action_size);
      rows.f32(c.prev_rewards)[row] = a.prev_reward;
      const float logp = out.logp[static_cast<std::size_t>(j)];
      rows.f32(c.action_logp)[row] = logp;
      rows.f32(c.action_prob)[row] = std::exp(logp);
      rows.f32(c.vf_preds)[row] =
          out.vf_preds.empty() ? 0.0f : out.vf_preds[static_cast<std::size_t>(j)];
      rows.i64(c.eps_id)[row] = s.episode.id;
      rows.i64(c.agent_index)[row] = a.agent_index;
      rows.i64(c.t)[row] = s.episode.length;
      a.open = true;
      std::copy_n(action, slot.action_size, a.prev_action.data());
      ++s.fragment_agent_steps;
      env_action(i, action, s.runner->actions().set(i), s);
    }
  }
}

// The action the env receives (box_env_action: the one rule for Box actions); other spaces get
// the action as chosen.
void RolloutWorker::env_action(int i, const float* action, float* out, SubEnv& s) const {
  const AgentState& a = s.agents[static_cast<std::size_t>(i)];
  const auto n = static_cast<int64_t>(a.prev_action.size());
  const BoxSpace* box = a.box;
  if (!box) {
    std::copy_n(action, n, out);
    return;
  }
  // Normalising implies clipping: the env always gets an action within the bounds then.
  box_env_action(box->low().data(), box->high().data(), n, options_.normalize_actions,
                 options_.normalize_actions || options_.clip_actions, action, out);
}

// Steps every sampling sub-env, on the pool when there is one: env steps are independent, and
// nothing shared is touched until observe() runs them in order.
void RolloutWorker::step_envs() {
  Impl& m = *impl_;
  auto step = [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) {
      SubEnv& s = *m.envs[static_cast<std::size_t>(e)];
      if (s.sampling) s.runner->step(s.stats);
    }
  };
  if (m.pool) {
    m.pool->parallel_for(num_envs(), 1, step);
  } else {
    step(0, num_envs());
  }
}

// Processes what sub-env `s` reported for its last step (see the top of the header).
bool RolloutWorker::observe(SubEnv& s) {
  Impl& m = *impl_;
  const StepResult& r = s.runner->result();
  ++s.episode.length;
  ++s.fragment_env_steps;
  filter_observations(s);
  const bool hit_horizon = m.horizon && s.episode.length >= *m.horizon && !r.done();
  const bool ending = r.done() || hit_horizon;
  const StandardColumns& c = standard_columns();
  for (int i = 0; i < r.size(); ++i) {
    AgentState& a = s.agents[static_cast<std::size_t>(i)];
    if (r.has_reward(i)) {
      const int p = bind(s, i);  // also gives the agent its agent_index
      s.episode.add_reward(a.agent_index, m.slots[static_cast<std::size_t>(p)].id, r.reward(i));
      if (a.open) a.rows.f32(c.rewards)[a.rows.size() - 1] += static_cast<float>(r.reward(i));
    }
    if (!a.open) continue;
    const bool left = r.reported(i) && (r.terminated(i) || r.truncated(i));
    if (left || ending) {
      bool terminated = (r.reported(i) && r.terminated(i)) || r.all_terminated;
      bool truncated = !terminated;  // the episode was cut short around the agent
      if (hit_horizon && options_.soft_horizon) terminated = truncated = false;
      close_row(s, i, terminated, truncated);
    } else if (r.acts(i)) {
      close_row(s, i, false, false);
    }
  }
  if (options_.callbacks)
    options_.callbacks->on_episode_step(*this, s.episode, s.episode.env_index);
  if (ending) end_episode(s, /*soft=*/hit_horizon && options_.soft_horizon);
  return ending;
}

// ---- sample() ----

MultiAgentBatch& RolloutWorker::sample() {
  if (!options_.sample_async) return sample_fragment();
  Impl& m = *impl_;
  // Samples a fragment into `in_flight`, with what it produced: the sub-envs' statistics (merged
  // in order, then restarted) and the episodes that ended.
  auto sample_in_flight = [&] {
    sample_fragment();
    std::swap(m.in_flight.batch, m.batch);
    IterationStats& stats = m.in_flight.stats;
    const IterationStats& shape = m.envs[0]->stats;
    stats.reset(shape.returns.size(), shape.metrics.size(), shape.custom_metrics.size());
    collect_sub_env_stats(stats);
    m.in_flight.finished.clear();
    m.in_flight.finished.swap(m.finished);
    m.has_in_flight = true;
  };
  if (!m.has_in_flight) sample_in_flight();  // the first call fills the pipeline
  std::swap(m.handed_out, m.in_flight);
  sample_in_flight();
  return m.handed_out.batch;
}

MultiAgentBatch& RolloutWorker::sample_fragment() {
  Impl& m = *impl_;
  m.batch.clear();
  m.batch.env_steps = 0;
  const int64_t fragment = options_.rollout_fragment_length;
  const bool by_agent = options_.count_steps_by == CountStepsBy::agent_steps;
  for (auto& s : m.envs) {
    if (!s->started) start_episode(*s);
    s->sampling = true;
  }
  if (options_.batch_mode == BatchMode::truncate_episodes) {
    // Every sub-env steps until its fragment is full, then its closed rows are cut.
    for (auto& s : m.envs) s->fragment_env_steps = s->fragment_agent_steps = 0;
    int sampling = num_envs();
    while (sampling > 0) {
      act();
      step_envs();
      for (auto& s : m.envs) {
        if (!s->sampling) continue;
        observe(*s);
        const int64_t steps = by_agent ? s->fragment_agent_steps : s->fragment_env_steps;
        if (steps >= fragment) {
          emit_pieces(*s);
          m.batch.env_steps += s->fragment_env_steps;
          s->sampling = false;
          --sampling;
        }
      }
    }
  } else {
    // Whole episodes until they hold at least fragment x num_envs steps.
    const int64_t target = fragment * num_envs();
    int64_t done_steps = 0;
    while (done_steps < target) {
      act();
      step_envs();
      for (auto& s : m.envs) {
        const int64_t length = s->episode.length + 1;
        const int64_t agent_steps_before = s->fragment_agent_steps;
        if (observe(*s)) {  // an episode ended in this step
          const int64_t counted = by_agent ? agent_steps_before : length;
          done_steps += counted;
          m.batch.env_steps += length;
          s->fragment_agent_steps = 0;
        }
      }
    }
    for (auto& s : m.envs) s->sampling = false;
  }
  if (options_.callbacks) options_.callbacks->on_sample_end(*this, m.batch);
  return m.batch;
}

}  // namespace phantom
