// Training over the ranks of an MPI job: the entry points every rank calls.
//
//   phantom::mpi::Session session(&argc, &argv);
//   phantom::mpi::Communicator comm;
//   phantom::PpoTrainer trainer(ppo);                       // on every rank, made the same way
//   phantom::TrainOptions run = ...;                        // the same on every rank
//   run.num_workers = 4;                                    // rollout workers 1..4
//   std::optional<phantom::TrainingResults> results =
//       phantom::mpi::train_over_ranks(comm, trainer, make_env, config, run);
//   if (results) { ... }                                    // rank 0 only
//
// Rank 0 trains as trainer.train() would, with TrainOptions::worker_set building an
// MpiWorkerSet (mpi/mpi_worker_set.hpp): it learns, writes the results directory, the metrics
// CSV and every checkpoint, and shows the progress bar. The other ranks set the same trainer up,
// build the rollout workers they hold (mpi/worker_placement.hpp) and serve them until rank 0
// ends the run (mpi/worker_server.hpp); they write nothing. With one rank, every worker lives in
// process (TrainOptions::worker_set as given: a LocalWorkerSet by default). The results are the
// bits trainer.train() gives with a LocalWorkerSet of the same number of workers.
//
// Evaluation. With EvaluationOptions::num_workers > 0 and more than one rank, the evaluation
// workers live on the worker ranks too, placed as rollout workers are (TrainOptions::
// evaluation_workers builds rank 0's MpiEvaluationWorkers, mpi/mpi_evaluation_workers.hpp; the
// worker ranks serve them with mpi/evaluation_server.hpp), with the bits of in-process
// evaluation; with num_workers = 0 evaluation stays in process on rank 0. A custom evaluation
// (EvaluationOptions::custom) cannot reach workers on other ranks: a ConfigError on every rank
// before anything starts.
//
// Ending. When rank 0's training returns, it tells every other rank to finish; when it throws
// (a worker's failure, its own error, a full disk), it tells them to stop, waits until each has
// confirmed, and rethrows: the other ranks then throw RankFailure with rank 0's message. A rank
// whose own setup fails before it could build its workers reports that to rank 0, which stops
// the run the same way. So whatever fails where, every rank leaves the call, rank 0 with the
// error and the others with RankFailure, and the program exits non-zero on each; the checkpoints
// written before the failure are complete (rank 0 writes the failed iteration's none). A rank
// that dies ends the whole job (plain MPI cannot continue without it); the last checkpoint
// stays loadable and resume_over_ranks continues from it, on any number of ranks.
#pragma once

#include <optional>
#include <string>

#include "mpi/communicator.hpp"
#include "trainers/trainer.hpp"

namespace phantom::mpi {

/// trainer.train(make_env, env_config, options) over the ranks of `comm` (see the top of this
/// file). Collective: every rank calls it with a trainer made the same way and the same
/// arguments. With more than one rank, options.worker_set is replaced (by MpiWorkerSet on rank
/// 0), and so is options.evaluation_workers when the evaluation workers live on ranks. Returns
/// the results on rank 0, nullopt on the others. Throws on rank 0 what the training threw; on
/// the others RankFailure with rank 0's message.
std::optional<TrainingResults> train_over_ranks(const Communicator& comm, Trainer& trainer,
                                                const EnvFactory& make_env,
                                                const EnvConfig& env_config,
                                                const TrainOptions& options);

/// trainer.resume(run_path, ...) over the ranks of `comm`, as train_over_ranks. Only rank 0
/// reads the run directory (the other ranks receive their workers' state from it), and the run
/// may have been saved on another number of ranks: only the number of workers must be the same.
std::optional<TrainingResults> resume_over_ranks(const Communicator& comm, Trainer& trainer,
                                                 const std::string& run_path,
                                                 const EnvFactory& make_env,
                                                 const EnvConfig& env_config,
                                                 const TrainOptions& options);

}  // namespace phantom::mpi
