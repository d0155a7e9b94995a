// RolloutWorker: the poll loop (act, step, observe, cut), pieces and their postprocessing,
// and the worker's API around it.
#include "trainers/sampling/rollout_worker.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nn/error.hpp"
#include "nn/thread_pool.hpp"
#include "phantom/format.hpp"
#include "trainers/env_runner.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/sampling/observation_filter.hpp"

namespace phantom {

namespace {

// Handles of the standard columns: every trajectory batch is made by with_standard_columns, so
// they are the same in all of them.
struct StandardColumns {
  SampleBatch::Handle obs, new_obs, actions, rewards, terminateds, truncateds, eps_id, agent_index,
      t, prev_actions, prev_rewards, action_logp, action_prob, vf_preds;
  explicit StandardColumns(const SampleBatch& b)
      : obs(b.column(columns::kObs)),
        new_obs(b.column(columns::kNewObs)),
        actions(b.column(columns::kActions)),
        rewards(b.column(columns::kRewards)),
        terminateds(b.column(columns::kTerminateds)),
        truncateds(b.column(columns::kTruncateds)),
        eps_id(b.column(columns::kEpsId)),
        agent_index(b.column(columns::kAgentIndex)),
        t(b.column(columns::kT)),
        prev_actions(b.column(columns::kPrevActions)),
        prev_rewards(b.column(columns::kPrevRewards)),
        action_logp(b.column(columns::kActionLogp)),
        action_prob(b.column(columns::kActionProb)),
        vf_preds(b.column(columns::kVfPreds)) {}
};

const StandardColumns& standard_columns() {
  static const StandardColumns cols(SampleBatch::with_standard_columns(1, 1));
  return cols;
}

float clip_reward(const RewardClipping& c, float r) {
  switch (c.mode) {
    case RewardClipping::Mode::off:
      return r;
    case RewardClipping::Mode::sign:
      return static_cast<float>((r > 0.0f) - (r < 0.0f));
    case RewardClipping::Mode::clamp:
      return std::clamp(r, static_cast<float>(-c.limit), static_cast<float>(c.limit));
  }
  return r;
}

// ---- State ----

/// One policy of the worker and the scratch of its acting batch and pieces.
struct PolicySlot {
  std::string id;
  std::shared_ptr<Policy> policy;
  TrainablePolicy* trainable = nullptr;  // null: a fixed policy (log-prob 0, never learns)
  bool trained = false;
  ObservationFilter* filter = nullptr;
  int64_t obs_size = 0, action_size = 0;
  // This poll's acting rows: the filtered observations and (sub-env, position) of each row.
  std::vector<float> observations;
  std::vector<std::pair<int, int>> rows;
  ActionBatch out;
  SampleBatch piece, original;  // postprocessing scratch
};

/// What the worker keeps about one strategic agent of a sub-env.
struct AgentState {
  SampleBatch rows;   // this episode's rows since the last cut; the last one may be open
  bool open = false;  // the last row awaits its reward / next observation
  int policy = -1;    // slot index, bound for the episode (-1: not yet seen)
  int agent_index = -1;
  std::vector<float> obs;  // the last observation, filtered
  std::vector<float> prev_action;
  float prev_reward = 0.0f;
};

}  // namespace

struct RolloutWorker::SubEnv {
  std::unique_ptr<EnvRunner> runner;
  IterationStats stats;  // since the last collect_stats()
  Episode episode;
  std::vector<AgentState> agents;  // by strategic position
  int64_t episodes_started = 0;    // episode ids, soft resets included
  int64_t fragment_env_steps = 0, fragment_agent_steps = 0;
  bool started = false;
  bool sampling = false;  // takes part in the current sample()
};

struct RolloutWorker::Impl {
  WorkerEnvFactory make_env;
  PolicyMappingFn mapping_fn;
  std::vector<PolicySlot> slots;       // in policy id order
  std::map<std::string, int> slot_of;  // policy id -> slot
  std::vector<std::unique_ptr<SubEnv>> envs;
  std::vector<int> positions_by_id;  // strategic positions sorted by agent id
  std::optional<int64_t> horizon;
  nn::Rng rng;
  MultiAgentBatch batch;
  std::vector<EpisodeRecord> finished;
  std::unique_ptr<nn::ThreadPool> pool;  // null: sub-envs step on the calling thread
};

// ---- Construction ----

RolloutWorker::RolloutWorker(WorkerEnvFactory make_env, PolicyMap policies,
                             const PolicyMapping& mapping, RolloutWorkerOptions options)
    : RolloutWorker(std::move(make_env), std::move(policies), &mapping, nullptr,
                    std::move(options)) {}

RolloutWorker::RolloutWorker(WorkerEnvFactory make_env, PolicyMap policies,
                             PolicyMappingFn mapping_fn, RolloutWorkerOptions options)
    : RolloutWorker(std::move(make_env), std::move(policies), nullptr, std::move(mapping_fn),
                    std::move(options)) {}

RolloutWorker::~RolloutWorker() = default;

RolloutWorker::RolloutWorker(WorkerEnvFactory make_env, PolicyMap policies,
                             const PolicyMapping* mapping, PolicyMappingFn mapping_fn,
                             RolloutWorkerOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  const RolloutWorkerOptions& o = options_;
  auto bad = [](const std::string& what) { throw ConfigError("RolloutWorkerOptions: " + what); };
  if (o.num_envs < 1) bad("num_envs = " + std::to_string(o.num_envs) + ", expected >= 1");
  if (o.rollout_fragment_length < 1) {
    bad("rollout_fragment_length = " + std::to_string(o.rollout_fragment_length) +
        ", expected >= 1");
  }
  if (o.horizon && *o.horizon < 1)
    bad("horizon = " + std::to_string(*o.horizon) + ", expected >= 1");
  if (o.clip_rewards.mode == RewardClipping::Mode::clamp && !(o.clip_rewards.limit > 0.0)) {
    bad("clip_rewards limit must be > 0");
  }
  if (o.worker_index < 0 || o.num_workers < 0) bad("worker_index and num_workers must be >= 0");
  if (o.num_threads < 1) bad("num_threads = " + std::to_string(o.num_threads) + ", expected >= 1");
  if (!make_env) bad("the env factory is empty");
  Impl& m = *impl_;
  m.make_env = std::move(make_env);
  m.rng = nn::Rng(worker_seed(), /*stream=*/0x5A3D);

  // Sub-envs: each must have the first one's agents and spaces.
  for (int v = 0; v < o.num_envs; ++v) {
    EnvContext ctx{o.env_config, o.worker_index, v, o.num_workers};
    std::unique_ptr<PhantomEnv> env = m.make_env(ctx);
    if (!env)
      throw ConfigError("RolloutWorker: the env factory returned null for sub-env " +
                        std::to_string(v));
    if (v > 0) {
      const PhantomEnv& first = m.envs[0]->runner->env();
      if (env->strategic_agent_ids() != first.strategic_agent_ids()) {
        throw ConfigError("RolloutWorker: the env factory built sub-env " + std::to_string(v) +
                          " with strategic agents " + quoted_list(env->strategic_agent_ids()) +
                          ", but sub-env 0 has " + quoted_list(first.strategic_agent_ids()) +
                          "; every sub-env must have the same agents in the same order");
      }
      for (int i = 0; i < env->num_strategic(); ++i) {
        if (!(*env->strategic_agent(i).observation_space() ==
              *first.strategic_agent(i).observation_space()) ||
            !(*env->strategic_agent(i).action_space() ==
              *first.strategic_agent(i).action_space())) {
          throw ConfigError("RolloutWorker: agent '" + env->strategic_agent_ids()[i] +
                            "' of sub-env " + std::to_string(v) +
                            " has other spaces than in sub-env 0");
        }
      }
    }
    auto sub = std::make_unique<SubEnv>();
    sub->runner = std::make_unique<EnvRunner>(std::move(env), sub_env_seed_for(v), o.metrics);
    sub->episode.env_index = v;
    m.envs.push_back(std::move(sub));
    if (o.callbacks)
      o.callbacks->on_sub_environment_created(*this, m.envs.back()->runner->env(), ctx, v);
  }
  PhantomEnv& env0 = m.envs[0]->runner->env();
  const int n = env0.num_strategic();

  // The mapping: a PolicyMapping resolves once against the first env.
  if (mapping) {
    ResolvedPolicies resolved = mapping->assign(env0);
    std::map<std::string, std::string> policy_of;
    for (int i = 0; i < n; ++i) {
      policy_of[env0.strategic_agent_ids()[static_cast<std::size_t>(i)]] =
          resolved.policy_for(i).id;
    }
    for (const ResolvedPolicy& rp : resolved.policies) {
      if (!policies.count(rp.id)) {
        throw ConfigError("RolloutWorker: the mapping names policy '" + rp.id +
                          "' but no policy with that id was given");
      }
    }
    m.mapping_fn = [policy_of](const std::string& agent, const Episode&) {
      return policy_of.at(agent);
    };
  } else {
    if (!mapping_fn) throw ConfigError("RolloutWorker: the policy mapping function is empty");
    m.mapping_fn = std::move(mapping_fn);
  }

  // Policies (id order) and their filters.
  if (o.policies_to_train) {
    for (const std::string& id : *o.policies_to_train) {
      auto it = policies.find(id);
      if (it == policies.end() || !std::dynamic_pointer_cast<TrainablePolicy>(it->second)) {
        throw ConfigError("RolloutWorkerOptions: policies_to_train names '" + id +
                          "', which is not a trainable policy of this worker");
      }
    }
  }
  for (auto& [id, policy] : policies) {
    if (!policy) throw ConfigError("RolloutWorker: policy '" + id + "' is null");
    PolicySlot slot;
    slot.id = id;
    slot.policy = policy;
    slot.trainable = dynamic_cast<TrainablePolicy*>(policy.get());
    slot.trained = slot.trainable &&
                   (!o.policies_to_train ||
                    std::count(o.policies_to_train->begin(), o.policies_to_train->end(), id));
    slot.obs_size = policy->observation_space()->flat_size();
    slot.action_size = policy->action_space()->flat_size();
    filters_.add(id,
                 make_observation_filter(o.observation_filter, slot.obs_size,
                                         filter_passthrough_mask(*policy->observation_space())));
    slot.filter = &filters_.get(id);
    m.slot_of[id] = static_cast<int>(m.slots.size());
    m.slots.push_back(std::move(slot));
    if (o.callbacks && m.slots.back().trainable) {
      o.callbacks->on_create_policy(id, *m.slots.back().trainable);
    }
  }

  // Horizon: the env's own limit unless a shorter one is asked for.
  m.horizon = env0.num_steps();
  if (o.horizon) {
    if (env0.num_steps() && *o.horizon > *env0.num_steps()) {
      throw ConfigError("RolloutWorkerOptions: horizon = " + std::to_string(*o.horizon) +
                        " exceeds the env's num_steps = " + std::to_string(*env0.num_steps()) +
                        " (raise the env's limit instead)");
    }
    m.horizon = o.horizon;
  }

  if (o.num_threads > 1) m.pool = std::make_unique<nn::ThreadPool>(o.num_threads);
  for (auto& sub : m.envs) sub->stats.reset(static_cast<std::size_t>(n), o.metrics.size());
  m.positions_by_id.resize(static_cast<std::size_t>(n));
  std::iota(m.positions_by_id.begin(), m.positions_by_id.end(), 0);
  std::sort(m.positions_by_id.begin(), m.positions_by_id.end(), [&](int a, int b) {
    return env0.strategic_agent_ids()[static_cast<std::size_t>(a)] <
           env0.strategic_agent_ids()[static_cast<std::size_t>(b)];
  });
  for (auto& sub : m.envs) {
    sub->agents.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const StrategicAgent& agent = env0.strategic_agent(i);
      AgentState& a = sub->agents[static_cast<std::size_t>(i)];
      a.rows = SampleBatch::with_standard_columns(agent.observation_space()->flat_size(),
                                                  agent.action_space()->flat_size());
      a.obs.assign(static_cast<std::size_t>(agent.observation_space()->flat_size()), 0.0f);
      a.prev_action.assign(static_cast<std::size_t>(agent.action_space()->flat_size()), 0.0f);
    }
  }
}

uint64_t RolloutWorker::worker_seed() const {
  return options_.seed.value_or(0) + static_cast<uint64_t>(options_.worker_index);
}

uint64_t RolloutWorker::sub_env_seed_for(int vector_index) const {
  return worker_seed() + 1000 * static_cast<uint64_t>(options_.worker_index) +
         static_cast<uint64_t>(vector_index);
}

uint64_t RolloutWorker::sub_env_seed(int vector_index) const {
  if (vector_index < 0 || vector_index >= num_envs()) {
    throw ValueError("RolloutWorker: no sub-env " + std::to_string(vector_index) + " (it has " +
                     std::to_string(num_envs()) + ")");
  }
  return sub_env_seed_for(vector_index);
}

int RolloutWorker::num_envs() const {
  return static_cast<int>(impl_->envs.size());
}

PhantomEnv& RolloutWorker::env(int vector_index) {
  sub_env_seed(vector_index);  // range check
  return impl_->envs[static_cast<std::size_t>(vector_index)]->runner->env();
}

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

// The action the env receives: rescaled from [-1, 1] (normalize_actions) or clipped
// (clip_actions) for Box spaces with finite bounds; anything else as chosen.
void RolloutWorker::env_action(int i, const float* action, float* out, SubEnv& s) const {
  const Space& space = *s.runner->env().strategic_agent(i).action_space();
  const int64_t n = space.flat_size();
  std::copy_n(action, n, out);
  if (!(options_.normalize_actions || options_.clip_actions)) return;
  const auto* box = dynamic_cast<const BoxSpace*>(&space);
  if (!box) return;
  const std::vector<float>& low = box->low();
  const std::vector<float>& high = box->high();
  for (int64_t k = 0; k < n; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    const bool finite = std::isfinite(low[kk]) && std::isfinite(high[kk]);
    if (options_.normalize_actions && finite) {
      out[k] = low[kk] + (action[k] + 1.0f) * (high[kk] - low[kk]) / 2.0f;
    }
    out[k] = std::clamp(out[k], low[kk], high[kk]);
  }
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
  const std::vector<std::string>& ids = s.runner->env().strategic_agent_ids();
  for (int i = 0; i < r.size(); ++i) {
    AgentState& a = s.agents[static_cast<std::size_t>(i)];
    if (r.has_reward(i)) {
      const int p = bind(s, i);
      s.episode.add_reward(ids[static_cast<std::size_t>(i)],
                           m.slots[static_cast<std::size_t>(p)].id, r.reward(i));
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

std::vector<EpisodeRecord> RolloutWorker::get_metrics() {
  std::vector<EpisodeRecord> out;
  out.swap(impl_->finished);
  return out;
}

void RolloutWorker::collect_stats(IterationStats& stats) {
  for (auto& s : impl_->envs) {  // sub-env order: independent of the threads
    stats.merge(s->stats);
    s->stats.reset(s->stats.returns.size(), s->stats.metrics.size());
  }
}

// ---- Learning ----

bool RolloutWorker::is_trained(const std::string& policy_id) const {
  auto it = impl_->slot_of.find(policy_id);
  return it != impl_->slot_of.end() && impl_->slots[static_cast<std::size_t>(it->second)].trained;
}

void RolloutWorker::learn_on_batch(MultiAgentBatch& batch,
                                   std::map<std::string, LearnerStats>& stats) {
  for (PolicySlot& slot : impl_->slots) {
    if (!slot.trained || !batch.has_policy(slot.id) || batch.batch(slot.id).size() == 0) continue;
    SampleBatch& b = batch.batch(slot.id);
    LearnerStats& result = stats[slot.id];
    if (options_.callbacks) {  // before the loss: it may change the batch
      std::map<std::string, double> custom;
      options_.callbacks->on_learn_on_batch(*slot.trainable, b, custom);
      for (const auto& [k, v] : custom) result.set("custom_metrics/" + k, v);
    }
    slot.trainable->learn_on_batch(b, result);
  }
}

std::map<std::string, Gradients> RolloutWorker::compute_gradients(
    MultiAgentBatch& batch, std::map<std::string, LearnerStats>& stats) {
  std::map<std::string, Gradients> grads;
  for (PolicySlot& slot : impl_->slots) {
    if (!slot.trained || !batch.has_policy(slot.id) || batch.batch(slot.id).size() == 0) continue;
    grads[slot.id] = slot.trainable->compute_gradients(batch.batch(slot.id), stats[slot.id]);
  }
  return grads;
}

void RolloutWorker::apply_gradients(const std::map<std::string, Gradients>& gradients) {
  for (const auto& [id, g] : gradients) trainable(id).apply_gradients(g);
}

TrainablePolicy& RolloutWorker::trainable(const std::string& policy_id) const {
  auto it = impl_->slot_of.find(policy_id);
  if (it == impl_->slot_of.end() || !impl_->slots[static_cast<std::size_t>(it->second)].trainable) {
    throw ConfigError("RolloutWorker: no trainable policy '" + policy_id + "' on worker " +
                      std::to_string(options_.worker_index));
  }
  return *impl_->slots[static_cast<std::size_t>(it->second)].trainable;
}

// ---- Weights, global vars, filters, state ----

nn::StateDict RolloutWorker::get_weights(const std::vector<std::string>& policy_ids) const {
  nn::StateDict out;
  for (const PolicySlot& slot : impl_->slots) {
    if (!slot.trainable) continue;
    if (!policy_ids.empty() &&
        std::find(policy_ids.begin(), policy_ids.end(), slot.id) == policy_ids.end()) {
      continue;
    }
    slot.trainable->get_weights(out, slot.id);
  }
  return out;
}

void RolloutWorker::set_weights(const nn::StateDict& weights, std::optional<GlobalVars> vars) {
  for (const PolicySlot& slot : impl_->slots) {
    if (!slot.trainable) continue;
    // A policy is present when some entry starts with "<id>.".
    const std::string prefix = slot.id + ".";
    bool present = false;
    for (const std::string& name : weights.names()) {
      if (name.compare(0, prefix.size(), prefix) == 0) {
        present = true;
        break;
      }
    }
    if (present) slot.trainable->set_weights(weights, slot.id);
  }
  if (vars) set_global_vars(*vars);
}

void RolloutWorker::set_global_vars(const GlobalVars& vars) {
  global_vars_ = vars;
  for (const PolicySlot& slot : impl_->slots) {
    if (slot.trainable) slot.trainable->on_global_var_update(vars);
  }
}

FilterSnapshot RolloutWorker::get_filters(bool flush_after) {
  return filters_.snapshot(flush_after);
}

void RolloutWorker::sync_filters(const FilterSnapshot& snapshot) {
  filters_.sync(snapshot);
}

void RolloutWorker::save(nn::StateDict& out, const std::string& prefix) const {
  filters_.save(out, prefix + ".filters");
  for (const PolicySlot& slot : impl_->slots) {
    if (slot.trainable) slot.trainable->get_state(out, prefix + ".policy." + slot.id);
  }
  out.set_rng(prefix + ".rng", impl_->rng);
  out.set_int(prefix + ".global_timestep", global_vars_.timestep);
  for (int e = 0; e < num_envs(); ++e) {
    save_sub_env(*impl_->envs[static_cast<std::size_t>(e)], out,
                 prefix + ".env" + std::to_string(e));
  }
}

void RolloutWorker::restore(const nn::StateDict& in, const std::string& prefix) {
  filters_.load(in, prefix + ".filters");
  for (const PolicySlot& slot : impl_->slots) {
    if (slot.trainable) slot.trainable->set_state(in, prefix + ".policy." + slot.id);
  }
  impl_->rng = in.get_rng(prefix + ".rng");
  global_vars_.timestep = in.get_int(prefix + ".global_timestep");
  for (int e = 0; e < num_envs(); ++e) {
    restore_sub_env(*impl_->envs[static_cast<std::size_t>(e)], in,
                    prefix + ".env" + std::to_string(e));
  }
}

// A sub-env mid-episode: the env itself is restored by replaying the actions since its reset
// (EnvRunner), everything the worker knows about the episode is saved as data. Episode
// user_data holds arbitrary C++ values and is not saved.
void RolloutWorker::save_sub_env(const SubEnv& s, nn::StateDict& out,
                                 const std::string& prefix) const {
  s.runner->save(out, prefix + ".runner");
  out.set_int(prefix + ".started", s.started ? 1 : 0);
  out.set_int(prefix + ".episodes_started", s.episodes_started);
  out.set_int(prefix + ".fragment_agent_steps", s.fragment_agent_steps);
  const Episode& ep = s.episode;
  out.set_int(prefix + ".episode.id", ep.id);
  out.set_int(prefix + ".episode.length", ep.length);
  out.set_doubles(prefix + ".episode.total_reward", {ep.total_reward});
  std::string keys;
  std::vector<double> values;
  for (const auto& [key, value] : ep.agent_rewards()) {
    keys += key.first + '\n' + key.second + '\n';
    values.push_back(value);
  }
  out.set_string(prefix + ".episode.reward_keys", keys);
  out.set_doubles(prefix + ".episode.rewards", values);
  keys.clear();
  values.clear();
  for (const auto& [name, value] : ep.custom_metrics) {
    keys += name + '\n';
    values.push_back(value);
  }
  out.set_string(prefix + ".episode.custom_metric_names", keys);
  out.set_doubles(prefix + ".episode.custom_metrics", values);
  int h = 0;
  for (const auto& [name, list] : ep.hist_data) {
    out.set_string(prefix + ".episode.hist" + std::to_string(h) + ".name", name);
    out.set_doubles(prefix + ".episode.hist" + std::to_string(h) + ".values", list);
    ++h;
  }
  out.set_int(prefix + ".episode.hists", h);
  for (std::size_t i = 0; i < s.agents.size(); ++i) {
    const AgentState& a = s.agents[i];
    const std::string p = prefix + ".agent" + std::to_string(i);
    a.rows.save(out, p + ".rows");
    out.set_int(p + ".open", a.open ? 1 : 0);
    out.set_string(p + ".policy",
                   a.policy >= 0 ? impl_->slots[static_cast<std::size_t>(a.policy)].id : "");
    out.set_int(p + ".agent_index", a.agent_index);
    out.set_doubles(p + ".obs", std::vector<double>(a.obs.begin(), a.obs.end()));
    out.set_doubles(p + ".prev_action",
                    std::vector<double>(a.prev_action.begin(), a.prev_action.end()));
    out.set_doubles(p + ".prev_reward", {a.prev_reward});
  }
}

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

void restore_floats(const nn::StateDict& in, const std::string& name, std::vector<float>& dst) {
  std::vector<double> v = in.get_doubles(name);
  if (v.size() != dst.size()) {
    throw FormatError(in.source() + ": " + name + " holds " + std::to_string(v.size()) +
                      " values, expected " + std::to_string(dst.size()));
  }
  std::copy(v.begin(), v.end(), dst.begin());
}

}  // namespace

void RolloutWorker::restore_sub_env(SubEnv& s, const nn::StateDict& in, const std::string& prefix) {
  Impl& m = *impl_;
  s.runner->load(in, prefix + ".runner");
  s.started = in.get_int(prefix + ".started") != 0;
  s.episodes_started = in.get_int(prefix + ".episodes_started");
  s.fragment_agent_steps = in.get_int(prefix + ".fragment_agent_steps");
  Episode& ep = s.episode;
  ep.reset(in.get_int(prefix + ".episode.id"));
  ep.length = in.get_int(prefix + ".episode.length");
  // Agents in their saved order, so their agent indices come back the same.
  std::vector<std::pair<int, int>> by_index;  // (agent index, position)
  for (std::size_t i = 0; i < s.agents.size(); ++i) {
    AgentState& a = s.agents[i];
    const std::string p = prefix + ".agent" + std::to_string(i);
    a.rows.load(in, p + ".rows");
    a.open = in.get_int(p + ".open") != 0;
    const std::string& policy = in.get_string(p + ".policy");
    a.policy = -1;
    if (!policy.empty()) {
      auto it = m.slot_of.find(policy);
      if (it == m.slot_of.end()) {
        throw FormatError(in.source() + ": " + p + ": policy '" + policy +
                          "' is not a policy of this worker");
      }
      a.policy = it->second;
    }
    a.agent_index = static_cast<int>(in.get_int(p + ".agent_index"));
    if (a.agent_index >= 0) by_index.emplace_back(a.agent_index, static_cast<int>(i));
    restore_floats(in, p + ".obs", a.obs);
    restore_floats(in, p + ".prev_action", a.prev_action);
    a.prev_reward = static_cast<float>(in.get_doubles(p + ".prev_reward").at(0));
  }
  std::sort(by_index.begin(), by_index.end());
  const std::vector<std::string>& ids = s.runner->env().strategic_agent_ids();
  for (auto [index, i] : by_index) {
    const AgentState& a = s.agents[static_cast<std::size_t>(i)];
    const std::string saved = a.policy >= 0 ? m.slots[static_cast<std::size_t>(a.policy)].id : "";
    if (saved.empty()) {
      ep.ensure_agent(ids[static_cast<std::size_t>(i)]);
    } else {
      ep.policy_for(ids[static_cast<std::size_t>(i)],
                    [&saved](const std::string&, const Episode&) { return saved; });
    }
  }
  std::vector<std::string> keys = split_lines(in.get_string(prefix + ".episode.reward_keys"));
  std::vector<double> values = in.get_doubles(prefix + ".episode.rewards");
  if (keys.size() != 2 * values.size()) {
    throw FormatError(in.source() + ": " + prefix + ": episode reward entries do not match");
  }
  for (std::size_t k = 0; k < values.size(); ++k)
    ep.add_reward(keys[2 * k], keys[2 * k + 1], values[k]);
  ep.total_reward = in.get_doubles(prefix + ".episode.total_reward").at(0);
  keys = split_lines(in.get_string(prefix + ".episode.custom_metric_names"));
  values = in.get_doubles(prefix + ".episode.custom_metrics");
  if (keys.size() != values.size()) {
    throw FormatError(in.source() + ": " + prefix + ": custom metric entries do not match");
  }
  for (std::size_t k = 0; k < values.size(); ++k) ep.custom_metrics[keys[k]] = values[k];
  const int64_t hists = in.get_int(prefix + ".episode.hists");
  for (int64_t h = 0; h < hists; ++h) {
    const std::string p = prefix + ".episode.hist" + std::to_string(h);
    ep.hist_data[in.get_string(p + ".name")] = in.get_doubles(p + ".values");
  }
}

// ---- Access ----

void RolloutWorker::foreach_env(const std::function<void(PhantomEnv&, int)>& f) {
  for (int e = 0; e < num_envs(); ++e)
    f(impl_->envs[static_cast<std::size_t>(e)]->runner->env(), e);
}

void RolloutWorker::foreach_policy(const std::function<void(Policy&, const std::string&)>& f) {
  for (PolicySlot& slot : impl_->slots) f(*slot.policy, slot.id);
}

void RolloutWorker::foreach_trainable_policy(
    const std::function<void(TrainablePolicy&, const std::string&)>& f) {
  for (PolicySlot& slot : impl_->slots) {
    if (slot.trained) f(*slot.trainable, slot.id);
  }
}

Policy* RolloutWorker::get_policy(const std::string& policy_id) const {
  auto it = impl_->slot_of.find(policy_id);
  return it == impl_->slot_of.end()
             ? nullptr
             : impl_->slots[static_cast<std::size_t>(it->second)].policy.get();
}

}  // namespace phantom
