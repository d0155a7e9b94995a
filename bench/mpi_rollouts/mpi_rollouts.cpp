// mpi_rollouts: the supply chain's rollout sweep over the ranks of an MPI job, timed; the
// throughput of run_over_ranks, and the program docs/DISTRIBUTED.md runs under mpirun and Slurm.
//
//   mpirun -np 2 ./build/bench/mpi_rollouts/mpi_rollouts --episodes 4096 --runs 3
//
// Every rank builds the same runner (the shop ordering a random amount each step, 100-step
// episodes, every step recorded unless --metrics-only 1, the shop's mean stock as a metric);
// rank 0 takes the rollouts in order and counts their steps, or writes them as CSV files
// (--csv DIR: DIR/rollouts.csv and DIR/rollout_metrics.csv, byte-identical for any number of
// ranks). It prints one line per run
// and the best: wall seconds (from a barrier before the run to the end of rank 0's sink) and
// episodes per second. --fail-at ID makes the env factory throw at rollout ID, to see how a
// failure ends the job: every rank then exits with code 1, rank 0 after printing the error.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "analysis/rollout_csv.hpp"
#include "analysis/rollout_runner.hpp"
#include "command_line.hpp"
#include "fixed_policies.hpp"
#include "mpi/communicator.hpp"
#include "mpi/error.hpp"
#include "mpi/rollout_ranks.hpp"
#include "mpi/session.hpp"
#include "phantom/range.hpp"
#include "supply_chain.hpp"

namespace {

struct Settings {
  int64_t episodes = 2048;
  int per_message = 32, window = 4, workers = 1, batch = 1, runs = 1;
  int64_t fail_at = -1;
  bool metrics_only = false;
  std::string csv;
};

int run(const phantom::mpi::Communicator& comm, const Settings& s) {
  phantom::RolloutPolicies policies;
  policies.mapping.add("shop", phantom::agent_ids({"SHOP"}));
  policies.policies["shop"] = std::make_shared<supply_chain::RandomOrder>(
      phantom::box(0, 1, {3}), phantom::box(0, 100, {1}), 10.0f);
  phantom::RolloutOptions o;
  o.workers = s.workers;
  o.batch_size = s.batch;
  o.seed = 7;
  o.show_progress = false;
  o.record_steps = !s.metrics_only;
  o.metrics.emplace_back("stock", phantom::agent_metric<supply_chain::ShopAgent>(
                                      "SHOP", &supply_chain::ShopAgent::stock,
                                      phantom::Reduce::mean, phantom::Reduce::mean));
  phantom::EnvConfig config;
  phantom::EnvFactory make_env = [](const phantom::EnvConfig&) { return supply_chain::make_env(); };
  if (s.fail_at >= 0) {
    // One grid point per episode, so that the factory sees which episode it builds for.
    config.set("episode", phantom::linspace_range(0, static_cast<float>(s.episodes - 1),
                                                  static_cast<int>(s.episodes), "episode"));
    const float fail_at = static_cast<float>(s.fail_at);
    make_env = [fail_at](const phantom::EnvConfig& c) {
      if (c.number("episode") == fail_at) {
        throw phantom::ValueError("mpi_rollouts: --fail-at " +
                                  std::to_string(static_cast<int64_t>(fail_at)));
      }
      return supply_chain::make_env();
    };
  } else {
    o.num_repeats = static_cast<int>(s.episodes);
  }
  phantom::RolloutRunner runner(make_env, config, policies, o);
  phantom::mpi::RankOptions ranks;
  ranks.rollouts_per_message = s.per_message;
  ranks.window = s.window;

  double best = 0.0;
  for (int r = 0; r < s.runs; ++r) {
    std::optional<phantom::RolloutCsvWriter> steps;
    std::optional<phantom::RolloutMetricsCsvWriter> metrics;
    if (comm.rank() == 0 && !s.csv.empty()) {
      steps.emplace(s.csv + "/rollouts.csv");
      metrics.emplace(s.csv + "/rollout_metrics.csv");
    }
    int64_t recorded = 0;
    comm.barrier();
    const auto start = std::chrono::steady_clock::now();
    phantom::mpi::run_over_ranks(
        comm, runner,
        [&](const phantom::Rollout& rollout) {
          recorded += static_cast<int64_t>(rollout.size());
          if (steps) steps->write(rollout);
          if (metrics) metrics->write(rollout);
        },
        ranks);
    if (steps) steps->close();
    if (metrics) metrics->close();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = static_cast<double>(s.episodes) / seconds;
    best = std::max(best, rate);
    if (comm.rank() == 0) {
      std::printf(
          "run %d: ranks=%d workers=%d episodes=%lld steps=%lld seconds=%.3f "
          "episodes/s=%.0f\n",
          r + 1, comm.size(), s.workers, static_cast<long long>(s.episodes),
          static_cast<long long>(recorded), seconds, rate);
    }
  }
  if (comm.rank() == 0) std::printf("best: %.0f episodes/s\n", best);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  phantom::mpi::Session session(&argc, &argv);
  Settings s;
  examples::CommandLine cli("mpi_rollouts",
                            "Runs the supply chain's rollout sweep over the MPI job's ranks.");
  cli.integer("--episodes", "N", &s.episodes, 1, "episodes in the sweep")
      .integer("--per-message", "K", &s.per_message, 1, "rollouts a rank sends as one message")
      .integer("--window", "W", &s.window, 1, "messages a rank may have under way")
      .integer("--workers", "T", &s.workers, 1, "worker threads per rank")
      .integer("--batch", "B", &s.batch, 1, "envs a worker steps together")
      .integer("--runs", "R", &s.runs, 1, "times the sweep is run (the best is reported)")
      .integer("--fail-at", "ID", &s.fail_at, -1, "rollout whose env fails (-1: none)")
      .boolean("--metrics-only", &s.metrics_only,
               "1: record only each episode's metrics, not its steps (small messages)")
      .text("--csv", "DIR", &s.csv, "rank 0 writes DIR/rollouts.csv and rollout_metrics.csv");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  phantom::mpi::Communicator comm;
  try {
    return run(comm, s);
  } catch (const phantom::mpi::RankFailure& e) {
    // Every rank threw this, and no rank waits for another: each may leave normally.
    if (comm.rank() == 0) std::fprintf(stderr, "mpi_rollouts: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    // An error on this rank alone (the others may be waiting for it): end the whole job.
    std::fprintf(stderr, "mpi_rollouts: rank %d: %s\n", comm.rank(), e.what());
    comm.abort(1);
  }
}
