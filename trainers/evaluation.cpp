#include "trainers/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <future>
#include <limits>
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

std::string after(int iteration) {
  return "evaluation after iteration " + std::to_string(iteration + 1) + ": ";
}

}  // namespace

// ---- EvaluationContext ----

EvaluationContext::EvaluationContext(const Evaluator& evaluator, int iteration,
                                     const FilterSnapshot& filters, const PolicyMap& policies,
                                     EvaluationResult& out)
    : evaluator_(evaluator),
      iteration_(iteration),
      filters_(filters),
      policies_(policies),
      out_(out) {
  const int count = std::max(1, evaluator.options().num_workers);
  workers_.resize(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) build(i);
}

// Worker i, seeded for the restarts so far: the first workers with restarts_ = 0, and each
// rebuild after a failure with the next value, so that it never replays an episode.
void EvaluationContext::build(int i) {
  const int count = num_workers();
  std::unique_ptr<RolloutWorker>& w = workers_[static_cast<std::size_t>(i)];
  w = evaluator_.make_worker(iteration_, i, count, restarts_, policies_);
  FilterSnapshot mine;  // the training worker's filters of the policies this worker has
  for (const auto& [id, filter] : filters_) {
    if (w->filters().filters().count(id)) mine[id] = filter->copy();
  }
  w->filters().sync(mine);
}

RolloutWorker& EvaluationContext::worker(int i) {
  if (i < 0 || i >= num_workers()) {
    throw ConfigError("EvaluationContext: worker " + std::to_string(i) + " does not exist; " +
                      "there are " + std::to_string(num_workers()) + " (0-based)");
  }
  return *workers_[static_cast<std::size_t>(i)];
}

int64_t EvaluationContext::sample(int i) {
  RolloutWorker& w = worker(i);
  try {
    const int64_t steps = w.sample().env_steps;
    const IterationStats& shape = out_.stats;
    one_.reset(shape.returns.size(), shape.metrics.size(), shape.custom_metrics.size());
    w.collect_stats(one_);
    out_.stats.merge(one_);
    return steps;
  } catch (const std::exception& e) {
    const std::optional<RolloutWorker::EnvFailure> f = w.env_failure();
    if (!f) throw;  // not the env's failure: no worker rebuild would help
    const EvaluationOptions& o = evaluator_.options();
    std::string where = after(iteration_) + "evaluation worker " + std::to_string(i + 1) +
                        ", sub-env " + std::to_string(f->vector_index) + ", episode seed " +
                        std::to_string(f->episode_seed) + ", " +
                        (f->step == 0 ? std::string("reset") : "step " + std::to_string(f->step)) +
                        ": " + e.what();
    if (!o.ignore_worker_failures) throw EnvError(where);
    if (++out_.failed_episodes > o.max_failed_episodes) {
      throw EnvError(where + " (more than EvaluationOptions::max_failed_episodes = " +
                     std::to_string(o.max_failed_episodes) + " episodes failed)");
    }
    ++restarts_;
    build(i);  // the failed worker's state is unknown: start it afresh
    return 0;
  }
}

void EvaluationContext::set(const std::string& name, double value) {
  const std::vector<std::string>& names = evaluator_.options().custom_columns;
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    throw ConfigError(after(iteration_) + "the custom evaluation set '" + name +
                      "', which is not in EvaluationOptions::custom_columns");
  }
  out_.custom[static_cast<std::size_t>(it - names.begin())] = value;
  set_any_ = true;
}

// ---- Evaluator ----

struct Evaluator::Running {
  FilterSnapshot filters;
  PolicyMap policies;  // the trainer's (sequential) or snapshots of them (parallel)
  std::unique_ptr<EvaluationContext> context;
  std::future<void> done;  // parallel only; declared last, so destroyed (joined) first
};

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
  for (const ResolvedPolicy& p : resolved_.policies) {
    auto it = policies_.find(p.id);
    if (it == policies_.end()) {
      throw ConfigError("EvaluationOptions: the evaluation mapping names policy '" + p.id +
                        "', which the trainer does not have");
    }
    if (options_.parallel_to_training && !it->second->snapshot()) {
      throw ConfigError("EvaluationOptions: policy '" + p.id +
                        "' cannot be snapshotted (Policy::snapshot), so it cannot be evaluated "
                        "in parallel to training; set parallel_to_training = false");
    }
  }
}

Evaluator::~Evaluator() = default;

bool Evaluator::due(int iteration) const {
  return options_.interval > 0 && (iteration + 1) % options_.interval == 0;
}

std::unique_ptr<RolloutWorker> Evaluator::make_worker(int iteration, int index, int count,
                                                      int restarts,
                                                      const PolicyMap& policies) const {
  RolloutWorkerOptions o = worker_options_;
  o.num_envs = options_.num_envs;
  o.worker_index = index + 1;  // as RLlib's evaluation workers: 1..count
  o.num_workers = count;
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
    o.rollout_fragment_length = options_.duration == EvaluationOptions::automatic
                                    ? 10
                                    : (options_.duration + count - 1) / count;
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
  return std::make_unique<RolloutWorker>(
      [make_env](const EnvContext& ctx) { return make_env(ctx.config); }, std::move(clones),
      mapping_, std::move(o));
}

void Evaluator::start(int iteration, RolloutWorker& training_worker, const IterationStats& shape) {
  running_.reset();
  result_.stats.reset(shape.returns.size(), shape.metrics.size(), shape.custom_metrics.size());
  result_.failed_episodes = 0;
  result_.custom.assign(options_.custom_columns.size(), std::numeric_limits<double>::quiet_NaN());
  auto run = std::make_unique<Running>();
  run->filters = training_worker.filters().snapshot(/*flush_after=*/false);
  for (const ResolvedPolicy& p : resolved_.policies) {
    const std::shared_ptr<Policy>& policy = policies_.at(p.id);
    run->policies[p.id] = options_.parallel_to_training ? policy->snapshot() : policy;
  }
  run->context.reset(new EvaluationContext(*this, iteration, run->filters, run->policies, result_));
  running_ = std::move(run);
  EvaluationContext& context = *running_->context;
  if (options_.parallel_to_training) {
    running_->done = std::async(std::launch::async, [this, &context] { evaluate(context); });
  } else {
    evaluate(context);
  }
}

EvaluationResult& Evaluator::finish() {
  if (!running_) throw ConfigError("Evaluator: finish() without a started evaluation");
  std::unique_ptr<Running> run = std::move(running_);
  if (run->done.valid()) run->done.get();  // rethrows what the evaluation threw
  return result_;
}

void Evaluator::abandon() {
  running_.reset();
}

void Evaluator::evaluate(EvaluationContext& context) const {
  try {
    if (!options_.custom) {
      run_rounds(context);
      return;
    }
    options_.custom(context);
    if (!context.set_any_ && result_.stats.episodes == 0) {
      throw ValueError(after(context.iteration()) +
                       "the custom evaluation sampled no episode and set no value");
    }
  } catch (const TrainingError& e) {
    throw TrainingError(after(context.iteration()) + e.what());
  }
}

void Evaluator::run_rounds(EvaluationContext& context) const {
  const int count = context.num_workers();
  const bool episodes = options_.unit == EvaluationUnit::episodes;
  const int64_t unit =
      episodes ? 1 : context.worker(0).options().rollout_fragment_length * options_.num_envs;
  // automatic: one round, every worker once.
  const int64_t duration =
      options_.duration == EvaluationOptions::automatic ? unit * count : options_.duration;
  int64_t done = 0;
  while (done < duration) {
    const int64_t left = duration - done;
    for (int i = 0; i < count; ++i) {
      if (static_cast<int64_t>(i) * unit >= left) break;
      const int64_t episodes_before = result_.stats.episodes;
      const int64_t steps = context.sample(i);
      done += episodes ? result_.stats.episodes - episodes_before : steps;
    }
  }
}

}  // namespace phantom
