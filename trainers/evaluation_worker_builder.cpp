#include "trainers/evaluation_worker_builder.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "nn/error.hpp"
#include "nn/rng.hpp"
#include "phantom/env_signature.hpp"

namespace phantom {

namespace {

// The evaluation seed of iteration `iteration`: a stream of its own, apart from training's. A
// worker rebuilt after a failure takes the next word of the stream (the same seed would replay
// the failure).
uint64_t evaluation_seed(std::optional<uint64_t> run_seed, int iteration, int restarts) {
  nn::Rng rng(run_seed.value_or(0), 0x6576616cULL + static_cast<uint64_t>(iteration));  // "eval"
  uint64_t word = rng.next_u64();
  for (int r = 0; r < restarts; ++r) word = rng.next_u64();
  return word >> 12;  // well below where seed + worker index + sub-env offsets wrap
}

}  // namespace

EvaluationWorkerBuilder::EvaluationWorkerBuilder(EvaluationOptions options, EnvFactory make_env,
                                                 const PhantomEnv& training_env,
                                                 EnvConfig training_env_config,
                                                 const PolicyMapping& training_mapping,
                                                 RolloutWorkerOptions training)
    : options_(std::move(options)),
      make_env_(std::move(make_env)),
      env_config_(options_.env_config ? *options_.env_config : std::move(training_env_config)),
      mapping_(options_.policies ? *options_.policies : training_mapping),
      worker_options_(std::move(training)) {
  auto bad = [](const std::string& what) { throw ConfigError("EvaluationOptions: " + what); };
  if (options_.interval < 0)
    bad("interval = " + std::to_string(options_.interval) + ", expected >= 0 (0: never)");
  if (options_.duration < 1 && options_.duration != EvaluationOptions::automatic)
    bad("duration = " + std::to_string(options_.duration) + ", expected >= 1 or automatic");
  if (options_.duration == EvaluationOptions::automatic && !options_.parallel_to_training)
    bad("duration = automatic sizes evaluation to a training step: it needs parallel_to_training");
  if (options_.num_workers < 0)
    bad("num_workers = " + std::to_string(options_.num_workers) + ", expected >= 0");
  if (options_.num_envs < 1)
    bad("num_envs = " + std::to_string(options_.num_envs) + ", expected >= 1");
  if (options_.max_failed_episodes < 0)
    bad("max_failed_episodes = " + std::to_string(options_.max_failed_episodes) +
        ", expected >= 0");
  for (std::size_t k = 0; k < options_.custom_columns.size(); ++k) {
    const std::string& name = options_.custom_columns[k];
    const auto first = options_.custom_columns.begin();
    if (name.empty() || std::find(first, first + static_cast<std::ptrdiff_t>(k), name) !=
                            first + static_cast<std::ptrdiff_t>(k)) {
      bad("custom_columns entry " + std::to_string(k) + " ('" + name +
          "') is empty or repeated; each names one value once");
    }
  }
  if (!options_.custom_columns.empty() && !options_.custom)
    bad("custom_columns are set but there is no custom evaluation to set them");
  if (!make_env_) bad("the env factory is empty");
  std::unique_ptr<PhantomEnv> probe = make_env_(env_config_);
  if (!probe) bad("the env factory returned null for the evaluation env config");
  EnvSignature(training_env).check(*probe, "EvaluationOptions", "the evaluation env");
  resolved_ = mapping_.assign(*probe);
}

int EvaluationWorkerBuilder::num_workers() const {
  return std::max(1, options_.num_workers);
}

int64_t EvaluationWorkerBuilder::fragment_length() const {
  if (options_.unit == EvaluationUnit::episodes) return 0;
  if (options_.duration == EvaluationOptions::automatic) return 10;
  return (options_.duration + num_workers() - 1) / num_workers();
}

std::unique_ptr<RolloutWorker> EvaluationWorkerBuilder::build(int iteration, int index,
                                                              int restarts,
                                                              const PolicyMap& policies,
                                                              const FilterSnapshot& filters) const {
  RolloutWorkerOptions o = worker_options_;
  o.num_envs = options_.num_envs;
  o.worker_index = index + 1;  // as RLlib's evaluation workers: 1..count
  o.num_workers = num_workers();
  o.seed = evaluation_seed(worker_options_.seed, iteration, restarts);
  o.env_config = env_config_;
  o.in_evaluation = true;
  o.sample_async = false;
  o.keep_episode_records = false;
  o.num_threads = 1;     // one sub-env at a time: a failure is always the same one
  o.output_dir.clear();  // evaluation episodes are not experience to learn from
  if (options_.callbacks) o.callbacks = options_.callbacks;
  if (options_.unit == EvaluationUnit::episodes) {
    o.batch_mode = BatchMode::complete_episodes;
    o.rollout_fragment_length = 1;
  } else {
    o.batch_mode = BatchMode::truncate_episodes;
    o.rollout_fragment_length = fragment_length();
  }
  // Each worker acts with clones of its own, set to explore or not without touching the
  // originals; clones share the originals' weights.
  PolicyMap clones;
  for (const ResolvedPolicy& p : resolved_.policies) {
    std::shared_ptr<Policy> clone = policies.at(p.id)->clone();
    if (!clone) {
      throw ConfigError("EvaluationOptions: policy '" + p.id +
                        "' cannot be cloned (Policy::clone), so it cannot be evaluated");
    }
    clone->set_explore(options_.explore);
    clones[p.id] = std::move(clone);
  }
  const EnvFactory make_env = make_env_;
  auto worker = std::make_unique<RolloutWorker>(
      [make_env](const EnvContext& ctx) { return make_env(ctx.config); }, std::move(clones),
      mapping_, std::move(o));
  FilterSnapshot mine;  // the training worker's filters of the policies this worker has
  for (const auto& [id, filter] : filters) {
    if (worker->filters().filters().count(id)) mine[id] = filter->copy();
  }
  worker->filters().sync(mine);
  return worker;
}

}  // namespace phantom
