// MpiEvaluationWorkers: rank 0's evaluation workers when they live on the other ranks of an MPI
// job (trainers/evaluation_workers.hpp says what evaluation workers do; mpi/evaluation_server.hpp
// is the worker ranks' side).
//
// Evaluation worker i (1-based) lives on rank 1 + (i - 1) % (R - 1), as rollout worker i does
// (mpi/worker_placement.hpp). Each call is a message to the ranks that hold the workers
// concerned (mpi/worker_protocol.hpp):
//   begin    the iteration, the evaluated policies' weights (TrainablePolicy::get_weights of the
//            policies given: the trainer's in sequential mode, the snapshots from before the
//            training step in parallel mode), the training worker's filters, the trainer's
//            sampling state (Trainer::save_sampling_state) and the statistics' shape; each rank
//            loads the weights into its own copy of the trainer's policies and builds its
//            evaluation workers from them, as rank 0 would (EvaluationWorkerBuilder);
//   sample   the round's workers; rank 0 reads each one's steps and statistics, or its env's
//            failure (naming the rank), from its rank's answer, in worker order;
//   rebuild  the worker and the restarts so far, to its rank.
// Only rank 0's main thread calls MPI (it is initialised MPI_THREAD_FUNNELED), so these workers
// do not run on another thread: evaluation parallel to training runs after the training step
// (Evaluator::start), still with the weights and filters from before it.
#pragma once

#include <vector>

#include "mpi/request_channel.hpp"
#include "trainers/evaluation_workers.hpp"
#include "trainers/trainer.hpp"

namespace phantom::mpi {

/// Evaluation workers on ranks 1..R-1 (see the top of this file). Rank 0 only.
class MpiEvaluationWorkers final : public EvaluationWorkers {
 public:
  /// `num_workers` evaluation workers (>= 1); `trainer` (rank 0's) gives the sampling state.
  /// `channel` and `trainer` must outlive this object. Throws ConfigError if the channel's
  /// communicator has one rank or num_workers < 1.
  MpiEvaluationWorkers(const RequestChannel& channel, int num_workers, const Trainer& trainer);

  int num_workers() const override { return num_workers_; }
  bool runs_on_any_thread() const override { return false; }
  void begin(int iteration, const PolicyMap& policies, const FilterSnapshot& filters,
             const IterationStats& shape) override;
  void sample(const std::vector<int>& workers, std::vector<EvaluationSample>& out) override;
  void rebuild(int worker, int restarts) override;

 private:
  /// The ranks holding the evaluation workers `workers` (0-based), ascending.
  std::vector<int> ranks_of(const std::vector<int>& workers) const;

  const RequestChannel& channel_;
  int num_workers_;
  const Trainer& trainer_;
};

}  // namespace phantom::mpi
