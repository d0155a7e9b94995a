// run_over_ranks on the job's ranks: the CSV files equal a single process's byte for byte, the
// sink sees every rollout once in id order for any sharing, and a failing rollout, on any rank,
// ends the run on every rank with a RankFailure naming the rank, the rollout and its seed (and
// the next test starts on a clean communicator: nothing was left waiting).
#include "mpi/rollout_ranks.hpp"

#include <gtest/gtest.h>

#include "analysis/rollout_csv.hpp"
#include "analysis/test_files.hpp"
#include "mpi/error.hpp"
#include "support/error_message.hpp"
#include "sweep.hpp"

namespace {

using phantom::Rollout;
using phantom::mpi::Communicator;
using phantom::mpi::RankOptions;

RankOptions sharing(int per_message, int window) {
  RankOptions o;
  o.rollouts_per_message = per_message;
  o.window = window;
  return o;
}

// The CSV files of one process (RolloutRunner::run) and of the ranks (rank 0 writes), compared
// for several ways of sharing the sweep and threads per rank.
TEST(MpiRolloutRanks, CsvFilesAreByteIdenticalToOneProcess) {
  Communicator comm;
  analysis_test::ScratchDir dir;
  auto csv_of = [&](const std::string& name, const std::function<void(phantom::RolloutSink)>& run) {
    std::optional<phantom::RolloutCsvWriter> steps;
    std::optional<phantom::RolloutMetricsCsvWriter> metrics;
    if (comm.rank() == 0) {
      steps.emplace(dir.file(name + ".csv"));
      metrics.emplace(dir.file(name + "-metrics.csv"));
    }
    run([&](const Rollout& r) {
      steps->write(r);
      metrics->write(r);
    });
    if (comm.rank() != 0) return std::string();
    steps->close();
    metrics->close();
    return analysis_test::read_all(dir.file(name + ".csv")) +
           analysis_test::read_all(dir.file(name + "-metrics.csv"));
  };
  std::string reference = csv_of("single", [&](const phantom::RolloutSink& sink) {
    if (comm.rank() == 0) mpi_test::supply_chain_runner(13, 1, 1).run(sink);
  });
  struct Case {
    int workers, batch, per_message, window;
  };
  for (Case c : {Case{1, 1, 1, 1}, Case{1, 2, 3, 2}, Case{2, 3, 4, 1}, Case{1, 1, 32, 4}}) {
    phantom::RolloutRunner runner = mpi_test::supply_chain_runner(13, c.workers, c.batch);
    std::string got = csv_of("ranks", [&](const phantom::RolloutSink& sink) {
      phantom::mpi::run_over_ranks(comm, runner, sink, sharing(c.per_message, c.window));
    });
    if (comm.rank() == 0) {
      EXPECT_GT(reference.size(), 13u * 100u * 20u);
      EXPECT_TRUE(got == reference) << comm.size() << " ranks, " << c.workers << " workers, batch "
                                    << c.batch << ", " << c.per_message << " per message, window "
                                    << c.window << ": the CSV files differ from one process's";
    }
  }
}

// Without recorded steps (only each rollout's metrics travel), the metrics CSV is the same too.
TEST(MpiRolloutRanks, MetricsOnlySweepsGiveTheSameMetricsCsv) {
  Communicator comm;
  analysis_test::ScratchDir dir;
  auto metrics_csv = [&](const std::string& name, bool over_ranks) {
    phantom::RolloutRunner runner = mpi_test::supply_chain_runner(9, 1, 2, /*record_steps=*/false);
    std::optional<phantom::RolloutMetricsCsvWriter> csv;
    if (comm.rank() == 0) csv.emplace(dir.file(name));
    auto sink = [&](const Rollout& r) {
      EXPECT_TRUE(r.empty());
      csv->write(r);
    };
    if (over_ranks) {
      phantom::mpi::run_over_ranks(comm, runner, sink, sharing(2, 2));
    } else if (comm.rank() == 0) {
      runner.run(sink);
    }
    if (comm.rank() != 0) return std::string();
    csv->close();
    return analysis_test::read_all(dir.file(name));
  };
  const std::string one = metrics_csv("one.csv", false);
  const std::string ranks = metrics_csv("ranks.csv", true);
  if (comm.rank() == 0) {
    EXPECT_GT(one.size(), 9u * 20u);
    EXPECT_EQ(ranks, one) << comm.size() << " ranks";
  }
}

// Every rollout once, in id order, with the env config of its grid point.
TEST(MpiRolloutRanks, RankZeroStreamsEveryRolloutInIdOrder) {
  Communicator comm;
  phantom::RolloutRunner runner = mpi_test::dealer_runner(23, -1);
  for (int per : {1, 2, 5, 23, 40}) {
    int64_t next = 0;
    phantom::mpi::run_over_ranks(
        comm, runner,
        [&](const Rollout& r) {
          EXPECT_EQ(r.rollout_id, next) << per << " per message";
          EXPECT_EQ(r.env_config.number("a"), static_cast<float>(r.rollout_id));
          EXPECT_EQ(r.seed, runner.episode_seed(static_cast<std::size_t>(r.rollout_id), 0));
          ++next;
        },
        sharing(per, 2));
    EXPECT_EQ(next, comm.rank() == 0 ? 23 : 0) << per << " per message, rank " << comm.rank();
  }
}

// The rollout that fails sits in a message of the last rank (rank 2 of 3); every rank ends with
// the same RankFailure.
TEST(MpiRolloutRanks, AFailureOnOneRankEndsTheRunOnEveryRank) {
  Communicator comm;
  const int per = 2;
  const int failing_rank = comm.size() - 1;
  // Message 2 * size + failing_rank holds rollouts from (2 * size + failing_rank) * per: the
  // second of them fails.
  const int first_of_message = (2 * comm.size() + failing_rank) * per;
  const int fail_at = first_of_message + 1;
  phantom::RolloutRunner runner = mpi_test::dealer_runner(40, fail_at);
  const uint64_t seed = runner.episode_seed(static_cast<std::size_t>(fail_at), 0);
  int64_t received = 0;
  try {
    phantom::mpi::run_over_ranks(
        comm, runner, [&](const Rollout&) { ++received; }, sharing(per, 2));
    ADD_FAILURE() << "rank " << comm.rank() << ": no RankFailure";
  } catch (const phantom::mpi::RankFailure& e) {
    EXPECT_EQ(e.rank(), failing_rank);
    EXPECT_HAS(e.what(), "rank " + std::to_string(failing_rank) + " failed: rollout " +
                             std::to_string(fail_at) + " (seed " + std::to_string(seed) + ")");
    EXPECT_HAS(e.what(), "the dealer has no price for a = " + std::to_string(float(fail_at)));
  }
  // Rank 0's sink had the rollouts before the failing message, and perhaps those of it before
  // the failing rollout (when rank 0 ran it itself, with one rank); never the failing one.
  if (comm.rank() == 0) {
    EXPECT_GE(received, first_of_message);
    EXPECT_LE(received, fail_at);
  } else {
    EXPECT_EQ(received, 0);
  }
  // The run is over on every rank and nothing is left under way: the same runner runs again.
  phantom::RolloutRunner fine = mpi_test::dealer_runner(7, -1);
  int64_t again = 0;
  phantom::mpi::run_over_ranks(
      comm, fine, [&](const Rollout&) { ++again; }, sharing(1, 1));
  EXPECT_EQ(again, comm.rank() == 0 ? 7 : 0);
}

// Rank 0's own rollout fails (run ahead or not), or its sink throws: the workers stop too.
TEST(MpiRolloutRanks, AFailureOnRankZeroStopsTheWorkers) {
  Communicator comm;
  phantom::RolloutRunner runner = mpi_test::dealer_runner(30, 3 * comm.size());  // rank 0's
  std::string m = test_support::message_of<phantom::mpi::RankFailure>([&] {
    phantom::mpi::run_over_ranks(
        comm, runner, [](const Rollout&) {}, sharing(1, 3));
  });
  EXPECT_HAS(m, "rank 0 failed: rollout " + std::to_string(3 * comm.size()));

  phantom::RolloutRunner fine = mpi_test::dealer_runner(12, -1);
  int64_t seen = 0;
  auto sink = [&](const Rollout&) {
    if (++seen == 5) throw phantom::ConfigError("the disk is full");
  };
  if (comm.rank() == 0) {
    m = test_support::message_of<phantom::ConfigError>(
        [&] { phantom::mpi::run_over_ranks(comm, fine, sink, sharing(1, 1)); });
    EXPECT_EQ(m, "the disk is full");
  } else {
    m = test_support::message_of<phantom::mpi::RankFailure>(
        [&] { phantom::mpi::run_over_ranks(comm, fine, sink, sharing(1, 1)); });
    EXPECT_HAS(m, "rank 0 failed: the disk is full");
  }
}

TEST(MpiRolloutRanks, OptionsBelowOneAreRefused) {
  Communicator comm;
  phantom::RolloutRunner runner = mpi_test::dealer_runner(3, -1);
  std::string m = test_support::message_of<phantom::ConfigError>([&] {
    phantom::mpi::run_over_ranks(
        comm, runner, [](const Rollout&) {}, sharing(0, 1));
  });
  EXPECT_HAS(m, "rollouts_per_message = 0");
}

}  // namespace
