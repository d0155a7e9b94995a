// The worker ranks' side of training over ranks: build this rank's rollout workers, then do what
// rank 0 asks of them until it ends the run.
//
// A worker rank runs the same program as rank 0 and calls train_over_ranks
// (mpi/train_ranks.hpp), which sets the trainer up as rank 0 does (the same options, policies
// and env factory) and, where the trainer builds its WorkerSet, builds instead the workers this
// rank holds (mpi/worker_placement.hpp) with the trainer's own worker factory, and serves: every
// request of rank 0 (mpi/worker_protocol.hpp) is carried out on those workers in index order,
// one after the other, and answered. The rank never trains, writes no file and shows no
// progress; its trainer only receives what rank 0's trainer sets before sampling
// (Trainer::load_sampling_state). Callbacks run on the rank's workers as on any worker.
//
// A request that throws is answered with a worker_failure naming the rank, the worker, the
// episode seed where an env failed, and the error; the rank then keeps serving (it answers every
// later request with that failure) until rank 0, which raises the failure, ends the run. So
// every rank waits only for rank 0, and rank 0 only for answers it asked for.
#pragma once

#include <exception>

#include "mpi/communicator.hpp"
#include "mpi/evaluation_server.hpp"
#include "trainers/trainer.hpp"

namespace phantom::mpi {

/// Builds the rollout workers among 1..num_workers that this rank holds, with `make_worker`,
/// tells rank 0 (workers_ready, or a worker_failure if one could not be built), then serves
/// rank 0's requests. Returns when rank 0 finishes the run; throws RankFailure, with rank 0's
/// reason, when it stops the run because something failed (answering `stopped` first, either
/// way). `trainer` receives the sampling state (Trainer::load_sampling_state). `evaluation`
/// serves the evaluation requests (mpi/evaluation_server.hpp); null: the run has no evaluation
/// workers on ranks, and such a request is a failure.
void serve_workers(const Communicator& comm, Trainer& trainer, int num_workers,
                   const RolloutWorkerFactory& make_worker, EvaluationServer* evaluation);

/// For a worker rank that failed before it could build its workers (its trainer's setup
/// threw): tells rank 0 `error` in place of workers_ready and waits for rank 0 to end the run;
/// then throws RankFailure with rank 0's reason (or returns, if rank 0 finished regardless).
void serve_failed(const Communicator& comm, const std::exception_ptr& error);

}  // namespace phantom::mpi
