// EvaluationServer: the evaluation workers a worker rank holds when they live on the ranks of an
// MPI job, and what the rank does with them for rank 0 (mpi/mpi_evaluation_workers.hpp is rank
// 0's side; mpi/worker_protocol.hpp lists the messages).
//
// The rank builds its evaluation workers as rank 0 would build them in process: with an
// EvaluationWorkerBuilder made from the same run options, acting with clones of the trainer's
// policies. Those are the rank's own learner policies, which it never trains (its trainer was set
// up only to build the workers): each evaluation loads the weights rank 0 sends into them, so
// their clones act as rank 0's clones would. The rank's rollout workers have policies of their
// own and are not touched.
#pragma once

#include <map>
#include <memory>

#include "mpi/communicator.hpp"
#include "nn/serialize.hpp"
#include "trainers/evaluation_worker_builder.hpp"
#include "trainers/trainer.hpp"

namespace phantom::mpi {

/// A worker rank's evaluation workers (see the top of this file).
class EvaluationServer {
 public:
  /// `learner` is the trainer's local worker on this rank (its policies are the trainer's),
  /// `options` the run's (the same on every rank). `trainer` receives the sampling state and
  /// must outlive this object. Throws as EvaluationWorkerBuilder's constructor.
  EvaluationServer(const Communicator& comm, Trainer& trainer,
                   std::unique_ptr<RolloutWorker> learner, const EnvFactory& make_env,
                   const EnvConfig& env_config, const TrainOptions& options);

  /// evaluation_begin: loads the sampling state, weights and filters, and builds every
  /// evaluation worker this rank holds afresh.
  void begin(const nn::StateDict& body);
  /// evaluation_sample: samples this rank's workers among those named, in index order, with the
  /// trainer's sampling state of begin(), and writes each one's steps and statistics, or its
  /// failure, into `answer`.
  void sample(const nn::StateDict& body, nn::StateDict& answer);
  /// evaluation_rebuild: builds the named worker afresh, seeded for the restarts given.
  void rebuild(const nn::StateDict& body);

 private:
  std::string source(const char* what) const;

  const Communicator& comm_;
  Trainer& trainer_;
  std::shared_ptr<RolloutWorker> learner_;
  EvaluationWorkerBuilder builder_;
  PolicyMap policies_;  // the learner's, by id (sharing its ownership)
  // The evaluation in progress.
  int iteration_ = 0;
  nn::StateDict sampling_state_;  // the trainer's when the evaluation started
  FilterSnapshot filters_;
  IterationStats shape_;
  std::map<int, std::unique_ptr<RolloutWorker>> workers_;  // by index (1-based)
};

}  // namespace phantom::mpi
