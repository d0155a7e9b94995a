// RolloutWorker: construction, seeds, and the API around the poll loop (learning, weights,
// global vars, filters, access). The loop itself is in worker_poll.cpp, checkpoints in
// worker_checkpoint.cpp.
#include "trainers/sampling/rollout_worker.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

#include "nn/error.hpp"
#include "phantom/env_signature.hpp"
#include "trainers/sampling/observation_filter.hpp"
#include "trainers/sampling/worker_state.hpp"

namespace phantom {

using worker_internal::AgentState;
using worker_internal::PolicySlot;

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
  if (o.output_max_file_size < 1) {
    bad("output_max_file_size = " + std::to_string(o.output_max_file_size) +
        ", expected >= 1 (bytes)");
  }
  if (!make_env) bad("the env factory is empty");
  Impl& m = *impl_;
  m.make_env = std::move(make_env);
  m.rng = nn::Rng(worker_seed(), /*stream=*/0x5A3D);
  if (!o.output_dir.empty()) {
    m.output = std::make_unique<JsonWriter>(o.output_dir, o.worker_index, o.output_max_file_size);
  }

  // Sub-envs: each must have the first one's agents and spaces.
  EnvSignature first;
  for (int v = 0; v < o.num_envs; ++v) {
    EnvContext ctx{o.env_config, o.worker_index, v, o.num_workers};
    std::unique_ptr<PhantomEnv> env = m.make_env(ctx);
    if (!env)
      throw ConfigError("RolloutWorker: the env factory returned null for sub-env " +
                        std::to_string(v));
    if (v == 0) {
      first = EnvSignature(*env);
    } else {
      first.check(*env, "RolloutWorker", "sub-env " + std::to_string(v));
    }
    auto sub = std::make_unique<SubEnv>();
    sub->runner = std::make_unique<EnvRunner>(std::move(env), sub_env_seed_for(v), o.metrics);
    if (o.in_evaluation) sub->runner->set_metric_mode(Mode::eval);
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
    slot.filter_changes_observations = dynamic_cast<const NoFilter*>(slot.filter) == nullptr;
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
  for (auto& sub : m.envs) {
    sub->stats.reset(static_cast<std::size_t>(n), o.metrics.size(), o.custom_metrics.size());
  }
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
      a.trajectory = TrajectoryBuilder(agent.observation_space()->flat_size(),
                                       agent.action_space()->flat_size());
      a.obs.assign(static_cast<std::size_t>(agent.observation_space()->flat_size()), 0.0f);
      if (const auto* box = dynamic_cast<const BoxSpace*>(agent.action_space().get())) {
        a.box_low = box->low().data();
        a.box_high = box->high().data();
      }
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

std::vector<EpisodeRecord> RolloutWorker::get_metrics() {
  std::vector<EpisodeRecord> out;
  out.swap(options_.sample_async ? impl_->handed_out.finished : impl_->finished);
  return out;
}

void RolloutWorker::collect_stats(IterationStats& stats) {
  if (!options_.sample_async) {
    collect_sub_env_stats(stats);
    return;
  }
  IterationStats& fragment = impl_->handed_out.stats;
  if (fragment.returns.size() == stats.returns.size()) {  // sized: a fragment was handed out
    stats.merge(fragment);
    fragment.reset(fragment.returns.size(), fragment.metrics.size(),
                   fragment.custom_metrics.size());
  }
}

void RolloutWorker::collect_stats_parts(std::vector<IterationStats>& parts) {
  auto take = [&parts](IterationStats& s) {
    parts.push_back(s);
    s.reset(s.returns.size(), s.metrics.size(), s.custom_metrics.size());
  };
  if (!options_.sample_async) {
    for (auto& s : impl_->envs) take(s->stats);
    return;
  }
  // As collect_stats: a fragment's statistics are sized (for the strategic agents, as every
  // sub-env's are) once one was handed out.
  IterationStats& fragment = impl_->handed_out.stats;
  if (fragment.returns.size() == impl_->envs.front()->stats.returns.size()) take(fragment);
}

void RolloutWorker::collect_sub_env_stats(IterationStats& stats) {
  for (auto& s : impl_->envs) {  // sub-env order: independent of the threads
    stats.merge(s->stats);
    s->stats.reset(s->stats.returns.size(), s->stats.metrics.size(),
                   s->stats.custom_metrics.size());
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
    const bool raise = options_.on_non_finite == NonFiniteAction::raise;
    if (const NonFiniteValue* bad = batch.non_finite_of(slot.id)) {
      if (raise) throw TrainingError("policy '" + slot.id + "': " + bad->describe());
      ++impl_->skipped_batches;
      continue;
    }
    if (options_.callbacks) {  // before the loss: it may change the batch
      std::map<std::string, double> custom;
      options_.callbacks->on_learn_on_batch(*slot.trainable, b, custom);
      for (const auto& [k, v] : custom) result.set("custom_metrics/" + k, v);
    }
    try {
      slot.trainable->learn_on_batch(b, result);
    } catch (const TrainingError& e) {
      if (raise || !e.skippable()) {
        throw TrainingError("policy '" + slot.id + "': " + e.what(), e.skippable());
      }
      ++impl_->skipped_batches;
    }
  }
}

int64_t RolloutWorker::take_skipped_batches() {
  return std::exchange(impl_->skipped_batches, 0);
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

// ---- Access ----

std::optional<RolloutWorker::EnvFailure> RolloutWorker::env_failure() const {
  for (int e = 0; e < num_envs(); ++e) {
    const std::optional<EnvRunner::Failure>& f =
        impl_->envs[static_cast<std::size_t>(e)]->runner->failure();
    if (f) return EnvFailure{e, f->episode_seed, f->step};
  }
  return std::nullopt;
}

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
