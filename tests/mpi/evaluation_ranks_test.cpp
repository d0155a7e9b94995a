// Evaluation workers on ranks: with EvaluationOptions::num_workers > 0, train_over_ranks puts
// the evaluation workers on the worker ranks, and the runs equal in-process runs bit for bit
// (weights, every metrics CSV column including the evaluation/ ones, checkpoints): PPO on the
// supply chain with units episodes and timesteps, Q-learning, parallel_to_training, and ignored
// env failures on agents with different episode lengths. An env failure that is not ignored
// names the evaluation worker and its rank and ends the run on every rank; a custom evaluation
// cannot reach workers on other ranks and is refused up front.
//
// Each test runs on every rank of the job (1, 2 or 3). The in-process reference runs on rank 0
// only, while the other ranks wait in train_over_ranks for it to start.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"
#include "discrete_supply_chain.hpp"
#include "mpi/train_ranks.hpp"
#include "mpi/worker_placement.hpp"
#include "run_comparison.hpp"
#include "support/error_message.hpp"
#include "support/ppo_weights.hpp"
#include "support/uneven_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"

namespace {

using mpi_test::expect_same_as_in_process;
using mpi_test::shop_env;
using mpi_test::shop_run;
using mpi_test::shop_weights;
using mpi_test::small_ppo;
using phantom::TrainingResults;
using phantom::TrainOptions;
using phantom::mpi::Communicator;

// Evaluation after iterations 2 and 4 with `workers` workers of two sub-envs each.
TrainOptions evaluated_shop_run(int workers, phantom::EvaluationUnit unit) {
  TrainOptions t = shop_run(4, 2, "");
  t.evaluation.interval = 2;
  t.evaluation.num_workers = workers;
  t.evaluation.num_envs = 2;
  t.evaluation.unit = unit;
  // Episodes: 5, so that a second round asks only the first worker; timesteps: 250, sampled
  // in calls of 2 sub-envs x ceil(250 / workers) steps.
  t.evaluation.duration = unit == phantom::EvaluationUnit::episodes ? 5 : 250;
  return t;
}

// ---- Bit-identity with in-process evaluation workers ----

TEST(MpiEvaluationRanks, PpoOnTheSupplyChainEqualsInProcessEvaluation) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  for (int workers : {2, 3}) {
    for (phantom::EvaluationUnit unit :
         {phantom::EvaluationUnit::episodes, phantom::EvaluationUnit::timesteps}) {
      const std::string what =
          std::to_string(workers) + " evaluation workers, unit " +
          (unit == phantom::EvaluationUnit::episodes ? "episodes" : "timesteps");
      expect_same_as_in_process<phantom::PpoTrainer>(
          comm, small_ppo(), shop_env(), evaluated_shop_run(workers, unit),
          tmp.file(std::to_string(workers) +
                   (unit == phantom::EvaluationUnit::episodes ? "e" : "t")),
          shop_weights, what);
    }
  }
}

TEST(MpiEvaluationRanks, QLearningEqualsInProcessEvaluation) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  phantom::QLearningOptions q;
  q.alpha = 0.2;
  q.epsilon_decay_iterations = 2;
  q.episodes_per_iteration = 2;
  TrainOptions run = shop_run(2, 2, "");
  run.metrics.clear();
  run.evaluation.interval = 1;
  run.evaluation.num_workers = 2;
  run.evaluation.duration = 3;
  run.evaluation.explore = true;  // epsilon-greedy: the trainer's epsilon travels
  auto env = [](const phantom::EnvConfig&) { return supply_chain::make_discrete_env(); };
  expect_same_as_in_process<phantom::QLearningTrainer>(
      comm, q, env, run, tmp.file("q"),
      [](const TrainingResults& r) {
        return dynamic_cast<const phantom::QTablePolicy&>(*r.policies.at("shop")).table();
      },
      "Q-learning");
}

// Parallel to training, the evaluation acts with the weights and filters from before the step
// ("one behind"); over ranks it runs after the step with those, to the same bits.
TEST(MpiEvaluationRanks, ParallelToTrainingEqualsInProcessParallelEvaluation) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  TrainOptions run = evaluated_shop_run(2, phantom::EvaluationUnit::episodes);
  run.evaluation.interval = 1;
  run.evaluation.parallel_to_training = true;
  expect_same_as_in_process<phantom::PpoTrainer>(comm, small_ppo(), shop_env(), run, tmp.file("p"),
                                                 shop_weights, "parallel");
}

// ---- Env failures on evaluation workers ----

// Agents with different episode lengths (A leaves after 3 steps by termination, B after 7 by
// truncation) in an env that, with config "fail_every" = k > 0 (the evaluation env), throws at
// step 2 of every episode whose seed is a multiple of k.
class FailingMortalsEnv : public phantom::PhantomEnv {
 public:
  FailingMortalsEnv(std::unique_ptr<phantom::Network> net, uint64_t every)
      : PhantomEnv(std::move(net), 10), every_(every) {}
  const phantom::StepResult& reset(std::optional<uint64_t> seed) override {
    seed_ = seed.value_or(0);
    return PhantomEnv::reset(seed);
  }
  const phantom::StepResult& step(const phantom::Actions& actions) override {
    if (every_ > 0 && seed_ % every_ == 0 && current_step() == 1) {
      throw phantom::ValueError("the mortals' env broke in episode " + std::to_string(seed_));
    }
    return PhantomEnv::step(actions);
  }

 private:
  uint64_t every_;
  uint64_t seed_ = 0;
};

std::unique_ptr<phantom::PhantomEnv> make_mortals(const phantom::EnvConfig& config) {
  auto net = std::make_unique<phantom::Network>();
  auto log = std::make_shared<uneven::DecodeLog>();
  net->emplace<uneven::Mortal>(uneven::Life{"A", 3}, log);
  net->emplace<uneven::Mortal>(uneven::Life{"B", 7, true}, log);
  const int64_t every = config.has("fail_every") ? config.integer("fail_every") : 0;
  return std::make_unique<FailingMortalsEnv>(std::move(net), static_cast<uint64_t>(every));
}

TrainOptions failing_mortals_run(bool ignore) {
  TrainOptions t;
  t.iterations = 2;
  t.seed = 5;
  t.show_progress = false;
  t.num_workers = 2;
  t.policies.add("p", phantom::agents_of_type<uneven::Mortal>());
  t.policies_to_train = {"p"};
  t.evaluation.interval = 1;
  t.evaluation.num_workers = 3;
  t.evaluation.num_envs = 2;
  t.evaluation.duration = 12;
  t.evaluation.ignore_worker_failures = ignore;
  phantom::EnvConfig failing;
  failing.set("fail_every", 3.0f);  // a third of the evaluation episodes
  t.evaluation.env_config = failing;
  return t;
}

phantom::PpoOptions mortals_ppo() {
  phantom::PpoOptions o = small_ppo();
  o.steps_per_env = 12;
  o.reward_scale = 1.0f;
  return o;
}

std::vector<float> mortals_weights(const TrainingResults& r) {
  return test_support::ppo_weights(r, "p");
}

// Failed episodes are dropped and counted, and each failed worker is rebuilt with the seed of
// the restarts so far (counted in worker order): the same rows as in process.
TEST(MpiEvaluationRanks, IgnoredFailuresEqualInProcessEvaluation) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  const TrainingResults local = expect_same_as_in_process<phantom::PpoTrainer>(
      comm, mortals_ppo(), make_mortals, failing_mortals_run(true), tmp.file("i"), mortals_weights,
      "ignored failures");
  if (comm.rank() != 0) return;
  // The runs compared did drop episodes (else this test would show nothing of failures).
  const phantom::CsvTable t = phantom::read_csv(local.run_dir + "/metrics.csv");
  double failed = 0;
  for (double f : t.numbers("evaluation/failed_episodes")) failed += f;
  EXPECT_GE(failed, 2.0);
}

// Not ignored, the first failure in worker order ends the run: rank 0 raises the EnvError the
// in-process run raises, with the worker's rank added, and every other rank leaves too.
TEST(MpiEvaluationRanks, AFailureNamesTheEvaluationWorkerAndItsRankAndEndsEveryRank) {
  Communicator comm;
  std::string in_process;
  if (comm.rank() == 0) {
    phantom::PpoTrainer trainer(mortals_ppo());
    in_process = test_support::message_of<phantom::EnvError>(
        [&] { trainer.train(make_mortals, {}, failing_mortals_run(false)); });
  }
  phantom::PpoTrainer trainer(mortals_ppo());
  const std::string m = test_support::message_of<phantom::Error>([&] {
    phantom::mpi::train_over_ranks(comm, trainer, make_mortals, {}, failing_mortals_run(false));
  });
  EXPECT_HAS(m, "evaluation after iteration 1: evaluation worker ");
  EXPECT_HAS(m, "the mortals' env broke in episode ");
  if (comm.rank() != 0) return;
  if (comm.size() == 1) {
    EXPECT_EQ(m, in_process);
    return;
  }
  // "... evaluation worker <i>, sub-env ..." in process; "... evaluation worker <i> on rank
  // <r>, sub-env ..." over ranks, r the rank worker i lives on.
  const std::string prefix = "evaluation after iteration 1: evaluation worker ";
  ASSERT_EQ(in_process.compare(0, prefix.size(), prefix), 0) << in_process;
  const std::size_t comma = in_process.find(',', prefix.size());
  const int worker = std::stoi(in_process.substr(prefix.size(), comma - prefix.size()));
  const std::string expected = in_process.substr(0, comma) + " on rank " +
                               std::to_string(phantom::mpi::rank_of_worker(worker, comm.size())) +
                               in_process.substr(comma);
  EXPECT_EQ(m, expected);
}

// ---- What cannot travel ----

TEST(MpiEvaluationRanks, ACustomEvaluationCannotReachEvaluationWorkersOnOtherRanks) {
  Communicator comm;
  TrainOptions run = shop_run(1, 1, "");
  run.evaluation.interval = 1;
  run.evaluation.num_workers = 2;
  run.evaluation.custom = [](phantom::EvaluationContext& context) { context.sample(1); };
  phantom::PpoTrainer trainer(small_ppo());
  if (comm.size() == 1) {  // in process, it reaches every worker
    EXPECT_NO_THROW(phantom::mpi::train_over_ranks(comm, trainer, shop_env(), {}, run));
    return;
  }
  const std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { phantom::mpi::train_over_ranks(comm, trainer, shop_env(), {}, run); });
  EXPECT_HAS(m,
             "EvaluationOptions::custom is set, but its evaluation workers (2, "
             "EvaluationOptions::num_workers) live on ranks 1..");
  EXPECT_HAS(m, "set EvaluationOptions::num_workers = 0");
  // With num_workers = 0 its one worker stays on rank 0, in process.
  run.evaluation.num_workers = 0;
  run.evaluation.custom = [](phantom::EvaluationContext& context) { context.sample(0); };
  phantom::PpoTrainer again(small_ppo());
  EXPECT_NO_THROW(phantom::mpi::train_over_ranks(comm, again, shop_env(), {}, run));
}

}  // namespace
