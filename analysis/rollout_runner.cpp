// RolloutRunner: checks, the grid, per-worker state, the batched episode loop and recording.
#include "analysis/rollout_runner.hpp"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <mutex>

#include "analysis/ordered_jobs.hpp"
#include "analysis/progress_bar.hpp"
#include "nn/error.hpp"
#include "nn/thread_pool.hpp"
#include "phantom/env.hpp"
#include "phantom/format.hpp"
#include "phantom/telemetry.hpp"

namespace phantom {

namespace {

// Stream ids of the generators derived from options.seed (one purpose each).
constexpr uint64_t kEpisodeSeedStream = 0x524f4c4c4f555431ull;  // "ROLLOUT1"
constexpr uint64_t kPolicyStream = 0x524f4c4c4f555432ull;       // "ROLLOUT2"
// Rollouts each worker may have finished or under way before the sink has taken them.
constexpr std::size_t kRolloutsPerWorkerInFlight = 64;

std::vector<std::string> keys(const std::map<std::string, std::shared_ptr<Policy>>& m) {
  std::vector<std::string> out;
  for (const auto& kv : m) out.push_back(kv.first);
  return out;
}

// The supertype fields of an env that hold a Range: the env's supertype first, then each
// agent's in network order (a supertype shared by several agents is visited once).
std::vector<SupertypeField*> range_fields(const PhantomEnv& env) {
  std::vector<const Supertype*> seen;
  std::vector<SupertypeField*> out;
  auto visit = [&](const Supertype* s) {
    if (s == nullptr || std::find(seen.begin(), seen.end(), s) != seen.end()) return;
    seen.push_back(s);
    for (SupertypeField* f : s->range_fields()) out.push_back(f);
  };
  visit(env.env_supertype());
  for (const std::string& id : env.agent_ids()) visit(env[id].supertype());
  return out;
}

FieldSource value_source(const Range& range, float value) {
  if (range.unit_array()) return FieldSource(std::vector<float>{value});
  return FieldSource(value);
}

}  // namespace

std::vector<std::size_t> rollout_batch_starts(std::size_t total, std::size_t batch,
                                              std::size_t workers) {
  // Each worker takes the next batch when it is free, so the run ends when the last batch
  // ends, and while one worker runs it the others have nothing left to take: with batches of
  // equal size they wait half a batch on average, at the end of every run. Guided
  // self-scheduling: a batch takes at most 1 / (2 x workers) of the rollouts left, so the
  // batches shrink towards the end and the workers finish close together; but never below a
  // quarter of `batch`, so that the policies still act on several envs at once (what batching
  // is for). A rollout does not depend on the batch it ran in, so neither does the output.
  std::vector<std::size_t> starts{0};
  const std::size_t share = 2 * workers;
  const std::size_t smallest = std::max<std::size_t>(1, (batch + 3) / 4);
  for (std::size_t done = 0; done < total;) {
    const std::size_t left = total - done;
    std::size_t size = batch;
    if (workers > 1) size = std::min(batch, std::max(smallest, (left + share - 1) / share));
    size = std::min(size, left);
    done += size;
    starts.push_back(done);
  }
  return starts;
}

// ---- Per-worker state ----

// One env of a batch and the episode it is running.
struct RolloutRunner::EnvSlot {
  std::unique_ptr<PhantomEnv> env;
  std::size_t config_key = static_cast<std::size_t>(-1);  // the config combination it was built for
  EnvConfig config;
  /// Supertype fields holding a Range, with their grid axis (found when the env is built).
  std::vector<std::pair<SupertypeField*, std::size_t>> range_fields;
  Actions actions;
  MetricLogger metrics;
  std::vector<nn::Rng> rngs;  // per strategic position
  Rollout* out = nullptr;
  int64_t steps = 0;
  bool live = false;
};

// A policy instance of this worker and the strategic positions it drives.
struct PolicyGroup {
  std::shared_ptr<Policy> policy;
  std::vector<int> positions;
  int64_t obs_size = 0, action_size = 0;
};

// Aligned to a cache line like RolloutSlot: each worker thread writes its own at every step.
struct alignas(64) RolloutRunner::Worker {
  std::vector<PolicyGroup> groups;
  std::vector<EnvSlot> slots;
  // Staging of one batched inference call.
  std::vector<float> observations, actions;
  std::vector<nn::Rng> rngs;
  std::vector<std::pair<EnvSlot*, int>> rows;
  // What the worker is doing, for the message of a RolloutFailure (run_range): the rollout,
  // how many rollouts the call serves (a policy acts for several at once), and the action.
  std::size_t current_rollout = 0;
  std::size_t current_rollouts = 1;
  const char* doing = "";
};

// ---- Construction: checks, grid, policies ----

RolloutRunner::RolloutRunner(EnvFactory make_env, EnvConfig env_config, RolloutPolicies policies,
                             RolloutOptions options)
    : make_env_(std::move(make_env)),
      env_config_(std::move(env_config)),
      policies_(std::move(policies)),
      options_(std::move(options)) {
  auto at_least = [](const char* name, int64_t value, int64_t low) {
    if (value < low) {
      throw ConfigError(std::string("rollout: ") + name + " = " + std::to_string(value) +
                        ", expected >= " + std::to_string(low));
    }
  };
  at_least("num_repeats", options_.num_repeats, 1);
  at_least("workers", options_.workers, 1);
  at_least("batch_size", options_.batch_size, 1);
  at_least("max_steps", options_.max_steps, 0);
  if (!make_env_) throw ConfigError("rollout: the env factory is empty");

  // The config: no samplers; its Ranges are the first axes.
  std::vector<std::shared_ptr<const Range>> ranges;
  EnvConfig probe_config;
  for (const auto& [name, source] : env_config_.entries()) {
    if (source.kind() == FieldSource::Kind::sampler) {
      throw ConfigError("rollout: env config entry '" + name + "' is a sampler (" +
                        source.to_string() +
                        "); rollouts take their randomness from the episode seeds, so give a "
                        "fixed value, or a Range to sweep over");
    }
    if (source.kind() == FieldSource::Kind::range) {
      ranges.push_back(source.range());
      RangeGrid({source.range()});  // throws if it has no values, naming it
      probe_config.set(name, value_source(*source.range(), source.range()->value(0)));
    } else {
      probe_config.set(name, source);
    }
  }

  // One env, built with each config Range at its first value, shows the supertypes' Ranges,
  // the agents and their spaces.
  std::unique_ptr<PhantomEnv> probe = make_env_(probe_config);
  if (!probe) throw ConfigError("rollout: the env factory returned null");
  for (SupertypeField* f : range_fields(*probe)) ranges.push_back(f->source().range());
  grid_ = RangeGrid(ranges);
  for (const auto& [name, source] : env_config_.entries()) {
    if (source.kind() == FieldSource::Kind::range) {
      config_axes_.emplace_back(name,
                                static_cast<std::size_t>(grid_.axis_of(source.range().get())));
    }
  }
  for (std::size_t a = 0; a < grid_.axes().size(); ++a) {
    bool config_axis = std::any_of(config_axes_.begin(), config_axes_.end(),
                                   [a](const auto& c) { return c.second == a; });
    if (!config_axis) points_per_config_ *= grid_.axes()[a].range->size();
  }

  first_env_ = EnvSignature(*probe);
  agent_ids_ = probe->strategic_agent_ids();
  for (int pos = 0; pos < probe->num_strategic(); ++pos) {
    observation_sizes_.push_back(probe->strategic_agent(pos).observation_space()->flat_size());
    action_sizes_.push_back(probe->strategic_agent(pos).action_space()->flat_size());
  }

  // Policies: the custom ones replace agents; every other agent's policy must be given.
  for (const auto& [agent_id, factory] : policies_.custom) {
    if (std::find(agent_ids_.begin(), agent_ids_.end(), agent_id) == agent_ids_.end()) {
      throw ConfigError("rollout: the custom policy mapping names '" + agent_id +
                        "', which is not a strategic agent of the env (strategic agents: " +
                        quoted_list(agent_ids_) + ")");
    }
    if (!factory)
      throw ConfigError("rollout: the custom policy of agent '" + agent_id + "' is empty");
  }
  resolved_ = policies_.mapping.assign(*probe);
  for (const ResolvedPolicy& p : resolved_.policies) {
    bool needed = std::any_of(p.agent_ids.begin(), p.agent_ids.end(),
                              [&](const std::string& id) { return !policies_.custom.count(id); });
    if (!needed) continue;
    auto it = policies_.policies.find(p.id);
    if (it == policies_.policies.end() || !it->second) {
      throw ConfigError("rollout: no policy '" + p.id + "' was given for agents " +
                        quoted_list(p.agent_ids) +
                        " (policies given: " + quoted_list(keys(policies_.policies)) + ")");
    }
    const Policy& given = *it->second;
    if (!(*given.observation_space() == *p.observation_space) ||
        !(*given.action_space() == *p.action_space)) {
      throw ConfigError("rollout: policy '" + p.id + "' has spaces " +
                        given.observation_space()->to_string() + " -> " +
                        given.action_space()->to_string() + ", but its agents have " +
                        p.observation_space->to_string() + " -> " + p.action_space->to_string());
    }
    if (options_.workers > 1 && !given.clone()) {
      throw ConfigError("rollout: policy '" + p.id +
                        "' cannot be cloned (Policy::clone() returns null), so it cannot run on " +
                        std::to_string(options_.workers) +
                        " workers; implement clone() or use 1 worker");
    }
  }
  MetricLogger check_names(options_.metrics);  // duplicate or null metrics throw here
}

RolloutRunner::~RolloutRunner() = default;

EnvConfig RolloutRunner::config_at(std::size_t point) const {
  EnvConfig config = env_config_;
  for (const auto& [name, axis] : config_axes_) {
    config.set(name, value_source(*grid_.axes()[axis].range, grid_.value(point, axis)));
  }
  return config;
}

uint64_t RolloutRunner::episode_seed(std::size_t point, int repeat) const {
  nn::Rng rng = nn::Rng(options_.seed, kEpisodeSeedStream)
                    .derive(point)
                    .derive(static_cast<uint64_t>(repeat));
  return rng.next_u64();
}

std::unique_ptr<RolloutRunner::Worker> RolloutRunner::make_worker() const {
  auto worker = std::make_unique<Worker>();
  // A clone per worker when the policy has one (the worker's own scratch), else the original
  // (only possible with one worker: checked in the constructor).
  auto instance = [&](const std::shared_ptr<Policy>& given) {
    std::shared_ptr<Policy> p = given->clone();
    return p ? p : given;
  };
  for (const ResolvedPolicy& rp : resolved_.policies) {
    PolicyGroup group;
    for (int pos : rp.strategic_positions) {
      if (!policies_.custom.count(agent_ids_[static_cast<std::size_t>(pos)]))
        group.positions.push_back(pos);
    }
    if (group.positions.empty()) continue;
    group.policy = instance(policies_.policies.at(rp.id));
    worker->groups.push_back(std::move(group));
  }
  for (const auto& [agent_id, factory] : policies_.custom) {
    int pos = static_cast<int>(std::find(agent_ids_.begin(), agent_ids_.end(), agent_id) -
                               agent_ids_.begin());
    const ResolvedPolicy& rp = resolved_.policy_for(pos);
    PolicyGroup group;
    group.positions = {pos};
    group.policy = factory(rp.observation_space, rp.action_space, policies_.custom_config);
    if (!group.policy) {
      throw ConfigError("rollout: the custom policy factory of agent '" + agent_id +
                        "' returned null");
    }
    worker->groups.push_back(std::move(group));
  }
  for (PolicyGroup& g : worker->groups) {
    g.policy->set_explore(options_.explore);
    g.obs_size = g.policy->observation_space()->flat_size();
    g.action_size = g.policy->action_space()->flat_size();
  }
  worker->slots.resize(static_cast<std::size_t>(options_.batch_size));
  for (EnvSlot& slot : worker->slots) slot.metrics = MetricLogger(options_.metrics);
  return worker;
}

// ---- Episodes ----

void RolloutRunner::bind_supertype_ranges(EnvSlot& slot) const {
  slot.range_fields.clear();
  for (SupertypeField* field : range_fields(*slot.env)) {
    int axis = grid_.axis_of(field->source().range().get());
    if (axis < 0) {
      throw ConfigError("rollout: supertype field '" + field->name() + "' holds " +
                        field->source().range()->to_string() +
                        ", which the first env did not have; the env factory must reuse the same "
                        "Range objects for every env (a Range is recognised by identity)");
    }
    slot.range_fields.emplace_back(field, static_cast<std::size_t>(axis));
  }
}

void RolloutRunner::start_episode(EnvSlot& slot, std::size_t rollout_id, Rollout& out) const {
  const std::size_t repeats = static_cast<std::size_t>(options_.num_repeats);
  const std::size_t point = rollout_id / repeats;
  const int repeat = static_cast<int>(rollout_id % repeats);

  // A new env only when the config changes; supertype Ranges are set on the env in place.
  std::size_t config_key = point / points_per_config_;
  if (!slot.env || slot.config_key != config_key) {
    slot.config = config_at(point);
    slot.env = make_env_(slot.config);
    if (!slot.env) throw ConfigError("rollout: the env factory returned null");
    first_env_.check(*slot.env, "rollout", "the env built for grid point " + std::to_string(point));
    slot.config_key = config_key;
    bind_supertype_ranges(slot);
    slot.actions = slot.env->make_actions();
    if (options_.record_messages && options_.record_steps) {
      slot.env->network().resolver().set_track_messages(true);
    }
  }
  for (const auto& [field, axis] : slot.range_fields) {
    field->set(value_source(*grid_.axes()[axis].range, grid_.value(point, axis)));
  }

  uint64_t seed = episode_seed(point, repeat);
  slot.env->reset(seed);
  if (options_.record_messages) slot.env->network().resolver().clear_tracked();
  slot.metrics.clear();
  slot.rngs.clear();
  nn::Rng policy_rng =
      nn::Rng(options_.seed, kPolicyStream).derive(point).derive(static_cast<uint64_t>(repeat));
  for (std::size_t pos = 0; pos < agent_ids_.size(); ++pos)
    slot.rngs.push_back(policy_rng.derive(pos));

  // The rollout's header; the buffers of `out` are reused from its previous rollout.
  out.rollout_id = static_cast<int64_t>(rollout_id);
  out.repeat_id = repeat;
  out.seed = seed;
  out.env_config = slot.config;
  out.params.resize(grid_.axes().size());
  for (std::size_t a = 0; a < grid_.axes().size(); ++a) {
    out.params[a].name = grid_.axes()[a].name;
    out.params[a].value = grid_.value(point, a);
  }
  out.set_agents(agent_ids_, observation_sizes_, action_sizes_);
  slot.out = &out;
  slot.steps = 0;
  slot.live = true;
}

namespace {

// Appends a step to `out` with what the agents saw and did before the env steps; returns its
// index.
std::size_t record_before(const PhantomEnv& env, const Actions& actions, Rollout& out) {
  static const std::string kNoStage;
  const StepResult& seen = env.step_result();
  const std::string* stage = env.current_stage();
  const std::size_t i = out.add_step(stage ? *stage : kNoStage);
  for (std::size_t pos = 0; pos < out.agent_ids().size(); ++pos) {
    const int p = static_cast<int>(pos);
    if (seen.observed(p)) out.set_observation(i, pos, seen.observation(p));
    if (actions.has(p)) out.set_action(i, pos, actions.get(p));
  }
  return i;
}

// Writes what step i reported into `out`.
void record_after(const PhantomEnv& env, bool record_messages, std::size_t i, Rollout& out) {
  const StepResult& r = env.step_result();
  for (std::size_t pos = 0; pos < out.agent_ids().size(); ++pos) {
    const int p = static_cast<int>(pos);
    if (r.has_reward(p)) out.set_reward(i, pos, r.reward(p));
    if (r.reported(p)) {
      out.set_terminated(i, pos, r.terminated(p));
      out.set_truncated(i, pos, r.truncated(p));
    }
    if (r.observed(p)) out.set_info(i, pos, r.infos(p));
  }
  if (!record_messages) return;
  Resolver& resolver = env.network().resolver();
  const MessageQueue& tracked = resolver.tracked();
  std::vector<RecordedMessage>& messages = out.record_messages(i);
  messages.resize(tracked.size());
  const std::vector<std::string>& ids = env.agent_ids();
  for (std::size_t m = 0; m < tracked.size(); ++m) {
    const MessageHeader& h = tracked.headers()[m];
    RecordedMessage& message = messages[m];
    message.sender_id = ids[static_cast<std::size_t>(h.sender)];
    message.receiver_id = ids[static_cast<std::size_t>(h.receiver)];
    message.type = h.type_name;
    message.payload_json = payload_json(h, tracked.payload(h));
  }
  resolver.clear_tracked();
}

}  // namespace

void RolloutRunner::run_batch(Worker& worker, std::size_t first, std::size_t count,
                              RolloutSlot* out, bool name_failures) const {
  if (!name_failures) {
    step_batch(worker, first, count, out);
    return;
  }
  try {
    step_batch(worker, first, count, out);
  } catch (const std::exception& e) {
    const std::size_t id = worker.current_rollout;
    const std::size_t repeats = static_cast<std::size_t>(options_.num_repeats);
    const uint64_t seed = episode_seed(id / repeats, static_cast<int>(id % repeats));
    std::string what =
        "rollout " + std::to_string(id) + " (seed " + std::to_string(seed) + "), " + worker.doing;
    if (worker.current_rollouts > 1) {
      what += " (one call for rollouts " + std::to_string(id) + " and " +
              std::to_string(worker.current_rollouts - 1) + " more)";
    }
    throw RolloutFailure(id, seed, what + ": " + e.what());
  }
}

void RolloutRunner::step_batch(Worker& worker, std::size_t first, std::size_t count,
                               RolloutSlot* out) const {
  worker.current_rollouts = 1;
  worker.doing = "starting the episode";
  for (std::size_t s = 0; s < count; ++s) {
    worker.current_rollout = first + s;
    start_episode(worker.slots[s], first + s, out[s].rollout);
  }
  std::size_t live = count;
  while (live > 0) {
    // Act: each policy once, for every live env where one of its agents acts (StepResult::acts).
    for (std::size_t s = 0; s < count; ++s) worker.slots[s].actions.clear();
    for (PolicyGroup& g : worker.groups) {
      worker.rows.clear();
      worker.rngs.clear();
      worker.observations.clear();
      for (std::size_t s = 0; s < count; ++s) {
        EnvSlot& slot = worker.slots[s];
        if (!slot.live) continue;
        const StepResult& seen = slot.env->step_result();
        for (int pos : g.positions) {
          if (!seen.acts(pos)) continue;
          const float* obs = seen.observation(pos);
          worker.observations.insert(worker.observations.end(), obs, obs + g.obs_size);
          worker.rngs.push_back(slot.rngs[static_cast<std::size_t>(pos)]);
          worker.rows.emplace_back(&slot, pos);
        }
      }
      if (worker.rows.empty()) continue;
      int64_t rows = static_cast<int64_t>(worker.rows.size());
      worker.current_rollout = static_cast<std::size_t>(worker.rows.front().first->out->rollout_id);
      worker.current_rollouts = 1;
      for (std::size_t k = 1; k < worker.rows.size(); ++k) {
        if (worker.rows[k].first != worker.rows[k - 1].first) ++worker.current_rollouts;
      }
      worker.doing = "computing actions";
      worker.actions.resize(static_cast<std::size_t>(rows * g.action_size));
      g.policy->compute_actions(worker.observations.data(), rows, worker.actions.data(),
                                worker.rngs.data());
      for (std::size_t k = 0; k < worker.rows.size(); ++k) {
        auto [slot, pos] = worker.rows[k];
        slot->rngs[static_cast<std::size_t>(pos)] = worker.rngs[k];
        std::memcpy(slot->actions.set(pos), worker.actions.data() + k * g.action_size,
                    static_cast<std::size_t>(g.action_size) * sizeof(float));
      }
    }
    // Step every live env and record the step.
    for (std::size_t s = 0; s < count; ++s) {
      EnvSlot& slot = worker.slots[s];
      if (!slot.live) continue;
      worker.current_rollout = static_cast<std::size_t>(slot.out->rollout_id);
      worker.current_rollouts = 1;
      worker.doing = "stepping the env";
      std::size_t i = 0;
      if (options_.record_steps) i = record_before(*slot.env, slot.actions, *slot.out);
      const StepResult& result = slot.env->step(slot.actions);
      if (options_.record_steps) record_after(*slot.env, options_.record_messages, i, *slot.out);
      slot.metrics.record(*slot.env);
      ++slot.steps;
      if (result.done() || (options_.max_steps > 0 && slot.steps >= options_.max_steps)) {
        slot.out->metrics = slot.metrics.reduced(Mode::eval);
        slot.live = false;
        --live;
      }
    }
  }
}

// ---- Running the sweep ----

void RolloutRunner::run(const RolloutSink& sink) {
  run_ids(0, size(), sink, options_.show_progress, /*name_failures=*/false);
}

void RolloutRunner::run_range(std::size_t first, std::size_t count, const RolloutSink& sink) {
  if (first > size() || count > size() - first) {
    throw ValueError("rollout: run_range(" + std::to_string(first) + ", " + std::to_string(count) +
                     ") reaches past the sweep's " + std::to_string(size()) + " rollouts");
  }
  run_ids(first, count, sink, /*show_progress=*/false, /*name_failures=*/true);
}

void RolloutRunner::run_ids(std::size_t first, std::size_t total, const RolloutSink& sink,
                            bool show_progress, bool name_failures) {
  const std::size_t batch = static_cast<std::size_t>(options_.batch_size);
  const std::size_t workers = static_cast<std::size_t>(options_.workers);
  // Batch b holds rollouts [starts[b], starts[b + 1]) of the slice, at most `batch` of them.
  const std::vector<std::size_t> starts = rollout_batch_starts(total, batch, workers);
  const std::size_t batches = starts.size() - 1;
  // Batches started and not yet handed to the sink: each worker can be a few batches ahead of
  // the sink, enough that it rarely waits for the calling thread, few enough to bound memory.
  const std::size_t window =
      workers * std::max<std::size_t>(2, (kRolloutsPerWorkerInFlight + batch - 1) / batch);

  if (!pool_) {
    // Each pool thread makes the worker of its slice (one at a time: the custom policy factories
    // need not be thread-safe), so that what a worker writes at every step (its staging
    // buffers, its policy clones' scratch) is usually allocated by the thread that will use it,
    // away from the other workers' memory. (A slice no pool thread took in time is made by the
    // calling thread; that only moves memory, never a result.)
    auto pool = std::make_unique<nn::ThreadPool>(options_.workers);
    std::vector<std::unique_ptr<Worker>> made(static_cast<std::size_t>(pool->num_threads()));
    std::mutex one_at_a_time;
    pool->run([&](int ith, int) {
      std::lock_guard<std::mutex> lock(one_at_a_time);
      made[static_cast<std::size_t>(ith)] = make_worker();
    });
    for (auto& w : made) {
      if (!w) w = make_worker();  // the run was inline (run() called from a pool task)
    }
    workers_ = std::move(made);  // kept only if every worker could be made
    pool_ = std::move(pool);
  }
  // The thread that runs batch b writes its rollouts to its own slots [(b % window) * batch,
  // ... + batch). At most `window` batches are in flight, so no two of them share an index; and
  // each thread reuses only slots it wrote itself, which are still in its core's cache (slots
  // shared by all threads would move between the cores at every write).
  slots_.resize(workers_.size());
  for (std::vector<RolloutSlot>& own : slots_) own.resize(std::min(batches, window) * batch);
  std::vector<std::size_t> ran_by(window);  // the thread of the batch at each index
  auto first_slot = [&](std::size_t b) { return (b % window) * batch; };
  auto batch_size_of = [&](std::size_t b) { return starts[b + 1] - starts[b]; };

  std::optional<ProgressBar> progress;
  if (show_progress) {
    ProgressOptions po;
    po.unit = "episodes";
    progress.emplace(static_cast<int64_t>(total), "rollouts",
                     options_.progress_out ? *options_.progress_out : std::cerr, po);
  }
  run_ordered(
      *pool_, batches, window,
      [&](int ith, std::size_t b) {
        const auto w = static_cast<std::size_t>(ith);
        ran_by[b % window] = w;  // read by the sink after run_ordered marks b done
        run_batch(*workers_[w], first + starts[b], batch_size_of(b), &slots_[w][first_slot(b)],
                  name_failures);
      },
      [&](std::size_t b) {
        const std::vector<RolloutSlot>& slots = slots_[ran_by[b % window]];
        for (std::size_t k = 0; k < batch_size_of(b); ++k) sink(slots[first_slot(b) + k].rollout);
        if (progress) progress->update(static_cast<int64_t>(starts[b + 1]));
      });
  if (progress) progress->finish();
}

std::vector<Rollout> RolloutRunner::collect() {
  std::vector<Rollout> out;
  out.reserve(size());
  run([&](const Rollout& r) { out.push_back(r); });
  return out;
}

std::vector<Rollout> run_rollouts(const EnvFactory& make_env, const EnvConfig& env_config,
                                  const RolloutPolicies& policies, const RolloutOptions& options) {
  return RolloutRunner(make_env, env_config, policies, options).collect();
}

}  // namespace phantom
