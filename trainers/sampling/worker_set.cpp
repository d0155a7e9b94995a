// WorkerSet and LocalWorkerSet: the iteration's operations over the local and rollout workers.
#include "trainers/sampling/worker_set.hpp"

#include <exception>
#include <utility>

#include "nn/error.hpp"
#include "nn/thread_pool.hpp"
#include "phantom/error.hpp"

namespace phantom {

void WorkerSet::foreach_env(const std::function<void(PhantomEnv&, int, int)>& f) {
  foreach_worker([&f](RolloutWorker& w) {
    w.foreach_env([&](PhantomEnv& env, int vector) { f(env, w.worker_index(), vector); });
  });
}

void WorkerSet::set_explore(const std::vector<std::string>& policy_ids, bool explore) {
  foreach_worker([&](RolloutWorker& w) { set_worker_explore(w, policy_ids, explore); });
}

void set_worker_explore(RolloutWorker& w, const std::vector<std::string>& policy_ids,
                        bool explore) {
  for (const std::string& id : policy_ids) {
    Policy* policy = w.get_policy(id);
    if (!policy) {
      throw ConfigError("WorkerSet::set_explore: worker " + std::to_string(w.worker_index()) +
                        " has no policy '" + id + "'");
    }
    policy->set_explore(explore);
  }
}

void check_worker_options(int num_workers, int worker_threads, const std::string& who) {
  if (num_workers < 0) {
    throw ConfigError(who + ": TrainOptions::num_workers = " + std::to_string(num_workers) +
                      ", expected >= 0 (0: the local worker samples)");
  }
  if (worker_threads < 1) {
    throw ConfigError(who + ": TrainOptions::worker_threads = " + std::to_string(worker_threads) +
                      ", expected >= 1");
  }
}

LocalWorkerSet::LocalWorkerSet(std::unique_ptr<RolloutWorker> local, int num_workers,
                               const RolloutWorkerFactory& make_worker, int threads)
    : local_(std::move(local)) {
  if (!local_) throw ConfigError("LocalWorkerSet: the local worker is null");
  check_worker_options(num_workers, threads, "LocalWorkerSet");
  for (int i = 1; i <= num_workers; ++i) {
    std::unique_ptr<RolloutWorker> w = make_worker(i);
    if (!w || w->worker_index() != i) {
      throw ConfigError("LocalWorkerSet: the worker factory gave " +
                        std::string(w ? "a worker of another index" : "null") +
                        " for rollout worker " + std::to_string(i));
    }
    workers_.push_back(std::move(w));
  }
  if (threads > 1 && num_workers > 1) pool_ = std::make_unique<nn::ThreadPool>(threads);
  // The rollout workers built their policies afresh: they start from the learner's weights.
  if (!workers_.empty()) sync_weights(local_->global_vars());
}

LocalWorkerSet::~LocalWorkerSet() = default;

RolloutWorker& LocalWorkerSet::worker(int worker_index) {
  if (worker_index < 1 || worker_index > num_workers()) {
    throw ConfigError("LocalWorkerSet: no rollout worker " + std::to_string(worker_index) +
                      " (they are 1.." + std::to_string(num_workers()) + ")");
  }
  return *workers_[static_cast<std::size_t>(worker_index - 1)];
}

void LocalWorkerSet::for_each_in_parallel(int count, const std::function<void(int)>& fn) {
  // One slot per worker, so that which error is reported never depends on the timing.
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(count));
  auto run_range = [&](int first, int step) {
    for (int k = first; k < count; k += step) {
      try {
        fn(k);
      } catch (...) {
        errors[static_cast<std::size_t>(k)] = std::current_exception();
      }
    }
  };
  if (pool_ && count > 1) {
    pool_->run([&](int ith, int nth) { run_range(ith, nth); });
  } else {
    run_range(0, 1);
  }
  for (int k = 0; k < count; ++k) {
    const std::exception_ptr& e = errors[static_cast<std::size_t>(k)];
    if (!e) continue;
    const std::string who = "rollout worker " + std::to_string(k + 1) + ": ";
    try {
      std::rethrow_exception(e);
    } catch (const TrainingError& t) {
      throw TrainingError(who + t.what(), t.skippable());
    } catch (const EnvError& env) {
      throw EnvError(who + env.what());
    }
  }
}

void LocalWorkerSet::sync_weights(const std::optional<GlobalVars>& vars) {
  if (vars) local_->set_global_vars(*vars);
  if (workers_.empty()) return;
  const nn::StateDict weights = local_->get_weights();
  for (auto& w : workers_) w->set_weights(weights, vars);
}

MultiAgentBatch& LocalWorkerSet::sample(int count) {
  if (workers_.empty()) return local_->sample();
  if (count < 0 || count > num_workers()) count = num_workers();
  std::vector<const MultiAgentBatch*> batches(static_cast<std::size_t>(count), nullptr);
  for_each_in_parallel(count, [&](int k) {
    batches[static_cast<std::size_t>(k)] = &workers_[static_cast<std::size_t>(k)]->sample();
  });
  batch_ = MultiAgentBatch::concat(batches);
  return batch_;
}

void LocalWorkerSet::collect_stats(IterationStats& stats) {
  if (workers_.empty()) {
    local_->collect_stats(stats);
    return;
  }
  for (auto& w : workers_) w->collect_stats(stats);
}

std::vector<EpisodeRecord> LocalWorkerSet::get_metrics() {
  if (workers_.empty()) return local_->get_metrics();
  std::vector<EpisodeRecord> out;
  for (auto& w : workers_) {
    std::vector<EpisodeRecord> mine = w->get_metrics();
    for (EpisodeRecord& r : mine) out.push_back(std::move(r));
  }
  return out;
}

void LocalWorkerSet::sync_filters() {
  if (workers_.empty()) return;
  std::vector<FilterSet*> sets;
  for (auto& w : workers_) sets.push_back(&w->filters());
  synchronize_filters(local_->filters(), sets);
}

void LocalWorkerSet::foreach_worker(const std::function<void(RolloutWorker&)>& f) {
  f(*local_);
  for (auto& w : workers_) f(*w);
}

void LocalWorkerSet::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_int(prefix + ".count", num_workers());
  for (const auto& w : workers_) w->save(out, prefix + "." + std::to_string(w->worker_index()));
}

void check_saved_worker_count(const nn::StateDict& in, const std::string& prefix, int num_workers) {
  const int64_t saved = in.contains(prefix + ".count") ? in.get_int(prefix + ".count") : 0;
  if (saved != num_workers) {
    throw ConfigError(
        in.source() + ": the checkpoint holds " + std::to_string(saved) +
        " rollout workers, but TrainOptions::num_workers = " + std::to_string(num_workers) +
        "; set it to " + std::to_string(saved) + " to continue this run");
  }
}

void LocalWorkerSet::restore(const nn::StateDict& in, const std::string& prefix) {
  check_saved_worker_count(in, prefix, num_workers());
  for (auto& w : workers_) w->restore(in, prefix + "." + std::to_string(w->worker_index()));
}

}  // namespace phantom
