// EvaluationWorkers: where the evaluation workers of one evaluation sample, apart from how many
// times they sample (the rounds, trainers/evaluation.hpp) and what a failure does.
//
// The Evaluator drives an evaluation through this interface: begin() with the policies and
// filters the workers start from, then rounds of sample() over a set of workers known before the
// round starts, and rebuild() after a failure it chose to ignore. Each sample is what one
// RolloutWorker::sample() call of that worker gave: its env steps and the statistics of the
// episodes it finished (collect_stats() right after the call), or where its env failed. The
// Evaluator merges them in worker order, whatever order they were sampled in, so a backend whose
// workers sample elsewhere (in other processes) gives the bits of one whose workers sample here.
//
// Two backends: LocalEvaluationWorkers (trainers/local_evaluation_workers.hpp), the workers in
// this process; and, over MPI, workers on the other ranks of a job (mpi/).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trainers/iteration_stats.hpp"
#include "trainers/sampling/filter_set.hpp"
#include "trainers/sampling/rollout_worker.hpp"

namespace phantom {

class EvaluationWorkerBuilder;

/// Where an evaluation worker's env threw (RolloutWorker::env_failure) and what it threw.
struct EvaluationEnvFailure {
  int sub_env = 0;
  uint64_t episode_seed = 0;
  int64_t step = 0;  // 1-based; 0: the reset
  /// The exception's text.
  std::string error;
  /// The rank the worker lives on, when it lives in another process of an MPI job.
  std::optional<int> rank;
};

/// What one sample() call of one evaluation worker gave: its env steps and statistics, or the
/// failure of one of its envs, or another error (not the env's: rethrown as it is).
struct EvaluationSample {
  int64_t env_steps = 0;
  /// The statistics of the episodes the call finished, sized as begin()'s shape.
  IterationStats stats;
  std::optional<EvaluationEnvFailure> env_failure;
  std::exception_ptr error;
};

/// Samples `worker` once as an evaluation worker does: sample(), then collect_stats() into a
/// fresh IterationStats sized as `shape`. An exception is caught: an env's (the worker knows
/// where it failed) becomes env_failure, any other becomes error.
EvaluationSample sample_evaluation_worker(RolloutWorker& worker, const IterationStats& shape);

/// The evaluation workers of a run (see the top of this file). Indices are 0-based here (worker
/// i has RolloutWorkerOptions::worker_index i + 1).
class EvaluationWorkers {
 public:
  virtual ~EvaluationWorkers() = default;

  /// How many workers an evaluation has (EvaluationWorkerBuilder::num_workers).
  virtual int num_workers() const = 0;
  /// Whether begin(), sample() and rebuild() may run on another thread than the trainer's
  /// (evaluation parallel to training). False for workers reached through MPI, whose calls
  /// only the main thread makes.
  virtual bool runs_on_any_thread() const = 0;
  /// Starts the evaluation after iteration `iteration` (0-based): every worker built afresh,
  /// acting with clones of `policies` (the evaluated ones, by id) and starting from copies of
  /// `filters`; `shape` sizes the statistics. Both must outlive the evaluation.
  virtual void begin(int iteration, const PolicyMap& policies, const FilterSnapshot& filters,
                     const IterationStats& shape) = 0;
  /// One round: one sample() call of each worker of `workers` (ascending); `out` receives one
  /// sample per worker, in that order.
  virtual void sample(const std::vector<int>& workers, std::vector<EvaluationSample>& out) = 0;
  /// Builds worker `worker` afresh after a failure, seeded for `restarts` rebuilds so far.
  virtual void rebuild(int worker, int restarts) = 0;
  /// Worker `worker` when it lives in this process (a custom evaluation hands it out); null
  /// when it lives elsewhere.
  virtual RolloutWorker* local_worker(int worker) { return (void)worker, nullptr; }
};

/// Builds the evaluation workers of a run from the builder of one evaluation worker (valid as
/// long as the returned object). TrainOptions::evaluation_workers; null: in process.
using EvaluationWorkersFactory =
    std::function<std::unique_ptr<EvaluationWorkers>(const EvaluationWorkerBuilder& builder)>;

}  // namespace phantom
