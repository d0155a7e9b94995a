// Training over ranks (train_over_ranks, MpiWorkerSet): with rollout workers on the job's ranks,
// PPO and Q-learning on the supply chain (and PPO on agents whose episodes end at different
// steps) train the same weights, metrics CSV rows and checkpoint bytes as the same number of
// in-process workers; a checkpoint saved on R ranks resumes on another number of ranks to the
// bits of an uninterrupted run; an env that throws on a worker rank ends the run on every rank
// with a message naming the rank, the worker, the episode seed and the error, and the
// checkpoints written before stay loadable; a function for foreach_env is refused by name.
//
// Each test runs on every rank of the job (1, 2 or 3). The in-process reference runs on rank 0
// only, while the other ranks wait in train_over_ranks for it to start.
#include "mpi/train_ranks.hpp"

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/test_files.hpp"
#include "discrete_supply_chain.hpp"
#include "jamming_shop.hpp"
#include "mpi/error.hpp"
#include "mpi/worker_placement.hpp"
#include "run_comparison.hpp"
#include "supply_chain.hpp"
#include "support/error_message.hpp"
#include "support/ppo_weights.hpp"
#include "support/uneven_env.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"

namespace {

using mpi_test::expect_same_as_in_process;
using mpi_test::expect_same_run;
using mpi_test::shop_env;
using mpi_test::shop_run;
using mpi_test::shop_weights;
using mpi_test::small_ppo;
using phantom::TrainingResults;
using phantom::TrainOptions;
using phantom::mpi::Communicator;

const std::vector<double>& q_table(const TrainingResults& r) {
  return dynamic_cast<const phantom::QTablePolicy&>(*r.policies.at("shop")).table();
}

// ---- Where the workers live ----

TEST(MpiTrainRanks, WorkersAreDealtRoundRobinOverRanksOneOn) {
  EXPECT_EQ(phantom::mpi::rank_of_worker(3, 1), 0);
  EXPECT_EQ(phantom::mpi::rank_of_worker(1, 3), 1);
  EXPECT_EQ(phantom::mpi::rank_of_worker(2, 3), 2);
  EXPECT_EQ(phantom::mpi::rank_of_worker(3, 3), 1);
  EXPECT_EQ(phantom::mpi::workers_of_rank(1, 5, 3), (std::vector<int>{1, 3, 5}));
  EXPECT_EQ(phantom::mpi::workers_of_rank(0, 5, 3), std::vector<int>{});
  EXPECT_EQ(phantom::mpi::workers_of_rank(0, 2, 1), (std::vector<int>{1, 2}));
  EXPECT_HAS(
      test_support::message_of<phantom::ValueError>([] { phantom::mpi::rank_of_worker(0, 2); }),
      "worker index 0 of 2 ranks");
}

// ---- Bit-identity with in-process workers ----

TEST(MpiTrainRanks, PpoOnTheSupplyChainEqualsInProcessWorkers) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  for (int workers : {2, 3}) {
    expect_same_as_in_process<phantom::PpoTrainer>(
        comm, small_ppo(), shop_env(), shop_run(3, workers, ""),
        tmp.file("w" + std::to_string(workers)), shop_weights,
        std::to_string(workers) + " workers");
  }
}

TEST(MpiTrainRanks, PpoWithSampleAsyncEqualsInProcessWorkers) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  phantom::PpoOptions o = small_ppo();
  o.sample_async = true;  // each worker's fragment in flight is in the checkpoint
  expect_same_as_in_process<phantom::PpoTrainer>(comm, o, shop_env(), shop_run(3, 2, ""),
                                                 tmp.file("async"), shop_weights, "sample_async");
}

TEST(MpiTrainRanks, QLearningOnTheSupplyChainEqualsInProcessWorkers) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  phantom::QLearningOptions q;
  q.alpha = 0.2;
  q.epsilon = 1.0;
  q.epsilon_final = 0.1;
  q.epsilon_decay_iterations = 2;  // epsilon changes every iteration: the schedule travels
  q.episodes_per_iteration = 3;    // rounds of N episodes, then the rest
  auto env = [](const phantom::EnvConfig&) { return supply_chain::make_discrete_env(); };
  for (int workers : {2, 3}) {
    TrainOptions run = shop_run(3, workers, "");
    run.metrics.clear();
    expect_same_as_in_process<phantom::QLearningTrainer>(
        comm, q, env, run, tmp.file("q" + std::to_string(workers)), q_table,
        "Q-learning, " + std::to_string(workers) + " workers");
  }
}

TEST(MpiTrainRanks, AgentsWithDifferentEpisodeLengthsEqualInProcessWorkers) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  // A leaves after 3 steps by termination, B after 7 by truncation.
  auto make = [](const phantom::EnvConfig&) {
    return uneven::make_env({{"A", 3}, {"B", 7, true}}, std::make_shared<uneven::DecodeLog>(), 10);
  };
  TrainOptions run;
  run.iterations = 3;
  run.seed = 5;
  run.show_progress = false;
  run.policies.add("p", phantom::agents_of_type<uneven::Mortal>());
  run.policies_to_train = {"p"};
  run.num_workers = 3;
  phantom::PpoOptions o = small_ppo();
  o.steps_per_env = 12;
  o.reward_scale = 1.0f;
  expect_same_as_in_process<phantom::PpoTrainer>(
      comm, o, make, run, tmp.file("uneven"),
      [](const TrainingResults& r) { return test_support::ppo_weights(r, "p"); },
      "uneven episodes");
}

// ---- Resuming on another number of ranks ----

// Saved on every rank of the job, resumed on one rank fewer (on one rank with a job of one):
// the same bits as an uninterrupted run in process.
TEST(MpiTrainRanks, ACheckpointSavedOnRRanksResumesOnAnotherNumberOfRanks) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  TrainingResults whole;
  if (comm.rank() == 0) {
    whole = phantom::PpoTrainer(small_ppo()).train(shop_env(), {}, shop_run(4, 2, tmp.file("a")));
  }
  TrainOptions part = shop_run(4, 2, tmp.file("b"));
  part.checkpoint_every = 2;
  phantom::PpoTrainer first(small_ppo());
  std::optional<TrainingResults> saved =
      phantom::mpi::train_over_ranks(comm, first, shop_env(), {}, part);
  // As if the job had died after iteration 2: its newest checkpoint is that one.
  std::string run_dir;
  if (comm.rank() == 0) {
    run_dir = saved->run_dir;
    std::filesystem::remove(run_dir + "/checkpoint-000004.bin");
  }
  const int fewer = comm.size() > 1 ? comm.size() - 1 : 1;
  MPI_Comm split = MPI_COMM_NULL;
  MPI_Comm_split(comm.native(), comm.rank() < fewer ? 0 : MPI_UNDEFINED, comm.rank(), &split);
  if (split != MPI_COMM_NULL) {
    {
      Communicator smaller(split);
      phantom::PpoTrainer second(small_ppo());
      std::optional<TrainingResults> resumed = phantom::mpi::resume_over_ranks(
          smaller, second, run_dir, shop_env(), {}, shop_run(4, 2, ""));
      expect_same_run(smaller, whole, resumed, 4, shop_weights,
                      "saved on " + std::to_string(comm.size()) + " ranks, resumed on " +
                          std::to_string(fewer));
    }
    MPI_Comm_free(&split);
  }
  comm.barrier();
}

// ---- Failures ----

TEST(MpiTrainRanks, AnEnvThatThrowsOnAWorkerRankEndsTheRunOnEveryRank) {
  Communicator comm;
  analysis_test::ScratchDir tmp;
  // The last rank's envs fail at their 210th step: in its workers' iteration 2 or 3.
  const int failing_rank = comm.size() - 1;
  const phantom::EnvFactory make = mpi_test::jamming_env(comm.rank() == failing_rank ? 210 : 0);
  TrainOptions run = shop_run(5, 2, tmp.file("r"));
  run.checkpoint_every = 1;
  phantom::PpoTrainer trainer(small_ppo());
  const std::string m = test_support::message_of<phantom::Error>(
      [&] { phantom::mpi::train_over_ranks(comm, trainer, make, {}, run); });
  EXPECT_HAS(m, "the shop's till jammed");
  if (comm.size() > 1) {
    EXPECT_HAS(m, "on rank " + std::to_string(failing_rank) + ": ");
    EXPECT_HAS(m, "rollout worker " + std::to_string(failing_rank == 1 ? 1 : 2));
    EXPECT_HAS(m, "(sub-env ");
    EXPECT_HAS(m, ", episode seed ");
  }
  if (comm.rank() != 0) return;
  // The checkpoints of the iterations before the failure are whole: the newest loads.
  const std::string latest = tmp.file("r") + "/experiment/LATEST";
  TrainingResults loaded =
      phantom::PpoTrainer(small_ppo()).load(latest, shop_env(), {}, shop_run(5, 2, ""));
  EXPECT_GE(loaded.iterations, 1);
  EXPECT_LE(loaded.iterations, 2);
}

TEST(MpiTrainRanks, AFunctionForEveryEnvCannotReachWorkersOnOtherRanks) {
  Communicator comm;
  struct Curriculum : phantom::Callbacks {
    void on_algorithm_init(phantom::Trainer& trainer) override {
      trainer.foreach_env([](phantom::PhantomEnv&) {});
    }
  };
  TrainOptions run = shop_run(1, 2, "");
  run.callbacks = std::make_shared<Curriculum>();
  phantom::PpoTrainer trainer(small_ppo());
  if (comm.size() == 1) {  // in process, it reaches every worker
    EXPECT_NO_THROW(phantom::mpi::train_over_ranks(comm, trainer, shop_env(), {}, run));
    return;
  }
  const std::string m = test_support::message_of<phantom::Error>(
      [&] { phantom::mpi::train_over_ranks(comm, trainer, shop_env(), {}, run); });
  EXPECT_HAS(m,
             "foreach_worker (or foreach_env, Trainer::foreach_env) cannot run a function on "
             "rollout workers 1..2");
}

}  // namespace
