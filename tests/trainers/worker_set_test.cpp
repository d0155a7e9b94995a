// WorkerSet: training with rollout workers (TrainOptions::num_workers) is deterministic and the
// same for any number of threads (PPO, Q-learning, agents with different episode lengths);
// batches are concatenated in worker order; the filters after a sync equal one filter fed every
// worker's observations; resume equals an uninterrupted run; foreach_env reaches every worker;
// bad options name themselves; and batches and metrics survive their byte encoding bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"
#include "support/error_message.hpp"
#include "support/ppo_weights.hpp"
#include "support/sign_env.hpp"
#include "support/uneven_env.hpp"
#include "tabular_envs.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"
#include "trainers/sampling/observation_filter.hpp"
#include "trainers/sampling/running_stat.hpp"
#include "trainers/sampling/worker_messages.hpp"
#include "trainers/sampling/worker_set.hpp"
#include "worker_test_policies.hpp"

namespace {

using phantom::ConfigError;
using phantom::LocalWorkerSet;
using phantom::MultiAgentBatch;
using phantom::RolloutWorker;
using phantom::RolloutWorkerOptions;
using phantom::TrainingResults;
using phantom::TrainOptions;
using test_support::make_sign_env;
using test_support::message_of;
using test_support::ppo_weights;
using test_support::SignGuesser;

// ---- Training through the trainers ----

phantom::PpoOptions small_ppo() {
  phantom::PpoOptions o;
  o.num_envs = 2;
  o.steps_per_env = 16;
  o.minibatches = 2;
  o.epochs = 2;
  o.learning_rate = 3e-3f;
  o.network.hidden = {8};
  return o;
}

TrainOptions sign_run(int iterations, int workers, int threads) {
  TrainOptions t;
  t.iterations = iterations;
  t.seed = 11;
  t.policies.add("guesser", phantom::agents_of_type<SignGuesser>());
  t.policies_to_train = {"guesser"};
  t.show_progress = false;
  t.num_workers = workers;
  t.worker_threads = threads;
  return t;
}

// CSV rows without the wall-clock column.
std::vector<std::vector<std::string>> rows_without_time(const std::string& run_dir) {
  phantom::CsvTable t = phantom::read_csv(run_dir + "/metrics.csv");
  std::size_t wall = t.column("wall_seconds");
  for (auto& row : t.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(wall));
  return t.rows;
}

TEST(WorkerSetTraining, PpoWithTwoWorkersIsTheSameOnOneOrTwoThreads) {
  analysis_test::ScratchDir tmp;
  TrainOptions one = sign_run(3, 2, 1), two = sign_run(3, 2, 2);
  one.results_dir = tmp.file("one");
  two.results_dir = tmp.file("two");
  TrainingResults a = phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, one);
  TrainingResults b = phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, two);
  EXPECT_EQ(ppo_weights(a), ppo_weights(b));
  EXPECT_EQ(rows_without_time(a.run_dir), rows_without_time(b.run_dir));
  std::ifstream config(a.run_dir + "/config.txt");
  const std::string text((std::istreambuf_iterator<char>(config)),
                         std::istreambuf_iterator<char>());
  EXPECT_HAS(text, "# rollout workers: 2\n");
  // Each iteration samples 2 workers x 2 sub-envs x 16 steps.
  EXPECT_EQ(a.env_steps, 3 * 2 * 2 * 16);
  EXPECT_EQ(a.last.env_steps, 2 * 2 * 16);
  // The rollout workers sampled other episodes than a single worker would: other weights.
  TrainingResults single =
      phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, sign_run(3, 0, 1));
  EXPECT_NE(ppo_weights(a), ppo_weights(single));
}

TEST(WorkerSetTraining, TrainOptionsWorkerSetBuildsTheWorkerSet) {
  int calls = 0;
  TrainOptions custom = sign_run(2, 2, 1);
  custom.worker_set = [&calls](std::unique_ptr<RolloutWorker> local, int workers,
                               const phantom::RolloutWorkerFactory& make, int threads) {
    ++calls;
    EXPECT_EQ(workers, 2);
    return std::make_unique<LocalWorkerSet>(std::move(local), workers, make, threads);
  };
  TrainingResults a = phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, custom);
  TrainingResults b = phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, sign_run(2, 2, 1));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ppo_weights(a), ppo_weights(b));
  custom.worker_set = [](std::unique_ptr<RolloutWorker>, int, const phantom::RolloutWorkerFactory&,
                         int) { return std::unique_ptr<phantom::WorkerSet>(); };
  EXPECT_HAS(message_of<ConfigError>(
                 [&] { phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, custom); }),
             "TrainOptions::worker_set returned null");
}

const std::vector<double>& table(const TrainingResults& r, const std::string& id) {
  return dynamic_cast<const phantom::QTablePolicy&>(*r.policies.at(id)).table();
}

TEST(WorkerSetTraining, QLearningWithTwoWorkersIsTheSameOnOneOrTwoThreads) {
  phantom::QLearningOptions q;
  q.alpha = 0.3;
  q.gamma = 0.8;
  q.epsilon = 1.0;
  q.epsilon_final = 0.1;
  q.epsilon_decay_iterations = 4;
  q.episodes_per_iteration = 3;  // rounds of 2 and 1 episodes
  auto chain = [](const phantom::EnvConfig&) {
    tabular::ChainOptions c;
    c.walkers = 2;
    c.length = 6;
    return tabular::make_chain_env(c);
  };
  auto run = [&](int threads) {
    TrainOptions t;
    t.iterations = 5;
    t.seed = 4;
    t.show_progress = false;
    t.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
    t.policies_to_train = {"walkers"};
    t.num_workers = 2;
    t.worker_threads = threads;
    return phantom::QLearningTrainer(q).train(chain, {}, t);
  };
  TrainingResults a = run(1), b = run(2);
  ASSERT_EQ(table(a, "walkers").size(), table(b, "walkers").size());
  EXPECT_EQ(std::memcmp(table(a, "walkers").data(), table(b, "walkers").data(),
                        table(a, "walkers").size() * sizeof(double)),
            0);
  EXPECT_EQ(a.env_steps, b.env_steps);
  EXPECT_EQ(a.last.episodes, 3) << "an iteration is episodes_per_iteration episodes";
  double learnt = 0.0;
  for (double v : table(a, "walkers")) learnt += std::fabs(v);
  EXPECT_GT(learnt, 0.0) << "the learner's table learnt from the rollout workers' episodes";
}

TEST(WorkerSetTraining, AgentsWithDifferentEpisodeLengthsTrainTheSameOnAnyThreads) {
  // A leaves after 3 steps by termination, B after 7 by truncation; each env has its own log
  // (the workers step their envs on different threads).
  auto make = [](const phantom::EnvConfig&) {
    return uneven::make_env({{"A", 3}, {"B", 7, true}}, std::make_shared<uneven::DecodeLog>(), 10);
  };
  auto run = [&](int threads) {
    TrainOptions t;
    t.iterations = 3;
    t.seed = 5;
    t.show_progress = false;
    t.policies.add("p", phantom::agents_of_type<uneven::Mortal>());
    t.policies_to_train = {"p"};
    t.num_workers = 3;
    t.worker_threads = threads;
    phantom::PpoOptions o = small_ppo();
    o.steps_per_env = 12;
    o.normalize_observations = true;
    return phantom::PpoTrainer(o).train(make, {}, t);
  };
  TrainingResults a = run(1), b = run(2);
  EXPECT_EQ(ppo_weights(a, "p"), ppo_weights(b, "p"));
  EXPECT_EQ(a.last.env_steps, 3 * 2 * 12);
  EXPECT_EQ(a.last.episodes, b.last.episodes);
  ASSERT_EQ(a.last.returns.size(), 2u);
  EXPECT_EQ(a.last.returns[0].sum, b.last.returns[0].sum);
  EXPECT_EQ(a.last.returns[1].sum, b.last.returns[1].sum);
}

// A checkpoint's bytes with its wall-clock entry zeroed (the only entry that may differ).
std::vector<uint8_t> checkpoint_bytes(const std::string& path) {
  nn::StateDict state = nn::load_state_dict(path);
  state.set_float("trainer.wall_seconds", 0.0);  // replaced in place
  return nn::encode_state_dict(state);
}

void expect_resume_equals_uninterrupted(const phantom::PpoOptions& options, int workers) {
  analysis_test::ScratchDir tmp;
  TrainOptions full = sign_run(4, workers, 2);
  full.results_dir = tmp.file("full");
  auto expected = phantom::PpoTrainer(options).train(make_sign_env, {}, full);

  // The same run stopped after its iteration-2 checkpoint, then resumed with one thread.
  TrainOptions crashed = sign_run(4, workers, 2);
  crashed.results_dir = tmp.file("crashed");
  crashed.checkpoint_every = 2;
  auto part = phantom::PpoTrainer(options).train(make_sign_env, {}, crashed);
  std::filesystem::remove(part.run_dir + "/checkpoint-000004.bin");
  auto resumed =
      phantom::PpoTrainer(options).resume(part.run_dir, make_sign_env, {}, sign_run(4, workers, 1));
  EXPECT_EQ(ppo_weights(resumed), ppo_weights(expected));
  EXPECT_EQ(rows_without_time(resumed.run_dir), rows_without_time(expected.run_dir));
  EXPECT_EQ(checkpoint_bytes(part.run_dir + "/checkpoint-000004.bin"),
            checkpoint_bytes(expected.run_dir + "/checkpoint-000004.bin"));
}

TEST(WorkerSetTraining, ResumeWithTwoWorkersEqualsAnUninterruptedRun) {
  phantom::PpoOptions o = small_ppo();
  o.normalize_observations = true;  // the workers' filters are in the checkpoint too
  expect_resume_equals_uninterrupted(o, 2);
}

TEST(WorkerSetTraining, ResumeWithSampleAsyncAndTwoWorkersEqualsAnUninterruptedRun) {
  phantom::PpoOptions o = small_ppo();
  o.sample_async = true;  // each worker's fragment in flight is in the checkpoint
  expect_resume_equals_uninterrupted(o, 2);
}

TEST(WorkerSetTraining, QLearningResumeWithThreeWorkersEqualsAnUninterruptedRun) {
  phantom::QLearningOptions q;
  q.alpha = 0.3;
  q.epsilon = 0.5;
  q.episodes_per_iteration = 4;  // rounds of 3 and 1 episodes
  auto chain = [](const phantom::EnvConfig&) { return tabular::make_chain_env(); };
  auto run = [](int iterations, const std::string& dir) {
    TrainOptions t;
    t.iterations = iterations;
    t.seed = 8;
    t.show_progress = false;
    t.policies.add("walker", phantom::agents_of_type<tabular::ChainWalker>());
    t.policies_to_train = {"walker"};
    t.num_workers = 3;
    t.worker_threads = 2;
    t.results_dir = dir;
    return t;
  };
  analysis_test::ScratchDir tmp;
  TrainingResults whole = phantom::QLearningTrainer(q).train(chain, {}, run(5, tmp.file("a")));
  TrainingResults part = phantom::QLearningTrainer(q).train(chain, {}, run(2, tmp.file("b")));
  TrainingResults resumed =
      phantom::QLearningTrainer(q).resume(part.run_dir, chain, {}, run(5, tmp.file("b")));
  EXPECT_EQ(table(resumed, "walker"), table(whole, "walker"));
  EXPECT_EQ(rows_without_time(resumed.run_dir), rows_without_time(whole.run_dir));
}

TEST(WorkerSetTraining, ResumingWithAnotherNumberOfWorkersNamesTheOption) {
  analysis_test::ScratchDir tmp;
  TrainOptions run = sign_run(2, 2, 1);
  run.results_dir = tmp.file("r");
  auto done = phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, run);
  for (int workers : {0, 3}) {
    const std::string m = message_of<ConfigError>([&] {
      phantom::PpoTrainer(small_ppo())
          .resume(done.run_dir, make_sign_env, {}, sign_run(3, workers, 1));
    });
    EXPECT_HAS(
        m, "holds 2 rollout workers, but TrainOptions::num_workers = " + std::to_string(workers));
  }
  // Loading the policies needs only the learner: any number of workers will do.
  EXPECT_EQ(phantom::PpoTrainer(small_ppo())
                .load(done.run_dir, make_sign_env, {}, sign_run(2, 0, 1))
                .iterations,
            2);
}

TEST(WorkerSetTraining, BadWorkerOptionsAreConfigErrorsNamingTheOption) {
  EXPECT_HAS(message_of<ConfigError>([] {
               phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, sign_run(1, -1, 1));
             }),
             "ppo trainer: TrainOptions::num_workers = -1, expected >= 0");
  EXPECT_HAS(message_of<ConfigError>([] {
               phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, sign_run(1, 2, 0));
             }),
             "TrainOptions::worker_threads = 0, expected >= 1");
  TrainOptions q = sign_run(1, -2, 1);
  q.policies = {};
  q.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
  q.policies_to_train = {"walkers"};
  EXPECT_HAS(message_of<ConfigError>([&] {
               phantom::QLearningTrainer().train(
                   [](const phantom::EnvConfig&) { return tabular::make_chain_env(); }, {}, q);
             }),
             "qlearning trainer: TrainOptions::num_workers = -2");
}

// Curriculum: on_train_result reaches the envs of the learner and of every rollout worker.
class CountEnvs : public phantom::Callbacks {
 public:
  void on_train_result(phantom::Trainer& trainer, phantom::IterationStats&) override {
    envs.clear();
    trainer.foreach_env([this](phantom::PhantomEnv& env) { envs.push_back(&env); });
  }
  std::vector<phantom::PhantomEnv*> envs;
};

TEST(WorkerSetTraining, ForeachEnvReachesEveryWorkersEnvs) {
  auto counter = std::make_shared<CountEnvs>();
  TrainOptions run = sign_run(1, 2, 2);
  run.callbacks = counter;
  phantom::PpoTrainer(small_ppo()).train(make_sign_env, {}, run);
  // (1 learner + 2 rollout workers) x 2 sub-envs, each once.
  EXPECT_EQ(counter->envs.size(), 6u);
  EXPECT_EQ(std::set<phantom::PhantomEnv*>(counter->envs.begin(), counter->envs.end()).size(), 6u);
}

// ---- LocalWorkerSet on its own ----

// A SignGuesser that writes every observation it encodes to a log of its env.
class LoggingGuesser : public SignGuesser {
 public:
  LoggingGuesser(std::string id, std::vector<float>* log) : SignGuesser(std::move(id)), log_(log) {}
  bool encode_observation(phantom::Context& ctx, float* out) override {
    const bool observed = SignGuesser::encode_observation(ctx, out);
    if (observed) log_->push_back(out[0]);
    return observed;
  }

 private:
  std::vector<float>* log_;
};

constexpr int kEnvs = 2;

// Workers of one sign env per sub-env, each logging to logs[worker index][vector index], with
// a fixed-logits policy "p" (it ignores the observations, so filtering never changes what
// happens) and a MeanStdFilter.
struct Fixture {
  std::vector<std::vector<std::vector<float>>> logs =
      std::vector<std::vector<std::vector<float>>>(3, std::vector<std::vector<float>>(kEnvs));

  phantom::WorkerEnvFactory env_factory() {
    return [this](const phantom::EnvContext& ctx) {
      std::vector<float>* log = &logs[static_cast<std::size_t>(ctx.worker_index)]
                                     [static_cast<std::size_t>(ctx.vector_index)];
      auto net = std::make_unique<phantom::Network>();
      net->emplace<LoggingGuesser>("a", log);
      net->emplace<LoggingGuesser>("b", log);
      return std::make_unique<phantom::PhantomEnv>(std::move(net), 5);
    };
  }

  std::unique_ptr<RolloutWorker> worker(int index) {
    RolloutWorkerOptions o;
    o.num_envs = kEnvs;
    o.rollout_fragment_length = 7;
    o.observation_filter = "MeanStdFilter";
    o.seed = 21;
    o.worker_index = index;
    o.num_workers = 2;
    phantom::PolicyMap policies;
    policies["p"] = std::make_shared<worker_test::FixedLogitsPolicy>(
        phantom::box(-1, 1, {1}), phantom::discrete(2), std::vector<float>{0.2f, -0.1f});
    phantom::PolicyMapping mapping;
    mapping.add("p", phantom::agents_of_type<SignGuesser>());
    return std::make_unique<RolloutWorker>(env_factory(), policies, mapping, o);
  }

  std::unique_ptr<LocalWorkerSet> set(int threads) {
    return std::make_unique<LocalWorkerSet>(
        worker(0), 2, [this](int index) { return worker(index); }, threads);
  }
};

const phantom::MeanStdFilter& mean_std(RolloutWorker& w) {
  return dynamic_cast<const phantom::MeanStdFilter&>(w.filters().get("p"));
}

TEST(LocalWorkerSet, ConcatenatesTheWorkersBatchesInWorkerOrder) {
  Fixture in_set, alone;
  auto set = in_set.set(/*threads=*/2);
  auto first = alone.worker(1), second = alone.worker(2);
  for (int round = 0; round < 2; ++round) {
    const MultiAgentBatch& got = set->sample();
    const MultiAgentBatch expected = MultiAgentBatch::concat({&first->sample(), &second->sample()});
    EXPECT_EQ(got.env_steps, 2 * kEnvs * 7);
    ASSERT_EQ(got.policy_ids(), expected.policy_ids());
    EXPECT_TRUE(got.batch("p").identical(expected.batch("p"))) << "round " << round;
  }
}

TEST(LocalWorkerSet, FiltersAfterASyncEqualOneFilterFedEveryWorkersObservations) {
  Fixture f;
  auto set = f.set(/*threads=*/2);
  const std::size_t learner_observations = f.logs[0][0].size();
  set->sample();
  set->sync_filters();
  // Worker 1's observations, then worker 2's (within a worker, sub-env by sub-env: the order
  // within a worker changes only the rounding).
  phantom::RunningStat all(1);
  for (int w = 1; w <= 2; ++w) {
    for (const std::vector<float>& log : f.logs[static_cast<std::size_t>(w)]) {
      for (float x : log) all.push(&x);
    }
  }
  ASSERT_GT(all.count(), 2 * kEnvs * 7);
  const phantom::RunningStat& merged = mean_std(set->local_worker()).rs();
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_NEAR(merged.mean(0), all.mean(0), 1e-12);
  EXPECT_NEAR(merged.var(0), all.var(0), 1e-12);
  EXPECT_EQ(f.logs[0][0].size(), learner_observations) << "the learner observed nothing";
  // Every worker now holds the merged statistics and an empty buffer; syncing again without
  // new observations changes nothing.
  for (int w = 1; w <= 2; ++w) {
    const phantom::MeanStdFilter& mine = mean_std(set->worker(w));
    EXPECT_EQ(mine.rs().count(), all.count()) << "worker " << w;
    EXPECT_EQ(mine.rs().mean(0), merged.mean(0)) << "worker " << w;
    EXPECT_EQ(mine.buffer().count(), 0) << "worker " << w;
  }
  set->sync_filters();
  EXPECT_EQ(mean_std(set->local_worker()).rs().count(), all.count());
  EXPECT_EQ(mean_std(set->local_worker()).rs().mean(0), merged.mean(0));
}

// What a driver in another process merges: a worker's statistics per sub-env, merged in order
// after what it already holds, give collect_stats' bits (a sum of sums would round otherwise).
TEST(LocalWorkerSet, StatisticsInPartsMergeToCollectStatsBits) {
  Fixture f, g;
  auto whole = f.worker(1), parts = g.worker(1);
  for (int round = 0; round < 3; ++round) {
    whole->sample();
    parts->sample();
  }
  phantom::IterationStats expected, got;
  for (phantom::IterationStats* s : {&expected, &got}) {
    s->reset(2, 0);
    s->returns[0].add(0.1);  // an earlier worker's returns: the order of the additions matters
    s->returns[1].add(0.7);
  }
  whole->collect_stats(expected);
  std::vector<phantom::IterationStats> taken;
  parts->collect_stats_parts(taken);
  ASSERT_EQ(taken.size(), static_cast<std::size_t>(kEnvs)) << "one part per sub-env";
  for (const phantom::IterationStats& part : taken) got.merge(part);
  EXPECT_GT(expected.episodes, 2);
  EXPECT_EQ(got.env_steps, expected.env_steps);
  EXPECT_EQ(got.episodes, expected.episodes);
  for (std::size_t a = 0; a < 2; ++a) {
    EXPECT_EQ(got.returns[a].count, expected.returns[a].count);
    EXPECT_EQ(std::memcmp(&got.returns[a].sum, &expected.returns[a].sum, sizeof(double)), 0);
    EXPECT_EQ(got.finished_returns[a], expected.finished_returns[a]);
  }
  // Taking them starts counting again, as collect_stats does.
  taken.clear();
  parts->collect_stats_parts(taken);
  for (const phantom::IterationStats& part : taken) EXPECT_EQ(part.env_steps, 0);
}

TEST(LocalWorkerSet, ForeachEnvVisitsEveryWorkerAndSubEnvInOrder) {
  Fixture f;
  auto set = f.set(1);
  std::vector<std::pair<int, int>> visited;
  set->foreach_env([&](phantom::PhantomEnv& env, int worker, int vector) {
    visited.emplace_back(worker, vector);
    RolloutWorker& w = worker == 0 ? set->local_worker() : set->worker(worker);
    EXPECT_EQ(&env, &w.env(vector));
  });
  EXPECT_EQ(visited,
            (std::vector<std::pair<int, int>>{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}, {2, 1}}));
}

TEST(LocalWorkerSet, SyncWeightsCopiesTheLearnersWeightsAndGlobalVars) {
  Fixture f;
  auto set = f.set(1);
  auto& learner =
      dynamic_cast<worker_test::FixedLogitsPolicy&>(*set->local_worker().get_policy("p"));
  learner.set_logits({3.0f, -3.0f});
  set->sync_weights(phantom::GlobalVars{123});
  for (int w = 1; w <= 2; ++w) {
    auto& copy = dynamic_cast<worker_test::FixedLogitsPolicy&>(*set->worker(w).get_policy("p"));
    EXPECT_EQ(copy.logits(), (std::vector<float>{3.0f, -3.0f})) << "worker " << w;
    EXPECT_EQ(set->worker(w).global_vars().timestep, 123) << "worker " << w;
  }
  EXPECT_EQ(set->local_worker().global_vars().timestep, 123);
}

TEST(LocalWorkerSet, SaveAndRestoreEveryRolloutWorker) {
  Fixture a, b;
  auto first = a.set(1), second = b.set(1);
  first->sample();
  nn::StateDict state;
  first->save(state, "w");
  EXPECT_EQ(state.get_int("w.count"), 2);
  second->restore(state, "w");
  EXPECT_TRUE(first->sample().batch("p").identical(second->sample().batch("p")));
  EXPECT_HAS(message_of<ConfigError>([&] {
               Fixture c;
               LocalWorkerSet one(c.worker(0), 1, [&](int i) { return c.worker(i); });
               one.restore(state, "w");
             }),
             "holds 2 rollout workers, but TrainOptions::num_workers = 1");
}

// A SignGuesser whose env fails at its first action.
class FailingGuesser : public SignGuesser {
 public:
  using SignGuesser::SignGuesser;
  void decode_action(phantom::Context&, const float*) override {
    throw phantom::EnvError("the guesser broke");
  }
};

TEST(LocalWorkerSet, TheErrorOfTheLowestFailingWorkerIsReportedNamingIt) {
  for (int first_failing : {1, 2}) {
    Fixture f;
    auto make = [&](int index) {
      std::unique_ptr<RolloutWorker> w = f.worker(index);
      if (index < first_failing) return w;
      RolloutWorkerOptions o = w->options();
      phantom::PolicyMap policies;
      policies["p"] =
          std::make_shared<worker_test::ZeroPolicy>(phantom::box(-1, 1, {1}), phantom::discrete(2));
      phantom::PolicyMapping mapping;
      mapping.add("p", phantom::agents_of_type<SignGuesser>());
      return std::make_unique<RolloutWorker>(
          [](const phantom::EnvContext&) {
            auto net = std::make_unique<phantom::Network>();
            net->emplace<FailingGuesser>("a");
            return std::make_unique<phantom::PhantomEnv>(std::move(net), 5);
          },
          policies, mapping, o);
    };
    LocalWorkerSet set(f.worker(0), 2, make, /*threads=*/2);
    const std::string m = message_of<phantom::EnvError>([&] { set.sample(); });
    EXPECT_HAS(m, "rollout worker " + std::to_string(first_failing) + ": ");
    EXPECT_HAS(m, "the guesser broke");
  }
}

// ---- Worker messages ----

MultiAgentBatch odd_batch() {
  MultiAgentBatch m;
  m.env_steps = 9;
  phantom::SampleBatch& p = m.policy_batches["p"];
  p = phantom::SampleBatch::with_standard_columns(2, 1);
  for (int r = 0; r < 3; ++r) {
    const int64_t row = p.append_row();
    p.f32(phantom::standard_column::obs)[2 * row] = r == 1 ? -0.0f : 0.1f * static_cast<float>(r);
    p.f32(phantom::standard_column::obs)[2 * row + 1] = std::numeric_limits<float>::quiet_NaN();
    p.i64(phantom::standard_column::eps_id)[row] = int64_t{1} << 40;
  }
  m.policy_batches["q"] = phantom::SampleBatch::with_standard_columns(1, 3);
  m.non_finite.push_back(
      {"reward", "p", "agent 1", 1, 7, 3, std::numeric_limits<double>::infinity()});
  return m;
}

TEST(WorkerMessages, ABatchRoundTripsBitForBit) {
  const MultiAgentBatch m = odd_batch();
  const std::vector<uint8_t> bytes = phantom::encode_batch(m);
  const MultiAgentBatch back = phantom::decode_batch(bytes.data(), bytes.size(), "worker 1");
  EXPECT_EQ(back.env_steps, 9);
  ASSERT_EQ(back.policy_ids(), m.policy_ids());
  for (const std::string& id : m.policy_ids()) {
    EXPECT_TRUE(back.batch(id).identical(m.batch(id))) << "policy " << id;
  }
  ASSERT_EQ(back.non_finite.size(), 1u);
  EXPECT_EQ(back.non_finite[0].describe(), m.non_finite[0].describe());
  EXPECT_EQ(back.non_finite[0].episode_id, 7);
  // A damaged byte is a FormatError naming the source, never another batch.
  std::vector<uint8_t> damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x10;
  EXPECT_HAS(message_of<phantom::FormatError>(
                 [&] { phantom::decode_batch(damaged.data(), damaged.size(), "worker 1"); }),
             "worker 1");
}

TEST(WorkerMessages, MetricsRoundTripBitForBit) {
  phantom::WorkerMetrics m;
  m.stats.reset(2, 1, 1);
  m.stats.env_steps = 40;
  m.stats.agent_steps = 80;
  m.stats.episodes = 2;
  m.stats.returns[0].add(1.5);
  m.stats.returns[0].add(-0.0);
  m.stats.returns[1].add(std::numeric_limits<double>::quiet_NaN());
  m.stats.metrics[0].add(0.25);
  m.stats.finished_returns[0] = {1.5, -0.0};
  phantom::EpisodeRecord r;
  r.length = 20;
  r.env_index = 1;
  r.total_reward = 1.5;
  r.agent_rewards[{"a", "p"}] = 1.5;
  r.custom_metrics["m"] = std::numeric_limits<double>::quiet_NaN();
  r.hist_data["h"] = {1.0, 2.0};
  m.episodes = {r, phantom::EpisodeRecord{}};
  const std::vector<uint8_t> bytes = phantom::encode_metrics(m);
  const phantom::WorkerMetrics back = phantom::decode_metrics(bytes.data(), bytes.size(), "w");
  EXPECT_EQ(back.stats.env_steps, 40);
  EXPECT_EQ(back.stats.agent_steps, 80);
  EXPECT_EQ(back.stats.episodes, 2);
  ASSERT_EQ(back.stats.returns.size(), 2u);
  ASSERT_EQ(back.stats.metrics.size(), 1u);
  ASSERT_EQ(back.stats.custom_metrics.size(), 1u);
  auto bits = [](double x) {
    uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
  };
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(back.stats.returns[k].count, m.stats.returns[k].count);
    EXPECT_EQ(bits(back.stats.returns[k].sum), bits(m.stats.returns[k].sum)) << k;
    EXPECT_EQ(bits(back.stats.returns[k].min), bits(m.stats.returns[k].min)) << k;
  }
  EXPECT_EQ(back.stats.metrics[0].sum, 0.25);
  EXPECT_EQ(back.stats.custom_metrics[0].count, 0);
  EXPECT_EQ(bits(back.stats.finished_returns[0][1]), bits(-0.0));
  ASSERT_EQ(back.episodes.size(), 2u);
  EXPECT_EQ(back.episodes[0].length, 20);
  EXPECT_EQ(back.episodes[0].env_index, 1);
  EXPECT_EQ(back.episodes[0].agent_rewards, r.agent_rewards);
  EXPECT_TRUE(std::isnan(back.episodes[0].custom_metrics.at("m")));
  EXPECT_EQ(back.episodes[0].hist_data, r.hist_data);
  EXPECT_TRUE(back.episodes[1].agent_rewards.empty());
}

TEST(WorkerMessages, WeightsAndGlobalVarsRoundTrip) {
  Fixture f;
  auto set = f.set(1);
  auto& learner =
      dynamic_cast<worker_test::FixedLogitsPolicy&>(*set->local_worker().get_policy("p"));
  learner.set_logits({1.25f, -0.0f});
  for (bool with_vars : {true, false}) {
    phantom::WeightsMessage m{set->local_worker().get_weights(), std::nullopt};
    if (with_vars) m.vars = phantom::GlobalVars{77};
    const std::vector<uint8_t> bytes = phantom::encode_weights(m);
    const phantom::WeightsMessage back = phantom::decode_weights(bytes.data(), bytes.size(), "w");
    ASSERT_EQ(back.vars.has_value(), with_vars);
    if (with_vars) {
      EXPECT_EQ(back.vars->timestep, 77);
    }
    set->worker(1).set_weights(back.weights, back.vars);
    auto& copy = dynamic_cast<worker_test::FixedLogitsPolicy&>(*set->worker(1).get_policy("p"));
    EXPECT_EQ(copy.logits(), (std::vector<float>{1.25f, -0.0f}));
    EXPECT_EQ(set->worker(1).global_vars().timestep, 77);
  }
}

// The filter protocol through bytes (as between processes) gives the bits of the in-process one.
TEST(WorkerMessages, FilterSyncThroughBytesEqualsTheInProcessSync) {
  Fixture a, b;
  auto in_process = a.set(1), through_bytes = b.set(1);
  in_process->sample();
  through_bytes->sample();
  in_process->sync_filters();

  phantom::FilterSet& learner = through_bytes->local_worker().filters();
  for (int w = 1; w <= 2; ++w) {
    const std::vector<uint8_t> delta =
        phantom::encode_filters(through_bytes->worker(w).filters().snapshot(/*flush_after=*/true));
    learner.apply_changes(
        phantom::decode_filters(delta.data(), delta.size(), "worker " + std::to_string(w), learner),
        /*with_buffer=*/false);
  }
  const std::vector<uint8_t> merged = phantom::encode_filters(learner.snapshot(false));
  for (int w = 1; w <= 2; ++w) {
    phantom::FilterSet& mine = through_bytes->worker(w).filters();
    mine.sync(phantom::decode_filters(merged.data(), merged.size(), "learner", mine));
  }
  for (int w = 0; w <= 2; ++w) {
    RolloutWorker& x = w == 0 ? in_process->local_worker() : in_process->worker(w);
    RolloutWorker& y = w == 0 ? through_bytes->local_worker() : through_bytes->worker(w);
    nn::StateDict sx, sy;
    x.filters().save(sx, "f");
    y.filters().save(sy, "f");
    EXPECT_EQ(nn::encode_state_dict(sx), nn::encode_state_dict(sy)) << "worker " << w;
  }
  // A filter of a policy the receiver lacks is refused, naming the policy.
  phantom::FilterSet other;
  other.add("q", std::make_unique<phantom::NoFilter>(1));
  EXPECT_HAS(message_of<phantom::FormatError>(
                 [&] { phantom::decode_filters(merged.data(), merged.size(), "learner", other); }),
             "policy 'p'");
}

}  // namespace
