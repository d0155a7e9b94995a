// RolloutWorker: how sample() cuts experience into batches (fragments, whole episodes, env or
// agent steps), what each transition row holds, horizons (hard and soft), reward and action
// clipping, policy mapping, seeds, callbacks (their order, and a reward rewrite that reaches the
// policy's advantages), a curriculum through foreach_env, agents that leave early or take turns,
// observation filters, determinism and checkpoints, which policies train, and option errors.
//
// The envs here are scripted so that every number a test checks follows from the script: an
// agent observes the env step (or a constant, or its task), is paid a fixed sequence of rewards
// and logs every action the env decoded for it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "nn/serialize.hpp"
#include "phantom/env.hpp"
#include "phantom/error.hpp"
#include "phantom/policy_mapping.hpp"
#include "support/error_message.hpp"
#include "support/uneven_env.hpp"
#include "trainers/sampling/callbacks.hpp"
#include "trainers/sampling/observation_filter.hpp"
#include "trainers/sampling/rollout_worker.hpp"
#include "trainers/worker_test_policies.hpp"

namespace {

using phantom::BatchMode;
using phantom::CountStepsBy;
using phantom::EnvContext;
using phantom::Episode;
using phantom::EpisodeRecord;
using phantom::MultiAgentBatch;
using phantom::PhantomEnv;
using phantom::PolicyMap;
using phantom::PolicyMapping;
using phantom::RolloutWorker;
using phantom::RolloutWorkerOptions;
using phantom::SampleBatch;
using phantom::SpacePtr;
using test_support::message_of;
using worker_test::FixedLogitsPolicy;
using worker_test::FixedMeanPolicy;
namespace col = phantom::columns;

// ---- A scripted env ------------------------------------------------------------------------

/// What a scripted agent observes.
enum class Sees { step, constant, task };

/// How a scripted agent behaves.
struct Script {
  phantom::SpacePtr action_space = phantom::discrete(2);
  Sees sees = Sees::step;
  float constant = 5.0f;
  /// Reward of env step k (1, 2, ...): rewards[(k - 1) % size].
  std::vector<double> rewards = {1.0};
  /// The agent ends itself after this env step (0: never), by termination or truncation.
  int64_t end_at = 0;
  bool by_truncation = false;
  /// Adds a value drawn from the env's generator at each reset to every observation, so the
  /// observations depend on the seed the episode was reset with.
  bool random_start = false;
  /// Wall time each env step takes for this agent (a sleep in compute_reward), so that stepping
  /// the sub-envs is dear enough for the worker to split it across its threads.
  int step_micros = 0;
};

/// Observes a 1-float Box (see Sees), logs the actions the env decoded.
class ScriptedAgent : public phantom::StrategicAgent {
 public:
  ScriptedAgent(std::string id, Script script)
      : StrategicAgent(std::move(id), phantom::box(-1e6f, 1e6f, {1}), script.action_space),
        script_(std::move(script)) {}

  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    offset_ = script_.random_start ? rng.uniform() : 0.0f;
  }
  bool encode_observation(phantom::Context& ctx, float* out) override {
    const float seen = script_.sees == Sees::step       ? static_cast<float>(step(ctx))
                       : script_.sees == Sees::constant ? script_.constant
                                                        : static_cast<float>(task);
    out[0] = seen + offset_;
    return true;
  }
  void decode_action(phantom::Context&, const float* action) override {
    decoded.emplace_back(action, action + action_space()->flat_size());
  }
  double compute_reward(phantom::Context& ctx) override {
    if (script_.step_micros > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(script_.step_micros));
      step_threads.insert(std::this_thread::get_id());
    }
    const auto n = static_cast<int64_t>(script_.rewards.size());
    return script_.rewards[static_cast<std::size_t>((step(ctx) - 1) % n)];
  }
  bool is_terminated(phantom::Context& ctx) override { return ends(ctx) && !script_.by_truncation; }
  bool is_truncated(phantom::Context& ctx) override { return ends(ctx) && script_.by_truncation; }

  /// Every action the env decoded for this agent, in order.
  std::vector<std::vector<float>> decoded;
  /// The task a curriculum set (observed with Sees::task).
  int task = 0;
  /// The threads that stepped the env (recorded only with Script::step_micros).
  std::set<std::thread::id> step_threads;

 private:
  static int64_t step(phantom::Context& ctx) { return ctx.env_view().current_step; }
  bool ends(phantom::Context& ctx) const {
    return script_.end_at > 0 && step(ctx) >= script_.end_at;
  }

  Script script_;
  float offset_ = 0.0f;
};

using Cast = std::vector<std::pair<std::string, Script>>;

std::unique_ptr<phantom::Network> network_of(const Cast& cast) {
  auto net = std::make_unique<phantom::Network>();
  for (const auto& [id, script] : cast) net->emplace<ScriptedAgent>(id, script);
  return net;
}

/// An env of scripted agents that counts its resets, remembers their seeds and has a task.
class ScriptedEnv : public PhantomEnv {
 public:
  ScriptedEnv(const Cast& cast, std::optional<int64_t> num_steps)
      : PhantomEnv(network_of(cast), num_steps) {}

  const phantom::StepResult& reset(std::optional<uint64_t> seed = std::nullopt) override {
    reset_seeds.push_back(seed);
    return PhantomEnv::reset(seed);
  }
  int resets() const { return static_cast<int>(reset_seeds.size()); }

  /// Switches every agent to `task` at once (no reset: mid-episode, as a curriculum does).
  void set_task(int task) {
    for (int i = 0; i < num_strategic(); ++i) agent(i).task = task;
  }
  int task() const { return agent(0).task; }

  ScriptedAgent& agent(int i) const { return dynamic_cast<ScriptedAgent&>(strategic_agent(i)); }
  ScriptedAgent& agent(const std::string& id) const {
    return dynamic_cast<ScriptedAgent&>((*this)[id]);
  }

  std::vector<std::optional<uint64_t>> reset_seeds;
};

phantom::WorkerEnvFactory scripted(Cast cast, std::optional<int64_t> num_steps) {
  return [cast, num_steps](const EnvContext&) {
    return std::make_unique<ScriptedEnv>(cast, num_steps);
  };
}

ScriptedEnv& scripted_env(RolloutWorker& worker, int vector_index) {
  return dynamic_cast<ScriptedEnv&>(worker.env(vector_index));
}

const SpacePtr& box_obs() {
  static const SpacePtr space = phantom::box(-1e6f, 1e6f, {1});
  return space;
}

std::shared_ptr<FixedLogitsPolicy> logits_policy(std::vector<float> logits = {0.0f, 0.0f},
                                                 SpacePtr observation_space = box_obs()) {
  const auto n = static_cast<int64_t>(logits.size());
  return std::make_shared<FixedLogitsPolicy>(std::move(observation_space), phantom::discrete(n),
                                             std::move(logits));
}

PolicyMapping map_ids(std::vector<std::pair<std::string, std::vector<std::string>>> entries) {
  PolicyMapping mapping;
  for (auto& [policy_id, agents] : entries) mapping.add(policy_id, phantom::agent_ids(agents));
  return mapping;
}

RolloutWorkerOptions options_of(BatchMode mode, int64_t fragment, int num_envs = 1) {
  RolloutWorkerOptions o;
  o.batch_mode = mode;
  o.rollout_fragment_length = fragment;
  o.num_envs = num_envs;
  o.seed = 1;
  return o;
}

/// A single-agent worker ("A" controlled by policy "p").
std::unique_ptr<RolloutWorker> single_agent_worker(const Script& script,
                                                   std::optional<int64_t> num_steps,
                                                   const RolloutWorkerOptions& options,
                                                   std::shared_ptr<phantom::Policy> policy = {}) {
  if (!policy) policy = logits_policy();
  return std::make_unique<RolloutWorker>(scripted({{"A", script}}, num_steps),
                                         PolicyMap{{"p", policy}}, map_ids({{"p", {"A"}}}),
                                         options);
}

// ---- Reading batches -----------------------------------------------------------------------

std::vector<float> floats(const SampleBatch& batch, const char* name) {
  const float* p = batch.f32(name);
  return std::vector<float>(p, p + batch.size() * batch.width(name));
}

std::vector<int64_t> ints(const SampleBatch& batch, const char* name) {
  const int64_t* p = batch.i64(name);
  return std::vector<int64_t>(p, p + batch.size() * batch.width(name));
}

std::vector<float> iota(int64_t n, float start) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(start + static_cast<float>(i));
  return v;
}

/// The columns in which two batches differ ("" if identical), for failure messages.
std::string differences(const SampleBatch& a, const SampleBatch& b) {
  if (a.column_names() != b.column_names()) return "column names differ";
  if (a.size() != b.size()) {
    return "sizes " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  }
  std::string out;
  for (const std::string& name : a.column_names()) {
    const bool same = a.type(name) == phantom::ColumnType::float32
                          ? floats(a, name.c_str()) == floats(b, name.c_str())
                          : ints(a, name.c_str()) == ints(b, name.c_str());
    if (!same) out += name + " ";
  }
  return out;
}

/// Expects the same policies with identical rows, naming the columns that differ otherwise.
void expect_identical(const MultiAgentBatch& a, const MultiAgentBatch& b, const std::string& what) {
  EXPECT_EQ(a.env_steps, b.env_steps) << what;
  ASSERT_EQ(a.policy_ids(), b.policy_ids()) << what;
  for (const std::string& id : a.policy_ids()) {
    EXPECT_TRUE(a.batch(id).identical(b.batch(id)))
        << what << ", policy " << id << ", differing: " << differences(a.batch(id), b.batch(id));
  }
}

/// A deep copy of a batch (sample() returns the worker's own storage).
MultiAgentBatch copy_of(const MultiAgentBatch& batch) {
  return MultiAgentBatch::concat({&batch});
}

// ---- Callbacks -----------------------------------------------------------------------------

/// Records the worker-side hooks in the order they fire.
class HookRecorder : public phantom::Callbacks {
 public:
  void on_sub_environment_created(RolloutWorker&, PhantomEnv&, const EnvContext& context,
                                  int env_index) override {
    log.push_back("sub_environment_created " + std::to_string(env_index) + " vector_index " +
                  std::to_string(context.vector_index));
  }
  void on_episode_start(RolloutWorker&, Episode& episode, int env_index) override {
    log.push_back("episode_start env " + std::to_string(env_index) + " length " +
                  std::to_string(episode.length));
    start_ids.push_back(episode.id);
  }
  void on_episode_step(RolloutWorker&, Episode& episode, int) override {
    log.push_back("episode_step length " + std::to_string(episode.length));
  }
  void on_postprocess_trajectory(RolloutWorker&, Episode& episode, const std::string& agent_id,
                                 const std::string& policy_id, SampleBatch& postprocessed,
                                 const SampleBatch& original) override {
    log.push_back("postprocess_trajectory " + agent_id + " " + policy_id + " rows " +
                  std::to_string(postprocessed.size()) + "/" + std::to_string(original.size()));
    piece_ids.push_back(episode.id);
  }
  void on_episode_end(RolloutWorker&, Episode& episode, int) override {
    log.push_back("episode_end length " + std::to_string(episode.length));
    end_ids.push_back(episode.id);
  }
  void on_sample_end(RolloutWorker&, MultiAgentBatch& samples) override {
    log.push_back("sample_end env_steps " + std::to_string(samples.env_steps));
  }

  std::vector<std::string> log;
  std::vector<int64_t> start_ids, piece_ids, end_ids;
};

int count_prefix(const std::vector<std::string>& log, const std::string& prefix) {
  int n = 0;
  for (const std::string& entry : log) n += entry.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

// ==== 1. Batch sizes ==========================================================================

TEST(RolloutWorker, TruncateEpisodesGivesFragmentTimesEnvsRowsEverySample) {
  // F = 50, 4 sub-envs, an env that never ends: 200 rows a sample, one 50-row fragment per
  // sub-env, each continuing its episode where the previous sample stopped.
  auto worker = single_agent_worker(Script{}, std::nullopt,
                                    options_of(BatchMode::truncate_episodes, 50, /*num_envs=*/4));
  std::map<int64_t, int64_t> next_t;  // eps_id -> t of its next row
  for (int s = 0; s < 3; ++s) {
    MultiAgentBatch& batch = worker->sample();
    EXPECT_EQ(batch.env_steps, 200) << "sample " << s;
    EXPECT_EQ(batch.agent_steps(), 200) << "sample " << s;
    ASSERT_EQ(batch.policy_ids(), std::vector<std::string>{"p"});
    const SampleBatch& rows = batch.batch("p");
    ASSERT_EQ(rows.size(), 200);
    const std::vector<SampleBatch> fragments = rows.split_by_episode();
    ASSERT_EQ(fragments.size(), 4u) << "sample " << s;
    std::set<int64_t> ids;
    for (const SampleBatch& f : fragments) {
      ASSERT_EQ(f.size(), 50);
      const int64_t id = f.i64(col::kEpsId)[0];
      ids.insert(id);
      if (s == 0) {
        next_t[id] = 0;
      } else {
        ASSERT_EQ(next_t.count(id), 1u) << "sample " << s << ": a new episode " << id;
      }
      const std::vector<int64_t> t = ints(f, col::kT);
      const std::vector<float> obs = floats(f, col::kObs);
      const std::vector<float> new_obs = floats(f, col::kNewObs);
      for (int64_t r = 0; r < 50; ++r) {
        EXPECT_EQ(t[r], next_t[id] + r) << "sample " << s << " row " << r;
        // The agent observes the env step: obs at t is t, the next observation t + 1.
        EXPECT_EQ(obs[r], static_cast<float>(t[r]));
        EXPECT_EQ(new_obs[r], static_cast<float>(t[r] + 1));
      }
      next_t[id] += 50;
      EXPECT_EQ(floats(f, col::kTerminateds), std::vector<float>(50, 0.0f));
      EXPECT_EQ(floats(f, col::kTruncateds), std::vector<float>(50, 0.0f));
      EXPECT_EQ(ints(f, col::kAgentIndex), std::vector<int64_t>(50, 0));
    }
    EXPECT_EQ(ids.size(), 4u) << "one episode per sub-env";
  }
  for (int v = 0; v < 4; ++v) EXPECT_EQ(scripted_env(*worker, v).resets(), 1);
  EXPECT_TRUE(worker->get_metrics().empty());
}

TEST(RolloutWorker, CompleteEpisodesGivesWholeEpisodesUpToAtLeastTheTarget) {
  struct Case {
    Script script;
    std::optional<int64_t> num_steps;
    int64_t episode_length;
    int64_t rows;
    bool terminated;  // how the last row of each episode is flagged
  };
  Script ends_at_30;
  ends_at_30.end_at = 30;
  const Case cases[] = {
      {ends_at_30, std::nullopt, 30, 60, true},  // 30 < 50: a second episode, 60 rows
      {Script{}, 100, 100, 100, false},          // the env's limit: truncated
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("episodes of " + std::to_string(c.episode_length));
    auto worker =
        single_agent_worker(c.script, c.num_steps, options_of(BatchMode::complete_episodes, 50));
    for (int s = 0; s < 2; ++s) {
      MultiAgentBatch& batch = worker->sample();
      EXPECT_EQ(batch.env_steps, c.rows);
      const SampleBatch& rows = batch.batch("p");
      ASSERT_EQ(rows.size(), c.rows);
      const std::vector<SampleBatch> episodes = rows.split_by_episode();
      ASSERT_EQ(static_cast<int64_t>(episodes.size()), c.rows / c.episode_length);
      for (const SampleBatch& e : episodes) {
        ASSERT_EQ(e.size(), c.episode_length);
        EXPECT_EQ(ints(e, col::kT).front(), 0);
        EXPECT_EQ(ints(e, col::kT).back(), c.episode_length - 1);
        std::vector<float> last_only(static_cast<std::size_t>(c.episode_length), 0.0f);
        last_only.back() = 1.0f;
        const std::vector<float> none(static_cast<std::size_t>(c.episode_length), 0.0f);
        EXPECT_EQ(floats(e, col::kTerminateds), c.terminated ? last_only : none);
        EXPECT_EQ(floats(e, col::kTruncateds), c.terminated ? none : last_only);
      }
      const std::vector<EpisodeRecord> records = worker->get_metrics();
      ASSERT_EQ(static_cast<int64_t>(records.size()), c.rows / c.episode_length);
      for (const EpisodeRecord& r : records) {
        EXPECT_EQ(r.length, c.episode_length);
        EXPECT_DOUBLE_EQ(r.total_reward, static_cast<double>(c.episode_length));
      }
    }
  }
}

TEST(RolloutWorker, RowsHoldWhatThePolicyAndTheEnvSaid) {
  Script script;
  script.rewards = {1.0, 2.0, 3.0, 4.0};
  script.end_at = 4;
  auto policy = logits_policy({0.0f, 0.0f});
  auto worker = single_agent_worker(script, std::nullopt,
                                    options_of(BatchMode::complete_episodes, 4), policy);
  const SampleBatch& rows = worker->sample().batch("p");
  ASSERT_EQ(rows.size(), 4);
  const ScriptedAgent& agent = scripted_env(*worker, 0).agent("A");
  ASSERT_EQ(agent.decoded.size(), 4u);
  const std::vector<float> actions = floats(rows, col::kActions);
  for (int r = 0; r < 4; ++r) EXPECT_EQ(actions[r], agent.decoded[r][0]) << r;
  // prev_actions / prev_rewards: the agent's previous ones, 0 at its first step.
  const std::vector<float> prev_actions = floats(rows, col::kPrevActions);
  EXPECT_EQ(prev_actions[0], 0.0f);
  for (int r = 1; r < 4; ++r) EXPECT_EQ(prev_actions[r], actions[r - 1]) << r;
  EXPECT_EQ(floats(rows, col::kPrevRewards), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(floats(rows, col::kRewards), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(floats(rows, col::kObs), iota(4, 0.0f));
  EXPECT_EQ(floats(rows, col::kNewObs), iota(4, 1.0f));
  EXPECT_EQ(ints(rows, col::kT), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(ints(rows, col::kAgentIndex), std::vector<int64_t>(4, 0));
  EXPECT_EQ(floats(rows, col::kTerminateds), (std::vector<float>{0, 0, 0, 1}));
  EXPECT_EQ(floats(rows, col::kTruncateds), std::vector<float>(4, 0.0f));
  // Two equal logits: every sampled action had probability 1/2; the value is the constant 0.5.
  for (float logp : floats(rows, col::kActionLogp)) EXPECT_NEAR(logp, std::log(0.5f), 1e-6f);
  for (float p : floats(rows, col::kActionProb)) EXPECT_NEAR(p, 0.5f, 1e-6f);
  EXPECT_EQ(floats(rows, col::kVfPreds), std::vector<float>(4, 0.5f));
  // The policy's postprocessing ran once, on the whole episode.
  EXPECT_EQ(floats(rows, col::kAdvantages), (std::vector<float>{10, 9, 7, 4}));
  EXPECT_EQ(policy->postprocessed_pieces, 1);
  // The policy counted the actions it computed.
  EXPECT_EQ(policy->global_timestep(), 4);
}

TEST(RolloutWorker, MultiAgentFragmentsCountEnvStepsOrAgentSteps) {
  const Cast three = {{"A", Script{}}, {"B", Script{}}, {"C", Script{}}};
  for (CountStepsBy by : {CountStepsBy::env_steps, CountStepsBy::agent_steps}) {
    const bool env_steps = by == CountStepsBy::env_steps;
    SCOPED_TRACE(env_steps ? "env_steps" : "agent_steps");
    RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 10);
    o.count_steps_by = by;
    RolloutWorker worker(scripted(three, std::nullopt), PolicyMap{{"p", logits_policy()}},
                         map_ids({{"p", {"A", "B", "C"}}}), o);
    for (int s = 0; s < 2; ++s) {
      MultiAgentBatch& batch = worker.sample();
      // Env steps: 10 steps of 3 actions. Agent steps: the first step that reaches 10 actions
      // is the 4th (12 actions).
      const int64_t steps = env_steps ? 10 : 4;
      EXPECT_EQ(batch.env_steps, steps);
      EXPECT_EQ(batch.agent_steps(), 3 * steps);
      const std::vector<int64_t> index = ints(batch.batch("p"), col::kAgentIndex);
      for (int64_t agent = 0; agent < 3; ++agent) {
        EXPECT_EQ(std::count(index.begin(), index.end(), agent), steps) << "agent " << agent;
      }
    }
  }
}

// ==== 2. Horizons =============================================================================

TEST(RolloutWorker, HardHorizonTruncatesAndResetsEveryEpisode) {
  RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 9);
  o.horizon = 3;
  auto worker = single_agent_worker(Script{}, std::nullopt, o);  // the env itself never ends
  for (int s = 1; s <= 2; ++s) {
    const SampleBatch& rows = worker->sample().batch("p");
    ASSERT_EQ(rows.size(), 9);
    const std::vector<SampleBatch> episodes = rows.split_by_episode();
    ASSERT_EQ(episodes.size(), 3u);
    for (const SampleBatch& e : episodes) {
      // Cut off by a time limit: truncated (bootstrapped), not terminated.
      EXPECT_EQ(floats(e, col::kTruncateds), (std::vector<float>{0, 0, 1}));
      EXPECT_EQ(floats(e, col::kTerminateds), (std::vector<float>{0, 0, 0}));
      EXPECT_EQ(floats(e, col::kObs), (std::vector<float>{0, 1, 2}));  // reset every time
    }
    // One reset per episode: the first, then one after each of the 3 s episodes that ended.
    EXPECT_EQ(scripted_env(*worker, 0).resets(), 1 + 3 * s);
    const std::vector<EpisodeRecord> records = worker->get_metrics();
    ASSERT_EQ(records.size(), 3u);
    for (const EpisodeRecord& r : records) EXPECT_EQ(r.length, 3);
  }
}

TEST(RolloutWorker, SoftHorizonClosesEpisodesWithoutResettingTheEnv) {
  RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 9);
  o.horizon = 3;
  o.soft_horizon = true;
  auto recorder = std::make_shared<HookRecorder>();
  o.callbacks = recorder;
  auto worker = single_agent_worker(Script{}, std::nullopt, o);
  const SampleBatch& rows = worker->sample().batch("p");
  ASSERT_EQ(rows.size(), 9);
  EXPECT_EQ(floats(rows, col::kTerminateds), std::vector<float>(9, 0.0f));
  EXPECT_EQ(floats(rows, col::kTruncateds), std::vector<float>(9, 0.0f));
  // The env goes on: its step keeps counting through the logical episodes.
  EXPECT_EQ(floats(rows, col::kObs), iota(9, 0.0f));
  // Each logical episode has its own id and its own piece.
  const std::vector<SampleBatch> episodes = rows.split_by_episode();
  ASSERT_EQ(episodes.size(), 3u);
  std::set<int64_t> ids;
  for (const SampleBatch& e : episodes) {
    EXPECT_EQ(e.size(), 3);
    ids.insert(e.i64(col::kEpsId)[0]);
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(scripted_env(*worker, 0).resets(), 1);
  const std::vector<EpisodeRecord> records = worker->get_metrics();
  ASSERT_EQ(records.size(), 3u);
  for (const EpisodeRecord& r : records) EXPECT_EQ(r.length, 3);
  EXPECT_EQ(count_prefix(recorder->log, "episode_start"), 1);
  EXPECT_EQ(count_prefix(recorder->log, "episode_end"), 3);
}

TEST(RolloutWorker, HorizonBeyondTheEnvLimitIsAConfigError) {
  RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 9);
  o.horizon = 3;
  const std::string m = message_of<phantom::ConfigError>([&] {
    auto worker = single_agent_worker(Script{}, /*num_steps=*/2, o);
    worker->sample();
  });
  EXPECT_HAS(m, "horizon");
}

TEST(RolloutWorker, NoDoneAtEndMarksNoRowDoneButStillResets) {
  Script ends_at_3;
  ends_at_3.end_at = 3;
  RolloutWorkerOptions o = options_of(BatchMode::complete_episodes, 6);
  o.no_done_at_end = true;
  auto worker = single_agent_worker(ends_at_3, std::nullopt, o);
  const SampleBatch& rows = worker->sample().batch("p");
  ASSERT_EQ(rows.size(), 6);
  EXPECT_EQ(floats(rows, col::kTerminateds), std::vector<float>(6, 0.0f));
  EXPECT_EQ(floats(rows, col::kTruncateds), std::vector<float>(6, 0.0f));
  EXPECT_EQ(rows.split_by_episode().size(), 2u);
  EXPECT_EQ(scripted_env(*worker, 0).resets(), 3);  // the first, then after each episode
}

// ==== 3. Clipping =============================================================================

TEST(RolloutWorker, SignRewardClippingReachesTrainingButNotMetrics) {
  Script script;
  script.rewards = {2.5, -0.3, 0.0};
  RolloutWorkerOptions o = options_of(BatchMode::complete_episodes, 3);
  o.clip_rewards = phantom::RewardClipping::sign();
  auto worker = single_agent_worker(script, /*num_steps=*/3, o);
  const SampleBatch& rows = worker->sample().batch("p");
  EXPECT_EQ(floats(rows, col::kRewards), (std::vector<float>{1, -1, 0}));
  // The policy postprocessed the clipped rewards: reward-to-go of [1, -1, 0].
  EXPECT_EQ(floats(rows, col::kAdvantages), (std::vector<float>{0, -1, 0}));
  const std::vector<EpisodeRecord> records = worker->get_metrics();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_NEAR(records[0].total_reward, 2.2, 1e-6);
  const auto key = std::make_pair(std::string("A"), std::string("p"));
  ASSERT_EQ(records[0].agent_rewards.count(key), 1u);
  EXPECT_NEAR(records[0].agent_rewards.at(key), 2.2, 1e-6);
}

TEST(RolloutWorker, ClampRewardClippingLimitsMagnitudes) {
  Script script;
  script.rewards = {5.0, -0.3};
  RolloutWorkerOptions o = options_of(BatchMode::complete_episodes, 2);
  o.clip_rewards = phantom::RewardClipping::clamp(2.0);
  auto worker = single_agent_worker(script, /*num_steps=*/2, o);
  const std::vector<float> rewards = floats(worker->sample().batch("p"), col::kRewards);
  ASSERT_EQ(rewards.size(), 2u);
  EXPECT_EQ(rewards[0], 2.0f);
  EXPECT_FLOAT_EQ(rewards[1], -0.3f);
  const std::vector<EpisodeRecord> records = worker->get_metrics();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_NEAR(records[0].total_reward, 4.7, 1e-6);
}

TEST(RolloutWorker, BoxActionsAreClippedOrRescaledForTheEnvButKeptAsChosen) {
  struct Case {
    const char* name;
    float low, high, chosen;
    bool normalize, clip;
    float env_gets;
  };
  const Case cases[] = {
      {"clip", -1, 1, 1.7f, false, true, 1.0f},
      {"raw, within the bounds", -1, 1, 0.7f, false, false, 0.7f},
      {"normalize", 0, 10, 0.0f, true, false, 5.0f},             // 0 + (0 + 1) * 10 / 2
      {"normalize then clip", 0, 10, 1.7f, true, false, 10.0f},  // 13.5, clipped
      {"normalize wins", 0, 10, 0.0f, true, true, 5.0f},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Script script;
    script.action_space = phantom::box(c.low, c.high, {1});
    RolloutWorkerOptions o = options_of(BatchMode::complete_episodes, 3);
    o.normalize_actions = c.normalize;
    o.clip_actions = c.clip;
    auto policy = std::make_shared<FixedMeanPolicy>(box_obs(), script.action_space, c.chosen);
    auto worker = single_agent_worker(script, /*num_steps=*/3, o, policy);
    const SampleBatch& rows = worker->sample().batch("p");
    EXPECT_EQ(floats(rows, col::kActions), std::vector<float>(3, c.chosen));
    const ScriptedAgent& agent = scripted_env(*worker, 0).agent("A");
    ASSERT_EQ(agent.decoded.size(), 3u);
    for (const std::vector<float>& a : agent.decoded) EXPECT_FLOAT_EQ(a[0], c.env_gets);
  }
}

// With neither clipping nor rescaling, a Box action outside the bounds reaches the env as it was
// chosen, and the env refuses it (an EnvError naming the agent, the action and the space)
// instead of passing it to the agent's decoder.
TEST(RolloutWorker, AnUnclippedBoxActionOutsideTheBoundsIsAnEnvError) {
  Script script;
  script.action_space = phantom::box(-1, 1, {1});
  RolloutWorkerOptions o = options_of(BatchMode::complete_episodes, 3);
  o.normalize_actions = false;
  o.clip_actions = false;
  auto policy = std::make_shared<FixedMeanPolicy>(box_obs(), script.action_space, 1.7f);
  auto worker = single_agent_worker(script, /*num_steps=*/3, o, policy);
  const std::string m = message_of<phantom::EnvError>([&] { worker->sample(); });
  EXPECT_HAS(m,
             "agent 'A' chose the action [1.7], which is not in its action space Box(-1, 1, (1,))");
  EXPECT_HAS(m, "RolloutWorkerOptions::clip_actions");
}

// ==== 4. Policy mapping and seeds =============================================================

TEST(RolloutWorker, MappingFunctionRunsOncePerAgentPerEpisode) {
  for (int64_t length : {2, 7}) {
    SCOPED_TRACE("episodes of " + std::to_string(length));
    int calls = 0;
    std::set<std::pair<int64_t, std::string>> bound;
    bool repeated = false;
    phantom::PolicyMappingFn fn = [&](const std::string& agent, const Episode& episode) {
      ++calls;
      repeated |= !bound.insert({episode.id, agent}).second;
      return agent == "A" ? std::string("pa") : std::string("pb");
    };
    // 3 * length - 1 steps: two episodes end and a third one is under way.
    RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 3 * length - 1);
    RolloutWorker worker(scripted({{"A", Script{}}, {"B", Script{}}}, length),
                         PolicyMap{{"pa", logits_policy()}, {"pb", logits_policy()}}, fn, o);
    MultiAgentBatch& batch = worker.sample();
    EXPECT_EQ(batch.batch("pa").size(), 3 * length - 1);
    EXPECT_EQ(batch.batch("pb").size(), 3 * length - 1);
    EXPECT_EQ(worker.get_metrics().size(), 2u);
    EXPECT_EQ(calls, 6);  // 2 agents x 3 episodes
    EXPECT_FALSE(repeated);
  }
}

TEST(RolloutWorker, MappingFunctionNamingAnUnknownPolicyIsAConfigError) {
  phantom::PolicyMappingFn fn = [](const std::string&, const Episode&) {
    return std::string("phantom_policy");
  };
  const std::string m = message_of<phantom::ConfigError>([&] {
    RolloutWorker worker(scripted({{"alice", Script{}}}, 5), PolicyMap{{"p", logits_policy()}}, fn,
                         options_of(BatchMode::truncate_episodes, 4));
    worker.sample();
  });
  EXPECT_HAS(m, "alice");
  EXPECT_HAS(m, "phantom_policy");
}

TEST(RolloutWorker, SeedsFollowTheWorkerAndVectorIndex) {
  std::vector<EnvContext> contexts;
  phantom::WorkerEnvFactory make = [&contexts](const EnvContext& context) {
    contexts.push_back(context);
    return std::make_unique<ScriptedEnv>(Cast{{"A", Script{}}}, 2);
  };
  RolloutWorkerOptions o = options_of(BatchMode::complete_episodes, 4, /*num_envs=*/2);
  o.seed = 10;
  o.worker_index = 2;
  o.num_workers = 2;
  o.env_config = phantom::EnvConfig{{"size", 3.0f}};
  RolloutWorker worker(make, PolicyMap{{"p", logits_policy()}}, map_ids({{"p", {"A"}}}), o);
  EXPECT_EQ(worker.worker_seed(), 12u);
  EXPECT_EQ(worker.sub_env_seed(0), 2012u);
  EXPECT_EQ(worker.sub_env_seed(1), 2013u);
  ASSERT_EQ(contexts.size(), 2u);
  for (int v = 0; v < 2; ++v) {
    EXPECT_EQ(contexts[v].worker_index, 2);
    EXPECT_EQ(contexts[v].vector_index, v);
    EXPECT_EQ(contexts[v].num_workers, 2);
    EXPECT_EQ(contexts[v].config.integer("size"), 3);
  }
}

TEST(RolloutWorker, EveryEpisodeResetsWithItsOwnSeed) {
  // Episodes of 2 steps, 3 samples of 2 episodes per sub-env.
  auto run = [](uint64_t seed) {
    RolloutWorkerOptions o = options_of(BatchMode::complete_episodes, 4, /*num_envs=*/2);
    o.seed = seed;
    auto worker = single_agent_worker(Script{}, 2, o);
    for (int s = 0; s < 3; ++s) worker->sample();
    std::vector<std::vector<std::optional<uint64_t>>> seeds;
    for (int v = 0; v < 2; ++v) seeds.push_back(scripted_env(*worker, v).reset_seeds);
    return seeds;
  };
  const auto seeds = run(5);
  std::set<uint64_t> distinct;
  std::size_t resets = 0;
  for (const auto& env_seeds : seeds) {
    EXPECT_GE(env_seeds.size(), 6u);
    for (const std::optional<uint64_t>& s : env_seeds) {
      ASSERT_TRUE(s.has_value()) << "a reset without a seed";
      distinct.insert(*s);
      ++resets;
    }
  }
  EXPECT_EQ(distinct.size(), resets) << "episodes (of both sub-envs) share reset seeds";
  EXPECT_EQ(run(5), seeds);
  EXPECT_NE(run(6), seeds);
}

// ==== 5. Callbacks ============================================================================

TEST(RolloutWorker, CallbacksFireInEpisodeOrder) {
  RolloutWorkerOptions o = options_of(BatchMode::complete_episodes, 3);
  auto recorder = std::make_shared<HookRecorder>();
  o.callbacks = recorder;
  auto worker = single_agent_worker(Script{}, /*num_steps=*/3, o);
  worker->sample();
  const std::vector<std::string> expected = {
      "sub_environment_created 0 vector_index 0",
      "episode_start env 0 length 0",
      "episode_step length 1",
      "episode_step length 2",
      "episode_step length 3",
      "postprocess_trajectory A p rows 3/3",
      "episode_end length 3",
      "episode_start env 0 length 0",  // the next episode starts in the same sample() call
      "sample_end env_steps 3",
  };
  EXPECT_EQ(recorder->log, expected);
  ASSERT_EQ(recorder->start_ids.size(), 2u);
  EXPECT_NE(recorder->start_ids[0], recorder->start_ids[1]);
  EXPECT_EQ(recorder->piece_ids, std::vector<int64_t>{recorder->start_ids[0]});
  EXPECT_EQ(recorder->end_ids, std::vector<int64_t>{recorder->start_ids[0]});
}

/// Sets every reward of each piece to 0 and remembers the rewards the piece was recorded with.
class ZeroRewards : public phantom::Callbacks {
 public:
  void on_postprocess_trajectory(RolloutWorker&, Episode&, const std::string&, const std::string&,
                                 SampleBatch& postprocessed, const SampleBatch& original) override {
    original_rewards = floats(original, col::kRewards);
    float* rewards = postprocessed.f32(col::kRewards);
    for (int64_t r = 0; r < postprocessed.size(); ++r) rewards[r] = 0.0f;
  }
  std::vector<float> original_rewards;
};

TEST(RolloutWorker, RewardRewriteInTheCallbackChangesTheAdvantages) {
  // Departure from RLlib: the policy postprocesses after on_postprocess_trajectory, so the
  // rewritten rewards are the ones its advantages are computed from.
  RolloutWorkerOptions o = options_of(BatchMode::complete_episodes, 3);
  auto plain = single_agent_worker(Script{}, 3, o);
  EXPECT_EQ(floats(plain->sample().batch("p"), col::kAdvantages), (std::vector<float>{3, 2, 1}));

  auto zero = std::make_shared<ZeroRewards>();
  o.callbacks = zero;
  auto rewritten = single_agent_worker(Script{}, 3, o);
  const SampleBatch& rows = rewritten->sample().batch("p");
  EXPECT_EQ(floats(rows, col::kRewards), std::vector<float>(3, 0.0f));
  EXPECT_EQ(floats(rows, col::kAdvantages), std::vector<float>(3, 0.0f));
  EXPECT_EQ(zero->original_rewards, std::vector<float>(3, 1.0f));
  // Episode metrics report what the env paid.
  const std::vector<EpisodeRecord> records = rewritten->get_metrics();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_DOUBLE_EQ(records[0].total_reward, 3.0);
}

TEST(RolloutWorker, CurriculumReachesEverySubEnvOfTheWorkersItIsAppliedTo) {
  Script sees_task;
  sees_task.sees = Sees::task;
  auto make_worker = [&](int worker_index) {
    RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 5, /*num_envs=*/3);
    o.worker_index = worker_index;
    o.num_workers = 2;
    return single_agent_worker(sees_task, std::nullopt, o);
  };
  auto first = make_worker(1);
  auto second = make_worker(2);
  auto evaluation = make_worker(3);
  for (RolloutWorker* w : {first.get(), second.get(), evaluation.get()}) w->sample();

  for (RolloutWorker* w : {first.get(), second.get()}) {
    std::vector<int> visited;
    w->foreach_env([&visited](PhantomEnv& env, int vector_index) {
      dynamic_cast<ScriptedEnv&>(env).set_task(1);
      visited.push_back(vector_index);
    });
    EXPECT_EQ(visited, (std::vector<int>{0, 1, 2}));
  }
  int switched = 0;
  for (RolloutWorker* w : {first.get(), second.get()}) {
    for (int v = 0; v < 3; ++v) switched += scripted_env(*w, v).task() == 1 ? 1 : 0;
  }
  EXPECT_EQ(switched, 6);
  for (int v = 0; v < 3; ++v) EXPECT_EQ(scripted_env(*evaluation, v).task(), 0);

  // The switch happens mid-episode: no reset, and every observation after it shows the task.
  for (RolloutWorker* w : {first.get(), second.get(), evaluation.get()}) {
    const float task = w == evaluation.get() ? 0.0f : 1.0f;
    EXPECT_EQ(floats(w->sample().batch("p"), col::kNewObs), std::vector<float>(15, task));
    for (int v = 0; v < 3; ++v) EXPECT_EQ(scripted_env(*w, v).resets(), 1);
  }
}

// ==== 6. Agents that leave early or take turns ================================================

/// Checks in the hook that every piece is one agent's trajectory in one episode.
class TrajectoryChecker : public phantom::Callbacks {
 public:
  void on_postprocess_trajectory(RolloutWorker&, Episode&, const std::string&, const std::string&,
                                 SampleBatch& postprocessed, const SampleBatch&) override {
    ++pieces;
    try {
      postprocessed.check_single_trajectory();
    } catch (const std::exception& e) {
      failures.push_back(e.what());
    }
  }
  int pieces = 0;
  std::vector<std::string> failures;
};

/// After one sample: the rows recorded so far per agent, and the actions the env had decoded.
struct Counts {
  uneven::DecodeLog rows, decoded;
};

/// Samples `samples` times and counts after each (one policy per agent: "p" + agent id).
std::vector<Counts> sample_and_count(RolloutWorker& worker, int samples,
                                     const std::vector<std::string>& agents,
                                     const uneven::DecodeLog& log,
                                     std::vector<MultiAgentBatch>& batches) {
  std::vector<Counts> counts;
  uneven::DecodeLog rows;
  for (int s = 0; s < samples; ++s) {
    MultiAgentBatch& batch = worker.sample();
    for (const std::string& agent : agents) {
      const std::string policy = "p" + agent;
      rows[agent] += batch.has_policy(policy) ? batch.batch(policy).size() : 0;
    }
    counts.push_back({rows, log});
    batches.push_back(copy_of(batch));
  }
  return counts;
}

/// Expects every piece of every batch to be one agent's trajectory in one episode.
void expect_single_trajectories(const std::vector<MultiAgentBatch>& batches) {
  for (const MultiAgentBatch& batch : batches) {
    for (const std::string& id : batch.policy_ids()) {
      for (const SampleBatch& piece : batch.batch(id).split_by_episode()) {
        EXPECT_NO_THROW(piece.check_single_trajectory()) << id;
      }
    }
  }
}

/// The last row's (terminated, truncated) flags of every episode piece of `batch`.
std::vector<std::pair<float, float>> end_flags(const SampleBatch& batch) {
  std::vector<std::pair<float, float>> flags;
  for (const SampleBatch& piece : batch.split_by_episode()) {
    flags.emplace_back(floats(piece, col::kTerminateds).back(),
                       floats(piece, col::kTruncateds).back());
  }
  return flags;
}

TEST(RolloutWorker, AgentsWithDifferentLifespansGetARowPerDecodedAction) {
  // A terminates after 2 steps, B after 6 (ending the episode), C is truncated after 3.
  const std::vector<uneven::Life> lives = {{"A", 2}, {"B", 6}, {"C", 3, /*by_truncation=*/true}};
  const std::vector<std::string> agents = {"A", "B", "C"};
  for (BatchMode mode : {BatchMode::truncate_episodes, BatchMode::complete_episodes}) {
    const bool complete = mode == BatchMode::complete_episodes;
    SCOPED_TRACE(complete ? "complete_episodes" : "truncate_episodes");
    auto log = std::make_shared<uneven::DecodeLog>();
    RolloutWorkerOptions o = complete ? options_of(mode, 6) : options_of(mode, 4, /*num_envs=*/2);
    auto checker = std::make_shared<TrajectoryChecker>();
    o.callbacks = checker;
    PolicyMap policies;
    for (const std::string& a : agents) {
      policies["p" + a] = logits_policy({0.0f, 0.0f}, phantom::discrete(16));
    }
    RolloutWorker worker([log, lives](const EnvContext&) { return uneven::make_env(lives, log); },
                         policies, map_ids({{"pA", {"A"}}, {"pB", {"B"}}, {"pC", {"C"}}}), o);
    std::vector<MultiAgentBatch> batches;
    const std::vector<Counts> counts = sample_and_count(worker, 3, agents, *log, batches);
    // Every agent that is observed and still in the episode acts, so each of its rows is
    // closed by the step after it: at every cut, rows = decoded actions.
    for (std::size_t s = 0; s < counts.size(); ++s) {
      EXPECT_EQ(counts[s].rows, counts[s].decoded) << "after sample " << s;
    }
    EXPECT_GT(checker->pieces, 0);
    EXPECT_EQ(checker->failures, std::vector<std::string>{});
    expect_single_trajectories(batches);
    if (complete) {
      // One 6-step episode per sample.
      EXPECT_EQ((*log)["A"], 2 * 3);
      EXPECT_EQ((*log)["B"], 6 * 3);
      EXPECT_EQ((*log)["C"], 3 * 3);
      for (const MultiAgentBatch& batch : batches) {
        const std::vector<std::pair<float, float>> terminated(1, {1.0f, 0.0f});
        const std::vector<std::pair<float, float>> truncated(1, {0.0f, 1.0f});
        EXPECT_EQ(end_flags(batch.batch("pA")), terminated);
        EXPECT_EQ(end_flags(batch.batch("pB")), terminated);
        EXPECT_EQ(end_flags(batch.batch("pC")), truncated);
      }
    }
  }
}

/// A plain policy that always takes action 1 (a mortal is paid its action: 1 per step).
class AlwaysOne : public phantom::Policy {
 public:
  using Policy::Policy;
  void compute_action(const float*, float* action, nn::Rng&) override { action[0] = 1.0f; }
};

TEST(RolloutWorker, PlainPolicyRowsAreTheSameWithOrWithoutCallbacks) {
  // A plain policy's rows go straight into its batch unless a callback may read or rewrite them;
  // both ways must give the same rows, clipped rewards included, for agents that leave early.
  const std::vector<uneven::Life> lives = {{"A", 2}, {"B", 6}, {"C", 3, /*by_truncation=*/true}};
  for (BatchMode mode : {BatchMode::truncate_episodes, BatchMode::complete_episodes}) {
    SCOPED_TRACE(mode == BatchMode::complete_episodes ? "complete_episodes" : "truncate_episodes");
    auto make_worker = [&](std::shared_ptr<phantom::Callbacks> callbacks) {
      RolloutWorkerOptions o = options_of(mode, 4, /*num_envs=*/2);
      o.clip_rewards = phantom::RewardClipping::clamp(0.5);
      o.callbacks = std::move(callbacks);
      auto log = std::make_shared<uneven::DecodeLog>();
      PolicyMap policies;
      for (const char* p : {"pA", "pB", "pC"}) {
        policies[p] = std::make_shared<AlwaysOne>(phantom::discrete(16), phantom::discrete(2));
      }
      return std::make_unique<RolloutWorker>(
          [log, lives](const EnvContext&) { return uneven::make_env(lives, log); }, policies,
          map_ids({{"pA", {"A"}}, {"pB", {"B"}}, {"pC", {"C"}}}), o);
    };
    auto direct = make_worker(nullptr);
    auto through_callbacks = make_worker(std::make_shared<phantom::Callbacks>());
    for (int s = 0; s < 3; ++s) {
      const MultiAgentBatch expected = copy_of(through_callbacks->sample());
      EXPECT_GT(expected.batch("pB").size(), 0);
      // Paid 1 per step, clamped to 0.5.
      EXPECT_EQ(floats(expected.batch("pB"), col::kRewards),
                std::vector<float>(static_cast<std::size_t>(expected.batch("pB").size()), 0.5f));
      expect_identical(direct->sample(), expected, "sample " + std::to_string(s));
    }
  }
}

TEST(RolloutWorker, AgentsTakingTurnsGetARowPerDecodedAction) {
  // A acts in stage "a" and terminates after step 3; B acts in stage "b"; the episode is cut
  // off after 9 steps. Both are observed after every stage.
  const std::vector<std::string> agents = {"A", "B"};
  for (BatchMode mode : {BatchMode::truncate_episodes, BatchMode::complete_episodes}) {
    const bool complete = mode == BatchMode::complete_episodes;
    SCOPED_TRACE(complete ? "complete_episodes" : "truncate_episodes");
    auto log = std::make_shared<uneven::DecodeLog>();
    RolloutWorkerOptions o = options_of(mode, complete ? 9 : 3);
    auto checker = std::make_shared<TrajectoryChecker>();
    o.callbacks = checker;
    PolicyMap policies{{"pA", logits_policy({0.0f, 0.0f}, phantom::discrete(16))},
                       {"pB", logits_policy({0.0f, 0.0f}, phantom::discrete(16))}};
    RolloutWorker worker([log](const EnvContext&) { return uneven::make_turns_env(3, 20, log, 9); },
                         policies, map_ids({{"pA", {"A"}}, {"pB", {"B"}}}), o);
    std::vector<MultiAgentBatch> batches;
    const int samples = complete ? 2 : 6;
    const std::vector<Counts> counts = sample_and_count(worker, samples, agents, *log, batches);
    for (int s = 0; s < samples; ++s) {
      const Counts& c = counts[static_cast<std::size_t>(s)];
      // A row stays open until its agent acts again (or leaves, or the episode ends), so a cut
      // inside an episode may hold back B's last row: at most one per agent. Every third
      // 3-step fragment ends an episode (9 steps), and then nothing is held back.
      const bool episode_end = complete || s % 3 == 2;
      for (const std::string& agent : agents) {
        const int64_t held_back = c.decoded.at(agent) - c.rows.at(agent);
        EXPECT_GE(held_back, 0) << agent << " after sample " << s;
        EXPECT_LE(held_back, episode_end ? 0 : 1) << agent << " after sample " << s;
      }
    }
    EXPECT_EQ(counts.back().rows, counts.back().decoded);
    EXPECT_GT((*log)["A"], 0);
    EXPECT_GT((*log)["B"], (*log)["A"]);
    EXPECT_EQ(checker->failures, std::vector<std::string>{});
    expect_single_trajectories(batches);
    if (complete) {
      for (const MultiAgentBatch& batch : batches) {
        EXPECT_EQ(end_flags(batch.batch("pA")), (std::vector<std::pair<float, float>>{{1, 0}}));
        EXPECT_EQ(end_flags(batch.batch("pB")), (std::vector<std::pair<float, float>>{{0, 1}}));
      }
    }
  }
}

// ==== 7. Observation filters ==================================================================

TEST(RolloutWorker, MeanStdFilterStandardisesEveryObservationOnce) {
  RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 10);
  o.observation_filter = "MeanStdFilter";
  {
    // A constant observation is its own mean: it always filters to 0.
    Script constant;
    constant.sees = Sees::constant;
    auto worker = single_agent_worker(constant, std::nullopt, o);
    const SampleBatch& rows = worker->sample().batch("p");
    EXPECT_EQ(floats(rows, col::kObs), std::vector<float>(10, 0.0f));
    EXPECT_EQ(floats(rows, col::kNewObs), std::vector<float>(10, 0.0f));
  }
  // Observations 0, 1, 2, ...: each is filtered once, as it arrives, with the statistics of
  // everything before it and itself.
  auto worker = single_agent_worker(Script{}, std::nullopt, o);
  EXPECT_STREQ(worker->filters().get("p").name(), "MeanStdFilter");
  const SampleBatch& rows = worker->sample().batch("p");
  auto reference = phantom::make_observation_filter("MeanStdFilter", 1);
  std::vector<float> expected;
  for (int k = 0; k <= 10; ++k) {
    float x = static_cast<float>(k);
    reference->apply(&x, 1, /*update=*/true);
    expected.push_back(x);
  }
  const std::vector<float> obs = floats(rows, col::kObs);
  const std::vector<float> new_obs = floats(rows, col::kNewObs);
  ASSERT_EQ(obs.size(), 10u);
  for (int t = 0; t < 10; ++t) {
    EXPECT_FLOAT_EQ(obs[t], expected[t]) << t;
    EXPECT_FLOAT_EQ(new_obs[t], expected[t + 1]) << t;
  }
  EXPECT_NE(obs[3], 3.0f);

  // The worker's buffer holds the 11 observations; get_filters(true) hands them over once.
  phantom::FilterSnapshot first = worker->get_filters(/*flush_after=*/true);
  const auto& flushed = dynamic_cast<const phantom::MeanStdFilter&>(*first.at("p"));
  EXPECT_EQ(flushed.buffer().count(), 11);
  EXPECT_EQ(flushed.rs().count(), 11);
  phantom::FilterSnapshot second = worker->get_filters(/*flush_after=*/false);
  const auto& after = dynamic_cast<const phantom::MeanStdFilter&>(*second.at("p"));
  EXPECT_EQ(after.buffer().count(), 0);
  EXPECT_EQ(after.rs().count(), 11);
}

TEST(RolloutWorker, UnknownObservationFilterIsAConfigErrorNamingIt) {
  RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 10);
  o.observation_filter = "MeanStdFiltre";
  const std::string m =
      message_of<phantom::ConfigError>([&] { single_agent_worker(Script{}, std::nullopt, o); });
  EXPECT_HAS(m, "MeanStdFiltre");
}

// ==== 8. Determinism and checkpoints ==========================================================

RolloutWorkerOptions determinism_options(BatchMode mode, int64_t fragment) {
  RolloutWorkerOptions o = options_of(mode, fragment, /*num_envs=*/2);
  o.seed = 7;
  o.worker_index = 1;
  o.num_workers = 1;
  return o;
}

std::unique_ptr<RolloutWorker> random_start_worker(const RolloutWorkerOptions& o,
                                                   std::optional<int64_t> num_steps) {
  Script script;
  script.random_start = true;
  script.rewards = {0.5, -1.0, 2.0};
  return single_agent_worker(script, num_steps, o, logits_policy({0.3f, -0.2f}));
}

TEST(RolloutWorker, WorkersWithTheSameOptionsGiveIdenticalBatches) {
  const RolloutWorkerOptions o = determinism_options(BatchMode::truncate_episodes, 5);
  auto a = random_start_worker(o, 4);
  auto b = random_start_worker(o, 4);
  RolloutWorkerOptions other_seed = o;
  other_seed.seed = 8;
  auto c = random_start_worker(other_seed, 4);
  for (int s = 0; s < 3; ++s) {
    const MultiAgentBatch first = copy_of(a->sample());
    expect_identical(first, b->sample(), "sample " + std::to_string(s));
    EXPECT_FALSE(first.batch("p").identical(c->sample().batch("p"))) << "seed 8, sample " << s;
  }
}

TEST(RolloutWorker, RestoredWorkerContinuesLikeTheOriginal) {
  // Whole episodes, so the saved worker stands between two episodes. The fresh worker must go
  // on from there: the next episode of each sub-env (its reset seed, so its observations, and
  // its id), the acting generator and the policy's state.
  const RolloutWorkerOptions o = determinism_options(BatchMode::complete_episodes, 3);
  auto original = random_start_worker(o, 3);
  original->sample();
  nn::StateDict state;
  original->save(state, "worker");

  auto fresh = random_start_worker(o, 3);
  auto& fresh_policy = dynamic_cast<FixedLogitsPolicy&>(*fresh->get_policy("p"));
  fresh_policy.set_logits({-5.0f, 5.0f});
  fresh->restore(state, "worker");
  const auto& original_policy = dynamic_cast<FixedLogitsPolicy&>(*original->get_policy("p"));
  EXPECT_EQ(fresh_policy.logits(), original_policy.logits());
  EXPECT_EQ(fresh_policy.global_timestep(), original_policy.global_timestep());

  for (int s = 0; s < 2; ++s) {
    const MultiAgentBatch expected = copy_of(original->sample());
    expect_identical(expected, fresh->sample(), "sample after restore " + std::to_string(s));
  }
}

// ==== sample_async: the deterministic pipeline ===============================================

/// Sets the policy's logits (its "weights") before each call, as a learner would update them;
/// returns the batches and, in `returns`, each call's collected sum of episode returns.
std::vector<MultiAgentBatch> pipeline_run(RolloutWorker& worker,
                                          const std::vector<std::vector<float>>& weights,
                                          std::vector<double>& returns) {
  auto& policy = dynamic_cast<FixedLogitsPolicy&>(*worker.get_policy("p"));
  std::vector<MultiAgentBatch> out;
  for (const std::vector<float>& w : weights) {
    policy.set_logits(w);
    out.push_back(copy_of(worker.sample()));
    phantom::IterationStats stats;
    stats.reset(1, 0, 0);
    worker.collect_stats(stats);
    returns.push_back(stats.returns[0].sum);
  }
  return out;
}

const std::vector<std::vector<float>> kWeights = {
    {2.0f, -2.0f}, {-2.0f, 2.0f}, {0.0f, 1.0f}, {1.0f, 0.0f}};

TEST(RolloutWorker, SampleAsyncHandsOutTheFragmentSampledWithTheWeightsOfOneUpdateBefore) {
  RolloutWorkerOptions o = determinism_options(BatchMode::truncate_episodes, 5);
  o.sample_async = true;
  auto async = random_start_worker(o, 3);
  std::vector<double> async_returns, sync_returns;
  const std::vector<MultiAgentBatch> got = pipeline_run(*async, kWeights, async_returns);
  // The same worker without the pipeline, given at each call the weights the async worker had
  // one call earlier (the first ones twice): fragment k was sampled with weights k - 1.
  o.sample_async = false;
  auto sync = random_start_worker(o, 3);
  const std::vector<MultiAgentBatch> want =
      pipeline_run(*sync, {kWeights[0], kWeights[0], kWeights[1], kWeights[2]}, sync_returns);
  for (std::size_t k = 0; k < got.size(); ++k) {
    expect_identical(want[k], got[k], "call " + std::to_string(k));
  }
  EXPECT_EQ(async_returns, sync_returns);  // statistics travel with their fragment
  ASSERT_GT(async_returns[1], 0.0);
  // The lag is real: the weights of call 1 sample other actions than those of call 0.
  EXPECT_FALSE(got[2].batch("p").identical(got[1].batch("p")));
}

TEST(RolloutWorker, SampleAsyncCheckpointHoldsTheFragmentInFlight) {
  RolloutWorkerOptions o = determinism_options(BatchMode::truncate_episodes, 5);
  o.sample_async = true;
  auto original = random_start_worker(o, 3);
  std::vector<double> returns;
  pipeline_run(*original, {kWeights[0], kWeights[1]}, returns);
  nn::StateDict state;
  original->save(state, "worker");
  const std::vector<uint8_t> bytes = nn::encode_state_dict(state);
  auto fresh = random_start_worker(o, 3);
  fresh->restore(nn::decode_state_dict(bytes.data(), bytes.size(), "<memory>"), "worker");
  std::vector<double> want_returns, got_returns;
  const std::vector<MultiAgentBatch> want =
      pipeline_run(*original, {kWeights[2], kWeights[3]}, want_returns);
  const std::vector<MultiAgentBatch> got =
      pipeline_run(*fresh, {kWeights[2], kWeights[3]}, got_returns);
  for (std::size_t k = 0; k < got.size(); ++k) {
    expect_identical(want[k], got[k], "call " + std::to_string(k) + " after restore");
  }
  EXPECT_EQ(got_returns, want_returns);
}

/// Custom metrics and hist data that grow every step, so a checkpoint mid-episode holds some.
class StepTally : public phantom::Callbacks {
 public:
  void on_episode_step(phantom::RolloutWorker&, phantom::Episode& episode, int) override {
    episode.custom_metrics["steps"] += 1.0;
    episode.hist_data["length"].push_back(static_cast<double>(episode.length));
  }
};

TEST(RolloutWorker, RestoredMidEpisodeEveryAgentRowAndEpisodeTableContinues) {
  // Fragments of 7 steps in episodes of 9 (A leaves after 2 steps, C by truncation after 5):
  // the checkpoint falls mid-episode with rows, rewards, bindings, custom metrics and hist
  // data in flight, and a filter with statistics. Through the file format, a fresh worker then
  // gives the same batches and the same episode records as the original.
  auto make = [] {
    RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 7, /*num_envs=*/2);
    o.seed = 4;
    o.observation_filter = "MeanStdFilter";
    o.callbacks = std::make_shared<StepTally>();
    Script a, b, c;
    a.random_start = b.random_start = c.random_start = true;
    a.end_at = 2;
    c.end_at = 5;
    c.by_truncation = true;
    b.rewards = {1.0, -0.5, 2.0};
    return std::make_unique<RolloutWorker>(
        scripted({{"A", a}, {"B", b}, {"C", c}}, 9),
        PolicyMap{{"p", logits_policy({0.3f, -0.2f})}, {"q", logits_policy()}},
        map_ids({{"p", {"A", "C"}}, {"q", {"B"}}}), o);
  };
  auto original = make();
  original->sample();
  original->get_metrics();
  nn::StateDict state;
  original->save(state, "worker");
  const std::vector<uint8_t> bytes = nn::encode_state_dict(state);
  auto fresh = make();
  fresh->restore(nn::decode_state_dict(bytes.data(), bytes.size(), "<memory>"), "worker");
  for (int k = 0; k < 3; ++k) {
    const MultiAgentBatch expected = copy_of(original->sample());
    expect_identical(expected, fresh->sample(), "sample after restore " + std::to_string(k));
  }
  const std::vector<phantom::EpisodeRecord> want = original->get_metrics(),
                                            got = fresh->get_metrics();
  ASSERT_EQ(got.size(), want.size());
  ASSERT_GT(want.size(), 0u);
  for (std::size_t e = 0; e < want.size(); ++e) {
    EXPECT_EQ(got[e].length, want[e].length) << e;
    EXPECT_EQ(got[e].total_reward, want[e].total_reward) << e;
    EXPECT_EQ(got[e].agent_rewards, want[e].agent_rewards) << e;
    EXPECT_EQ(got[e].custom_metrics, want[e].custom_metrics) << e;
    EXPECT_EQ(got[e].hist_data, want[e].hist_data) << e;
  }
}

TEST(RolloutWorker, SaveAndRestoreCarryTheFilterStatisticsThroughTheFileFormat) {
  RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 10);
  o.observation_filter = "MeanStdFilter";
  auto original = single_agent_worker(Script{}, std::nullopt, o);
  original->sample();  // observations 0, 1, ..., 10
  nn::StateDict state;
  original->save(state, "worker");
  const std::vector<uint8_t> bytes = nn::encode_state_dict(state);
  const nn::StateDict loaded = nn::decode_state_dict(bytes.data(), bytes.size(), "<memory>");

  auto fresh = single_agent_worker(Script{}, std::nullopt, o);
  fresh->restore(loaded, "worker");
  const phantom::FilterSnapshot snapshot = fresh->get_filters(/*flush_after=*/false);
  const auto& restored = dynamic_cast<const phantom::MeanStdFilter&>(*snapshot.at("p"));
  EXPECT_EQ(restored.rs().count(), 11);
  EXPECT_DOUBLE_EQ(restored.rs().mean(0), 5.0);
}

TEST(RolloutWorker, WeightsAndGlobalVarsTravelBetweenWorkers) {
  PolicyMap first_policies{{"pa", logits_policy()}, {"pb", logits_policy()}};
  PolicyMap second_policies{{"pa", logits_policy()}, {"pb", logits_policy()}};
  const Cast cast = {{"A", Script{}}, {"B", Script{}}};
  const PolicyMapping mapping = map_ids({{"pa", {"A"}}, {"pb", {"B"}}});
  const RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 4);
  RolloutWorker first(scripted(cast, std::nullopt), first_policies, mapping, o);
  RolloutWorker second(scripted(cast, std::nullopt), second_policies, mapping, o);
  dynamic_cast<FixedLogitsPolicy&>(*first.get_policy("pa")).set_logits({2.0f, -1.0f});
  dynamic_cast<FixedLogitsPolicy&>(*first.get_policy("pb")).set_logits({-3.0f, 4.0f});

  const nn::StateDict only_pa = first.get_weights({"pa"});
  EXPECT_TRUE(only_pa.contains("pa.logits"));
  EXPECT_FALSE(only_pa.contains("pb.logits"));

  second.set_weights(first.get_weights(), phantom::GlobalVars{1234});
  EXPECT_EQ(dynamic_cast<FixedLogitsPolicy&>(*second.get_policy("pa")).logits(),
            (std::vector<float>{2.0f, -1.0f}));
  EXPECT_EQ(dynamic_cast<FixedLogitsPolicy&>(*second.get_policy("pb")).logits(),
            (std::vector<float>{-3.0f, 4.0f}));
  EXPECT_EQ(second.global_vars().timestep, 1234);
  second.foreach_trainable_policy([](phantom::TrainablePolicy& policy, const std::string& id) {
    EXPECT_EQ(policy.global_timestep(), 1234) << id;
  });
  EXPECT_EQ(second.get_policy("nobody"), nullptr);
}

// ==== 9. Which policies train =================================================================

TEST(RolloutWorker, PoliciesToTrainSelectsWhoLearns) {
  struct Case {
    const char* name;
    std::optional<std::vector<std::string>> policies_to_train;
    std::set<std::string> trained;
  };
  const Case cases[] = {
      {"only pa", std::vector<std::string>{"pa"}, {"pa"}},
      {"empty list: none", std::vector<std::string>{}, {}},
      {"nullopt: every trainable policy", std::nullopt, {"pa", "pb"}},
  };
  const Cast cast = {{"A", Script{}}, {"B", Script{}}, {"C", Script{}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto pa = logits_policy();
    auto pb = logits_policy();
    auto pz = std::make_shared<worker_test::ZeroPolicy>(box_obs(), phantom::discrete(2));
    RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 5);
    o.policies_to_train = c.policies_to_train;
    RolloutWorker worker(scripted(cast, std::nullopt),
                         PolicyMap{{"pa", pa}, {"pb", pb}, {"pz", pz}},
                         map_ids({{"pa", {"A"}}, {"pb", {"B"}}, {"pz", {"C"}}}), o);
    MultiAgentBatch& batch = worker.sample();
    // The plain policy acts all the same, with log-prob 0 and no value.
    EXPECT_EQ(batch.batch("pz").size(), 5);
    EXPECT_EQ(floats(batch.batch("pz"), col::kActionLogp), std::vector<float>(5, 0.0f));
    EXPECT_EQ(floats(batch.batch("pz"), col::kVfPreds), std::vector<float>(5, 0.0f));
    std::map<std::string, phantom::LearnerStats> stats;
    worker.learn_on_batch(batch, stats);
    std::set<std::string> learned;
    for (const auto& [id, s] : stats) {
      learned.insert(id);
      ASSERT_EQ(s.values().size(), 1u) << id;
      EXPECT_EQ(s.values()[0].first, "rows");
      EXPECT_EQ(s.values()[0].second, 5.0) << id;
    }
    EXPECT_EQ(learned, c.trained);
    EXPECT_EQ(pa->learn_calls, c.trained.count("pa") ? 1 : 0);
    EXPECT_EQ(pb->learn_calls, c.trained.count("pb") ? 1 : 0);
    for (const char* id : {"pa", "pb", "pz"}) {
      EXPECT_EQ(worker.is_trained(id), c.trained.count(id) == 1) << id;
    }
    std::set<std::string> visited;
    worker.foreach_trainable_policy(
        [&visited](phantom::TrainablePolicy&, const std::string& id) { visited.insert(id); });
    EXPECT_EQ(visited, c.trained);
    // Weights are exchanged for every trainable policy, trained here or not.
    const nn::StateDict weights = worker.get_weights();
    EXPECT_TRUE(weights.contains("pa.logits"));
    EXPECT_TRUE(weights.contains("pb.logits"));
  }
}

/// Rewrites the training batch before the loss and reports a statistic.
class LearnHook : public phantom::Callbacks {
 public:
  void on_learn_on_batch(phantom::TrainablePolicy&, SampleBatch& train_batch,
                         std::map<std::string, double>& result) override {
    float* rewards = train_batch.f32(col::kRewards);
    for (int64_t r = 0; r < train_batch.size(); ++r) rewards[r] = 0.0f;
    result["hook_rows"] = static_cast<double>(train_batch.size());
  }
};

TEST(RolloutWorker, LearnOnBatchCallbackRunsBeforeTheLoss) {
  RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 5);
  o.callbacks = std::make_shared<LearnHook>();
  auto policy = logits_policy();
  auto worker = single_agent_worker(Script{}, std::nullopt, o, policy);
  MultiAgentBatch& batch = worker->sample();
  std::map<std::string, phantom::LearnerStats> stats;
  worker->learn_on_batch(batch, stats);
  EXPECT_EQ(policy->learn_calls, 1);
  // The hook zeroed the rewards (all 1) before the policy learned from them.
  EXPECT_EQ(policy->learned_reward_sum, 0.0);
  ASSERT_EQ(stats.count("p"), 1u);
  bool reported = false;
  for (const auto& [name, value] : stats.at("p").values()) {
    if (name.find("hook_rows") != std::string::npos) reported = value == 5.0;
  }
  EXPECT_TRUE(reported) << "the hook's result entry is not among the learner statistics";
}

// ==== 10. Option errors =======================================================================

TEST(RolloutWorker, BadOptionsAreConfigErrorsNamingTheOption) {
  auto build = [](RolloutWorkerOptions o) { single_agent_worker(Script{}, std::nullopt, o); };
  RolloutWorkerOptions no_envs = options_of(BatchMode::truncate_episodes, 10);
  no_envs.num_envs = 0;
  EXPECT_HAS(message_of<phantom::ConfigError>([&] { build(no_envs); }), "num_envs");
  RolloutWorkerOptions no_fragment = options_of(BatchMode::truncate_episodes, 0);
  EXPECT_HAS(message_of<phantom::ConfigError>([&] { build(no_fragment); }),
             "rollout_fragment_length");
  RolloutWorkerOptions zero_horizon = options_of(BatchMode::truncate_episodes, 10);
  zero_horizon.horizon = 0;
  EXPECT_HAS(message_of<phantom::ConfigError>([&] { build(zero_horizon); }), "horizon");
}

TEST(RolloutWorker, MappingNamingAnAbsentPolicyIsAConfigErrorNamingIt) {
  const std::string m = message_of<phantom::ConfigError>([&] {
    RolloutWorker worker(scripted({{"A", Script{}}, {"B", Script{}}}, std::nullopt),
                         PolicyMap{{"p", logits_policy()}},
                         map_ids({{"p", {"A"}}, {"ghost_policy", {"B"}}}),
                         options_of(BatchMode::truncate_episodes, 4));
  });
  EXPECT_HAS(m, "ghost_policy");
}

TEST(RolloutWorker, SubEnvsWithOtherAgentsAreAConfigError) {
  phantom::WorkerEnvFactory make = [](const EnvContext& context) {
    const std::string second = context.vector_index == 0 ? "beta" : "gamma";
    return std::make_unique<ScriptedEnv>(Cast{{"alpha", Script{}}, {second, Script{}}},
                                         std::nullopt);
  };
  const std::string m = message_of<phantom::ConfigError>([&] {
    phantom::PolicyMappingFn fn = [](const std::string&, const Episode&) {
      return std::string("p");
    };
    RolloutWorker worker(make, PolicyMap{{"p", logits_policy()}}, fn,
                         options_of(BatchMode::truncate_episodes, 4, /*num_envs=*/2));
  });
  EXPECT_TRUE(m.find("beta") != std::string::npos || m.find("gamma") != std::string::npos)
      << "message: " << m;
}

// ==== 11. Threads =============================================================================

/// Counts env steps from any thread.
class StepCounter : public phantom::Callbacks {
 public:
  void on_episode_step(RolloutWorker&, Episode&, int) override { ++steps; }
  std::atomic<int> steps{0};
};

TEST(RolloutWorkerParallel, WorkersOnTheirOwnThreadsSampleAsWhenRunOneAfterTheOther) {
  auto make_worker = [](int worker_index, std::shared_ptr<phantom::Callbacks> callbacks) {
    RolloutWorkerOptions o = options_of(BatchMode::truncate_episodes, 20, /*num_envs=*/2);
    o.seed = 3;
    o.worker_index = worker_index;
    o.num_workers = 2;
    o.callbacks = std::move(callbacks);
    Script script;
    script.random_start = true;
    return single_agent_worker(script, 7, o, logits_policy({0.1f, 0.4f}));
  };
  std::vector<std::vector<MultiAgentBatch>> sequential(2), parallel(2);
  for (int w = 0; w < 2; ++w) {
    auto worker = make_worker(w + 1, nullptr);
    for (int s = 0; s < 3; ++s) sequential[w].push_back(copy_of(worker->sample()));
  }
  auto counter = std::make_shared<StepCounter>();
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      auto worker = make_worker(w + 1, counter);
      for (int s = 0; s < 3; ++s) parallel[w].push_back(copy_of(worker->sample()));
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter->steps.load(), 2 * 2 * 20 * 3);  // workers x sub-envs x F x samples
  for (int w = 0; w < 2; ++w) {
    ASSERT_EQ(parallel[w].size(), 3u);
    for (int s = 0; s < 3; ++s) {
      expect_identical(sequential[w][s], parallel[w][s],
                       "worker " + std::to_string(w + 1) + " sample " + std::to_string(s));
    }
  }
  // The two workers differ (their seeds do).
  EXPECT_FALSE(sequential[0][0].batch("p").identical(sequential[1][0].batch("p")));
}

TEST(RolloutWorkerParallel, SubEnvsSteppedOnAPoolGiveTheSameBatches) {
  // Different lifespans (A leaves early, C by truncation) in both batch modes, with episodes
  // ending at different steps in different sub-envs: the batches do not depend on the threads.
  // B's steps take 100 us, so that 5 sub-envs are worth splitting (nn::MeasuredSplit); the
  // test checks that some step did run on another thread than the caller's.
  bool stepped_elsewhere = false;
  for (BatchMode mode : {BatchMode::truncate_episodes, BatchMode::complete_episodes}) {
    std::vector<std::vector<MultiAgentBatch>> runs;
    for (int threads : {1, 2, 3}) {
      RolloutWorkerOptions o = options_of(mode, 7, /*num_envs=*/5);
      o.seed = 11;
      o.num_threads = threads;
      Script a, b, c;
      a.random_start = b.random_start = c.random_start = true;
      a.end_at = 2;
      c.end_at = 5;
      c.by_truncation = true;
      b.step_micros = 100;
      RolloutWorker worker(scripted({{"A", a}, {"B", b}, {"C", c}}, 9),
                           PolicyMap{{"p", logits_policy({0.3f, -0.2f})}, {"q", logits_policy()}},
                           map_ids({{"p", {"A", "C"}}, {"q", {"B"}}}), o);
      std::vector<MultiAgentBatch> samples;
      for (int k = 0; k < 3; ++k) samples.push_back(copy_of(worker.sample()));
      runs.push_back(std::move(samples));
      for (int e = 0; e < 5; ++e) {
        for (std::thread::id id : scripted_env(worker, e).agent("B").step_threads) {
          if (id != std::this_thread::get_id()) stepped_elsewhere = true;
        }
      }
    }
    for (std::size_t r = 1; r < runs.size(); ++r) {
      for (int k = 0; k < 3; ++k) {
        expect_identical(runs[0][static_cast<std::size_t>(k)], runs[r][static_cast<std::size_t>(k)],
                         "threads run " + std::to_string(r) + " sample " + std::to_string(k));
      }
    }
  }
  EXPECT_TRUE(stepped_elsewhere) << "every env step ran on the calling thread: the pool was "
                                    "never used, so the test compared nothing";
}

}  // namespace
