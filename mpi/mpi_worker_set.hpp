// MpiWorkerSet: the WorkerSet of a training run whose rollout workers live on the other ranks of
// an MPI job (trainers/sampling/worker_set.hpp says what a WorkerSet does).
//
// Rank 0 holds the local worker (index 0), which learns; rollout worker i lives on rank
// 1 + (i - 1) % (R - 1) (mpi/worker_placement.hpp), where mpi/worker_server.hpp serves it. Each
// operation is a request to the ranks that hold the workers concerned (mpi/worker_protocol.hpp),
// carrying the encodings of trainers/sampling/worker_messages.hpp; rank 0 reads every answer in
// worker order, never in the order they arrived:
//   sync_weights   the learner's weights and global vars to every worker rank;
//   sample         each worker rank samples its workers among the first `count` and sends each
//                  batch; rank 0 concatenates them in worker order (with the trainer's sampling
//                  state, Trainer::save_sampling_state, sent first);
//   collect_stats  each worker's statistics, one part per sub-env, merged in worker order and
//                  part order: exactly the additions LocalWorkerSet makes;
//   get_metrics    each worker's episode records, in worker order;
//   sync_filters   each worker's filter deltas, merged into the learner's filters in worker
//                  order; then the merged filters to every worker rank;
//   set_explore    sent as data (policy ids and the flag);
//   save, restore  each worker's checkpoint state, saved under "<prefix>.<index>" in index order,
//                  so the checkpoint's bytes are a LocalWorkerSet's; restoring sends the
//                  checkpoint to every worker rank, which restores its own workers, wherever
//                  they lived when it was saved.
// So training gives the same bits as with a LocalWorkerSet of the same number of workers, on any
// number of ranks. The worker ranks sample their workers one after the other
// (TrainOptions::worker_threads is not used here); ranks are the parallelism.
//
// foreach_worker (and so foreach_env, Trainer::foreach_env) runs a function, which cannot travel
// to another process: with rollout workers it throws a ConfigError before running anything. What
// trainers set on every worker travels as data instead (set_explore, the sampling state). A
// curriculum that changes envs from Callbacks::on_train_result therefore needs in-process
// workers (docs/DISTRIBUTED.md).
//
// Failures. An operation that throws on a worker rank is answered with a worker_failure; rank 0
// first takes every answer it asked for (so no rank waits to send), then raises the failure of
// the lowest worker index: a TrainingError or EnvError (as the worker's error was) or a
// RankFailure, whose text names the worker, its rank, the error and, for an env, the sub-env,
// episode seed and step. Ending the run (finish, or stop after a failure) is train_over_ranks'.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mpi/communicator.hpp"
#include "mpi/message.hpp"
#include "mpi/request_channel.hpp"
#include "trainers/sampling/worker_set.hpp"
#include "trainers/trainer.hpp"

namespace phantom::mpi {

/// A WorkerSet whose rollout workers live on ranks 1..R-1 (see the top of this file). Rank 0
/// only; the other ranks run serve_workers (mpi/worker_server.hpp).
class MpiWorkerSet final : public WorkerSet {
 public:
  /// Takes the local worker, waits until every other rank of the channel's communicator has
  /// built its rollout workers (raising the failure of one that could not, as the operations
  /// do), then sends them the local worker's weights and global vars. `trainer` (rank 0's)
  /// gives the sampling state before each sample. The communicator needs at least 2 ranks
  /// (with one, use a LocalWorkerSet); `channel` (rank 0's requests, shared with the
  /// evaluation workers) must outlive the set, as must `trainer`. Throws ConfigError if the
  /// communicator has one rank, the local worker is null or num_workers < 0.
  MpiWorkerSet(const RequestChannel& channel, std::unique_ptr<RolloutWorker> local, int num_workers,
               const Trainer& trainer);
  ~MpiWorkerSet() override;

  RolloutWorker& local_worker() override { return *local_; }
  int num_workers() const override { return num_workers_; }

  void sync_weights(const std::optional<GlobalVars>& vars) override;
  MultiAgentBatch& sample(int count = -1) override;
  void collect_stats(IterationStats& stats) override;
  std::vector<EpisodeRecord> get_metrics() override;
  void sync_filters() override;
  /// f(local worker); with rollout workers, a ConfigError instead (see the top of this file).
  void foreach_worker(const std::function<void(RolloutWorker&)>& f) override;
  void set_explore(const std::vector<std::string>& policy_ids, bool explore) override;
  void save(nn::StateDict& out, const std::string& prefix) const override;
  void restore(const nn::StateDict& in, const std::string& prefix) override;

 private:
  /// Asks the ranks holding a worker among the first `workers` (RequestChannel::ask).
  std::vector<nn::StateDict> ask(MessageKind kind, const nn::StateDict& body, int workers) const;
  /// Sends `kind` with `body` to every rank holding a worker; no answer.
  void tell(MessageKind kind, const nn::StateDict& body) const;
  /// The answer of worker `index`'s rank among ask()'s answers.
  const nn::StateDict& answer_of(const std::vector<nn::StateDict>& answers, int index) const;
  /// "rollout worker <index> on rank <r>", for messages.
  std::string worker_name(int index) const;

  const RequestChannel& channel_;
  const Communicator& comm_;
  std::unique_ptr<RolloutWorker> local_;
  int num_workers_;
  const Trainer& trainer_;
  std::vector<MultiAgentBatch> batches_;  // the last sample(), per worker
  MultiAgentBatch batch_;                 // their concatenation
};

}  // namespace phantom::mpi
