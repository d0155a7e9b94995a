// RolloutWorker's poll loop (see the top of rollout_worker.hpp): act, step, observe, cut; the
// episode boundaries; and sample() in both batch modes.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>

#include "nn/error.hpp"
#include "phantom/format.hpp"
#include "trainers/sampling/box_action.hpp"
#include "trainers/sampling/copy_values.hpp"
#include "trainers/sampling/observation_filter.hpp"
#include "trainers/sampling/worker_state.hpp"

namespace phantom {

using worker_internal::AgentState;
using worker_internal::clip_reward;
using worker_internal::PolicySlot;

// ---- Episodes ----

// The slot of agent i's policy for this episode; the mapping function is called once.
int RolloutWorker::bind(SubEnv& s, int i) {
  const int policy = s.agents[static_cast<std::size_t>(i)].policy;
  return policy >= 0 ? policy : bind_first_time(s, i);
}

int RolloutWorker::bind_first_time(SubEnv& s, int i) {
  Impl& m = *impl_;
  AgentState& a = s.agents[static_cast<std::size_t>(i)];
  const std::string& agent_id = s.runner->env().strategic_agent_ids()[static_cast<std::size_t>(i)];
  const std::string& policy_id = s.episode.policy_for(agent_id, m.mapping_fn);
  auto it = m.slot_of.find(policy_id);
  if (it == m.slot_of.end()) {
    throw ConfigError("RolloutWorker: the mapping function gave agent '" + agent_id + "' policy '" +
                      policy_id + "', which is not a policy of this worker");
  }
  const PolicySlot& slot = m.slots[static_cast<std::size_t>(it->second)];
  if (slot.obs_size != a.trajectory.obs_size() || slot.action_size != a.trajectory.action_size()) {
    throw ConfigError("RolloutWorker: policy '" + policy_id + "' does not fit agent '" + agent_id +
                      "' (other observation or action sizes)");
  }
  a.policy = it->second;
  a.agent_index = s.episode.agent_index(agent_id);
  return a.policy;
}

// Filters agent i's observation of the last reset()/step() once, as it arrives. A non-finite one
// is reported (replace_non_finite_observation); it does not update the filter's statistics, which
// one NaN would spoil for good. Inline: it runs for every observation.
inline void RolloutWorker::filter_observation(SubEnv& s, int i) {
  AgentState& a = s.agents[static_cast<std::size_t>(i)];
  PolicySlot& slot = impl_->slots[static_cast<std::size_t>(bind(s, i))];
  float* obs = a.obs.data();
  const bool finite = copy_values_finite(s.runner->result().observation(i),
                                         static_cast<int64_t>(a.obs.size()), obs);
  if (!finite) replace_non_finite_observation(s, i);
  if (slot.filter_changes_observations) slot.filter->apply(obs, 1, /*update=*/finite);
}

// Reports agent i's non-finite observation (note_non_finite) and, when training goes on, puts 0
// in place of its bad values. Out of line: the per-step path never calls it.
void RolloutWorker::replace_non_finite_observation(SubEnv& s, int i) {
  std::vector<float>& obs = s.agents[static_cast<std::size_t>(i)].obs;
  auto non_finite = [](float v) { return !std::isfinite(v); };
  note_non_finite(s, i, "observation", *std::find_if(obs.begin(), obs.end(), non_finite));
  std::replace_if(obs.begin(), obs.end(), non_finite, 0.0f);
}

// A non-finite reward or observation of agent i: a TrainingError (on_non_finite = raise), or
// the first of its policy in this batch is kept (MultiAgentBatch::non_finite) so that
// learn_on_batch skips the policy, and the caller carries on with 0 in its place.
void RolloutWorker::note_non_finite(SubEnv& s, int i, const char* what, double value) {
  Impl& m = *impl_;
  const PolicySlot& slot = m.slots[static_cast<std::size_t>(bind(s, i))];
  NonFiniteValue v;
  v.what = what;
  v.policy_id = slot.id;
  v.agent_id = s.runner->env().strategic_agent_ids()[static_cast<std::size_t>(i)];
  v.env_index = s.episode.env_index;
  v.episode_id = s.episode.id;
  v.step = s.episode.length;
  v.value = value;
  if (options_.on_non_finite == NonFiniteAction::raise) {
    throw TrainingError("policy '" + slot.id + "': " + v.describe());
  }
  if (!m.batch.non_finite_of(slot.id)) m.batch.non_finite.push_back(std::move(v));
}

void RolloutWorker::start_episode(SubEnv& s) {
  Impl& m = *impl_;
  s.runner->reset();
  s.episode.reset(episode_id(s));
  for (AgentState& a : s.agents) {
    a.trajectory.start_episode();
    a.policy = -1;
    a.agent_index = -1;
  }
  const StepResult& r = s.runner->result();
  for (int i = 0; i < r.size(); ++i) {
    if (r.observed(i)) filter_observation(s, i);
  }
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
  AgentState& a = s.agents[static_cast<std::size_t>(i)];
  if (options_.no_done_at_end) terminated = truncated = false;
  a.trajectory.close_row(a.obs.data(), terminated, truncated);
}

// Turns agent i's closed rows into a piece: clip rewards, callbacks, the policy's
// postprocessing, then into its policy's batch.
void RolloutWorker::emit_piece(SubEnv& s, int i) {
  Impl& m = *impl_;
  AgentState& a = s.agents[static_cast<std::size_t>(i)];
  const int64_t closed = a.trajectory.closed();
  if (closed == 0) return;
  PolicySlot& slot = m.slots[static_cast<std::size_t>(a.policy)];
  const bool clip = options_.clip_rewards.mode != RewardClipping::Mode::off;
  auto clip_rewards = [&](float* rewards) {
    for (int64_t r = 0; r < closed; ++r)
      rewards[r] = clip_reward(options_.clip_rewards, rewards[r]);
  };
  if (!options_.callbacks && !slot.trainable) {
    // Nothing reads or rewrites this piece (no callbacks, no postprocessing): its rows go
    // straight into the policy's batch, one copy of each row instead of two.
    SampleBatch& batch = m.batch.policy_batches[slot.id];
    if (batch.num_columns() == 0)
      batch = SampleBatch::with_standard_columns(slot.obs_size, slot.action_size);
    const int64_t first = batch.size();
    a.trajectory.append_rows(closed, batch);
    if (clip) clip_rewards(batch.f32(standard_column::rewards) + first);
    a.trajectory.erase_front(closed);
    return;
  }
  SampleBatch& piece = slot.piece;
  // Reused: columns postprocessing added stay, zero until it fills them again.
  if (piece.num_columns() == 0)
    piece = SampleBatch::with_standard_columns(slot.obs_size, slot.action_size);
  a.trajectory.write_rows(closed, piece);
  if (options_.callbacks) {
    if (slot.original.num_columns() == 0)
      slot.original = SampleBatch::with_standard_columns(slot.obs_size, slot.action_size);
    a.trajectory.write_rows(closed, slot.original);
  }
  if (clip) clip_rewards(piece.f32(standard_column::rewards));
  if (options_.callbacks) {
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
  a.trajectory.erase_front(closed);
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
  // Normalising implies clipping: the env always gets an action within the bounds then.
  const bool clip = options_.normalize_actions || options_.clip_actions;
  for (PolicySlot& slot : m.slots) {
    slot.rows.clear();
    slot.observations.clear();
  }
  for (int e = 0, n = num_envs(); e < n; ++e) {
    SubEnv& s = *m.envs[static_cast<std::size_t>(e)];
    s.runner->actions().clear();
    if (!s.sampling) continue;
    const StepResult& r = s.runner->result();
    for (int i = 0; i < r.size(); ++i) {
      if (!r.acts(i)) continue;
      AgentState& a = s.agents[static_cast<std::size_t>(i)];
      PolicySlot& slot = m.slots[static_cast<std::size_t>(bind(s, i))];
      // A batched policy reads its agents' observations as one matrix; a plain one reads each
      // agent's in place.
      if (slot.trainable)
        slot.observations.insert(slot.observations.end(), a.obs.begin(), a.obs.end());
      slot.rows.emplace_back(e, i);
    }
  }
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
        auto [e, i] = slot.rows[static_cast<std::size_t>(j)];
        const AgentState& a =
            m.envs[static_cast<std::size_t>(e)]->agents[static_cast<std::size_t>(i)];
        slot.policy->compute_action(a.obs.data(), out.actions.data() + j * slot.action_size, m.rng);
      }
    }
    for (int64_t j = 0; j < k; ++j) {
      auto [e, i] = slot.rows[static_cast<std::size_t>(j)];
      SubEnv& s = *m.envs[static_cast<std::size_t>(e)];
      AgentState& a = s.agents[static_cast<std::size_t>(i)];
      const float* action = out.actions.data() + j * slot.action_size;
      const float vf = out.vf_preds.empty() ? 0.0f : out.vf_preds[static_cast<std::size_t>(j)];
      a.trajectory.open_row(a.obs.data(), action, out.logp[static_cast<std::size_t>(j)], vf,
                            s.episode.id, a.agent_index, s.episode.length);
      ++s.fragment_agent_steps;
      // The action the env receives: box_env_action is the one rule for Box actions; other
      // spaces, and Box actions when neither normalising nor clipping, get it as chosen.
      float* to_env = s.runner->actions().set(i);
      if (a.box_low && clip) {
        box_env_action(a.box_low, a.box_high, slot.action_size, options_.normalize_actions,
                       /*clip=*/true, action, to_env);
      } else {
        copy_values(action, slot.action_size, to_env);
      }
    }
  }
}

// Steps every sampling sub-env, on the pool when there is one and the steps are dear enough for
// that to pay (nn::MeasuredSplit decides): env steps are independent, and nothing shared is
// touched until observe() runs them in order.
void RolloutWorker::step_envs() {
  Impl& m = *impl_;
  auto step = [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) {
      SubEnv& s = *m.envs[static_cast<std::size_t>(e)];
      if (s.sampling) s.runner->step(s.stats);
    }
  };
  if (m.pool) {
    m.step_split.run(*m.pool, num_envs(), step);
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
  const bool hit_horizon = m.horizon && s.episode.length >= *m.horizon && !r.done();
  const bool ending = r.done() || hit_horizon;
  for (int i = 0; i < r.size(); ++i) {
    AgentState& a = s.agents[static_cast<std::size_t>(i)];
    // One pass per agent: its new observation first, which closing its row reads.
    if (r.observed(i)) filter_observation(s, i);
    if (r.has_reward(i)) {
      bind(s, i);  // gives the agent its policy and agent_index
      double reward = r.reward(i);
      // As the row will hold it: a finite double beyond float's range is infinite there.
      if (!std::isfinite(static_cast<float>(reward))) {
        note_non_finite(s, i, "reward", reward);
        reward = 0.0;
      }
      s.episode.add_reward(a.agent_index, reward);
      if (a.trajectory.open()) a.trajectory.add_reward(static_cast<float>(reward));
    }
    if (!a.trajectory.open()) continue;
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
  if (!options_.sample_async) return write_output(sample_fragment());
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
  return write_output(m.handed_out.batch);
}

MultiAgentBatch& RolloutWorker::write_output(MultiAgentBatch& batch) {
  Impl& m = *impl_;
  if (!m.output) return batch;
  // Decided at each write: a policy may be switched between exploring and not.
  std::set<std::string> without_probabilities;
  for (const PolicySlot& slot : m.slots) {
    if (!slot.trainable || !slot.trainable->records_action_probabilities())
      without_probabilities.insert(slot.id);
  }
  m.output->write(batch, without_probabilities);
  return batch;
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
