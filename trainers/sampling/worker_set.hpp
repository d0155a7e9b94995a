// WorkerSet: the rollout workers of one training run, and the few operations a training
// iteration performs on all of them.
//
// The local worker (index 0) holds the policies that learn. With num_workers = 0 it also
// samples, as a single-worker trainer does. With num_workers = N >= 1, N rollout workers
// (indices 1..N, each with its own sub-envs and its own copies of the policies) do all the
// sampling and the local worker only learns. One iteration then goes:
//   sample()           every rollout worker samples one batch; the batches are concatenated in
//                      worker order (worker 1's rows first);
//   collect_stats()    each worker's steps, returns and metrics, merged in worker order;
//   (the trainer learns on the local worker)
//   sync_weights()     the local worker's weights and global vars go to every rollout worker;
//   sync_filters()     each rollout worker's filter delta (what it observed since the last
//                      sync) is merged into the local worker's filters in worker order, and the
//                      result is copied back to every rollout worker (FilterSet's protocol).
// Every result depends on the workers' order only, never on which thread ran which worker or
// when it finished, so training gives the same bits for any number of threads — and, for a
// WorkerSet whose rollout workers live in other processes, the same bits as in-process ones.
//
// What crosses between the local worker and a rollout worker is data only, and
// worker_messages.hpp encodes each: weights and global vars (encode_weights), filter snapshots
// (encode_filters), batches (encode_batch), statistics and episode records (encode_metrics),
// and each worker's checkpoint state (RolloutWorker::save, a state dict). A remote
// implementation sends exactly these.
// foreach_worker and foreach_env run a function on every worker. A function cannot travel to
// another process, so what a trainer itself sets on every worker goes through data-carrying
// operations instead (set_explore; Trainer::save_sampling_state), and a remote implementation
// decides what foreach_worker does with workers it cannot reach (mpi/mpi_worker_set.hpp).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/serialize.hpp"
#include "phantom/env.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/sampling/episode_metrics.hpp"
#include "trainers/sampling/multi_agent_batch.hpp"
#include "trainers/sampling/rollout_worker.hpp"

namespace nn {
class ThreadPool;
}

namespace phantom {

/// The local worker and the rollout workers of a run (see the top of this file).
class WorkerSet {
 public:
  virtual ~WorkerSet() = default;

  /// The worker whose policies learn (index 0).
  virtual RolloutWorker& local_worker() = 0;
  /// Rollout workers (0: the local worker samples).
  virtual int num_workers() const = 0;

  /// Copies the local worker's weights (every trainable policy) and, if given, `vars` to every
  /// rollout worker, and `vars` to the local worker. With no rollout workers only the local
  /// worker's global vars are set (nothing without `vars`).
  virtual void sync_weights(const std::optional<GlobalVars>& vars) = 0;
  /// One sample() of each of the first `count` rollout workers (all when count < 0), batches
  /// concatenated in worker order; with no rollout workers, the local worker's sample(). Valid
  /// until the next call. When workers fail, the error of the lowest worker index is rethrown,
  /// naming the worker.
  virtual MultiAgentBatch& sample(int count = -1) = 0;
  /// Adds each sampling worker's statistics since the last call to `stats`, in worker order.
  virtual void collect_stats(IterationStats& stats) = 0;
  /// The episode records of every sampling worker since the last call (drained), in worker
  /// order.
  virtual std::vector<EpisodeRecord> get_metrics() = 0;
  /// Merges every rollout worker's filter delta into the local worker's filters in worker
  /// order and copies the result back to them. Nothing with no rollout workers.
  virtual void sync_filters() = 0;

  /// f(worker) for the local worker, then every rollout worker in index order.
  virtual void foreach_worker(const std::function<void(RolloutWorker&)>& f) = 0;
  /// Policy::set_explore(explore) of the policies `policy_ids` on every worker (a policy id a
  /// worker lacks is a ConfigError naming it). The same as a foreach_worker that does it, which
  /// is the default; a set whose workers live in other processes sends it as data, since a
  /// function cannot travel there (QLearningTrainer explores only while it samples).
  virtual void set_explore(const std::vector<std::string>& policy_ids, bool explore);
  /// f(sub-env, worker index, vector index) for every sub-env of every worker (foreach_worker
  /// order), e.g. to change every env's task from Callbacks::on_train_result.
  void foreach_env(const std::function<void(PhantomEnv&, int worker, int vector)>& f);

  /// Saves every rollout worker's state (RolloutWorker::save) under "<prefix>.<index>", and
  /// their number under "<prefix>.count". The local worker is the trainer's to save.
  virtual void save(nn::StateDict& out, const std::string& prefix) const = 0;
  /// Restores what save() wrote. Throws ConfigError naming TrainOptions::num_workers if the
  /// saved number of rollout workers differs from this set's.
  virtual void restore(const nn::StateDict& in, const std::string& prefix) = 0;
};

/// Throws ConfigError, its message starting with `who`, naming TrainOptions::num_workers when
/// it is below 0 or TrainOptions::worker_threads when it is below 1.
void check_worker_options(int num_workers, int worker_threads, const std::string& who);

/// Policy::set_explore(explore) of the policies `policy_ids` of worker `w`, each of which it must
/// have: ConfigError naming the worker and the id otherwise (WorkerSet::set_explore, per worker).
void set_worker_explore(RolloutWorker& w, const std::vector<std::string>& policy_ids, bool explore);

/// For WorkerSet::restore: throws ConfigError naming TrainOptions::num_workers unless the
/// checkpoint `in` holds `num_workers` rollout workers under `prefix` (save()'s "<prefix>.count").
void check_saved_worker_count(const nn::StateDict& in, const std::string& prefix, int num_workers);

/// Builds rollout worker `worker_index` (1..num_workers) for a LocalWorkerSet.
using RolloutWorkerFactory = std::function<std::unique_ptr<RolloutWorker>(int worker_index)>;

/// Builds the WorkerSet of a run from its local worker, its number of rollout workers, a
/// factory of rollout worker i (valid only during the call) and TrainOptions::worker_threads.
/// The trainer calls it once it has its local worker; the default builds a LocalWorkerSet. An
/// implementation whose workers live in other processes builds each worker there (with the
/// same factory, in the process it lives in) and returns a WorkerSet that talks to them.
using WorkerSetFactory =
    std::function<std::unique_ptr<WorkerSet>(std::unique_ptr<RolloutWorker> local, int num_workers,
                                             const RolloutWorkerFactory& make_worker, int threads)>;

/// A WorkerSet whose rollout workers live in this process. They sample one task per worker,
/// on `threads` threads (1: one after the other on the calling thread).
class LocalWorkerSet final : public WorkerSet {
 public:
  /// Takes the local worker and builds num_workers rollout workers with `make_worker`, then
  /// copies the local worker's weights and global vars to them. Throws as check_worker_options
  /// when `num_workers` or `threads` is out of range.
  LocalWorkerSet(std::unique_ptr<RolloutWorker> local, int num_workers,
                 const RolloutWorkerFactory& make_worker, int threads = 1);
  ~LocalWorkerSet() override;

  RolloutWorker& local_worker() override { return *local_; }
  int num_workers() const override { return static_cast<int>(workers_.size()); }
  /// Rollout worker `worker_index` (1..num_workers); ConfigError naming the index otherwise.
  RolloutWorker& worker(int worker_index);

  void sync_weights(const std::optional<GlobalVars>& vars) override;
  MultiAgentBatch& sample(int count = -1) override;
  void collect_stats(IterationStats& stats) override;
  std::vector<EpisodeRecord> get_metrics() override;
  void sync_filters() override;
  void foreach_worker(const std::function<void(RolloutWorker&)>& f) override;
  void save(nn::StateDict& out, const std::string& prefix) const override;
  void restore(const nn::StateDict& in, const std::string& prefix) override;

 private:
  /// fn(k) for every rollout worker position k in [0, count) on the pool; the error of the
  /// lowest k, if any, is rethrown after all have run.
  void for_each_in_parallel(int count, const std::function<void(int)>& fn);

  std::unique_ptr<RolloutWorker> local_;
  std::vector<std::unique_ptr<RolloutWorker>> workers_;  // index k holds worker k + 1
  std::unique_ptr<nn::ThreadPool> pool_;                 // null: the calling thread only
  MultiAgentBatch batch_;                                // the last sample() of the workers
};

}  // namespace phantom
