#include "trainers/evaluation.hpp"

#include <algorithm>
#include <utility>

#include "nn/error.hpp"
#include "nn/rng.hpp"
#include "phantom/env_signature.hpp"

namespace phantom {

namespace {

// The evaluation seed of iteration `iteration`: a stream of its own, apart from training's.
uint64_t evaluation_seed(std::optional<uint64_t> run_seed, int iteration) {
  nn::Rng rng(run_seed.value_or(0), 0x6576616cULL + static_cast<uint64_t>(iteration));  // "eval"
  return rng.next_u64() >> 12;  // well below where seed + worker index + sub-env offsets wrap
}

}  // namespace

Evaluator::Evaluator(EvaluationOptions options, EnvFactory make_env, const PhantomEnv& training_env,
                     EnvConfig training_env_config, const PolicyMap& policies,
                     const PolicyMapping& training_mapping, RolloutWorkerOptions training)
    : options_(std::move(options)),
      make_env_(std::move(make_env)),
      env_config_(options_.env_config ? *options_.env_config : std::move(training_env_config)),
      policies_(policies),
      mapping_(options_.policies ? *options_.policies : training_mapping),
      worker_options_(std::move(training)) {
  auto bad = [](const std::string& what) { throw ConfigError("EvaluationOptions: " + what); };
  if (options_.interval < 0)
    bad("interval = " + std::to_string(options_.interval) + ", expected >= 0 (0: never)");
  if (options_.duration < 1)
    bad("duration = " + std::to_string(options_.duration) + ", expected >= 1");
  if (options_.num_workers < 0)
    bad("num_workers = " + std::to_string(options_.num_workers) + ", expected >= 0");
  if (options_.num_envs < 1)
    bad("num_envs = " + std::to_string(options_.num_envs) + ", expected >= 1");
  if (!make_env_) bad("the env factory is empty");
  std::unique_ptr<PhantomEnv> probe = make_env_(env_config_);
  if (!probe) bad("the env factory returned null for the evaluation env config");
  EnvSignature(training_env).check(*probe, "EvaluationOptions", "the evaluation env");
  resolved_ = mapping_.assign(*probe);
  for (const ResolvedPolicy& p : resolved_.policies) {
    if (!policies_.count(p.id)) {
      throw ConfigError("EvaluationOptions: the evaluation mapping names policy '" + p.id +
                        "', which the trainer does not have");
    }
  }
}

bool Evaluator::due(int iteration) const {
  return options_.interval > 0 && (iteration + 1) % options_.interval == 0;
}

std::unique_ptr<RolloutWorker> Evaluator::make_worker(int iteration, int index, int count) const {
  RolloutWorkerOptions o = worker_options_;
  o.num_envs = options_.num_envs;
  o.worker_index = index + 1;  // as RLlib's evaluation workers: 1..count
  o.num_workers = count;
  o.seed = evaluation_seed(worker_options_.seed, iteration);
  o.env_config = env_config_;
  o.in_evaluation = true;
  o.sample_async = false;
  o.keep_episode_records = false;
  o.num_threads = 1;
  if (options_.unit == EvaluationUnit::episodes) {
    o.batch_mode = BatchMode::complete_episodes;
    o.rollout_fragment_length = 1;
  } else {
    o.batch_mode = BatchMode::truncate_episodes;
    o.rollout_fragment_length = (options_.duration + count - 1) / count;
  }
  // Clones act with the trainer's current weights; each worker gets its own, set to explore or
  // not without touching the training policies.
  PolicyMap clones;
  for (const ResolvedPolicy& p : resolved_.policies) {
    const std::shared_ptr<Policy>& policy = policies_.at(p.id);
    std::shared_ptr<Policy> clone = policy->clone();
    if (!clone) {
      throw ConfigError("EvaluationOptions: policy '" + p.id +
                        "' cannot be cloned (Policy::clone), so it cannot be evaluated");
    }
    clone->set_explore(options_.explore);
    clones[p.id] = std::move(clone);
  }
  const EnvFactory make_env = make_env_;
  return std::make_unique<RolloutWorker>(
      [make_env](const EnvContext& ctx) { return make_env(ctx.config); }, std::move(clones),
      mapping_, std::move(o));
}

void Evaluator::run(int iteration, RolloutWorker& training_worker, IterationStats& out) {
  const int count = std::max(1, options_.num_workers);
  std::vector<std::unique_ptr<RolloutWorker>> workers;
  const FilterSnapshot filters = training_worker.filters().snapshot(/*flush_after=*/false);
  for (int i = 0; i < count; ++i) {
    workers.push_back(make_worker(iteration, i, count));
    FilterSnapshot mine;  // the training worker's filters of the policies this worker has
    for (const auto& [id, filter] : filters) {
      if (workers.back()->filters().filters().count(id)) mine[id] = filter->copy();
    }
    workers.back()->filters().sync(mine);
  }
  const int64_t unit = options_.unit == EvaluationUnit::episodes
                           ? 1
                           : workers[0]->options().rollout_fragment_length * options_.num_envs;
  IterationStats one;
  int64_t done = 0;
  while (done < options_.duration) {
    const int64_t left = options_.duration - done;
    for (int i = 0; i < count; ++i) {
      if (static_cast<int64_t>(i) * unit >= left) break;
      const int64_t steps = workers[static_cast<std::size_t>(i)]->sample().env_steps;
      one.reset(out.returns.size(), out.metrics.size(), out.custom_metrics.size());
      workers[static_cast<std::size_t>(i)]->collect_stats(one);
      done += options_.unit == EvaluationUnit::episodes ? one.episodes : steps;
      out.merge(one);
    }
  }
}

}  // namespace phantom
