#include "trainers/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <future>
#include <limits>
#include <utility>

#include "nn/error.hpp"
#include "trainers/evaluation_worker_builder.hpp"
#include "trainers/local_evaluation_workers.hpp"

namespace phantom {

namespace {

std::string after(int iteration) {
  return "evaluation after iteration " + std::to_string(iteration + 1) + ": ";
}

}  // namespace

// ---- EvaluationContext ----

EvaluationContext::EvaluationContext(const Evaluator& evaluator, int iteration,
                                     EvaluationWorkers& workers, EvaluationResult& out)
    : evaluator_(evaluator), iteration_(iteration), workers_(workers), out_(out) {}

RolloutWorker& EvaluationContext::worker(int i) {
  if (i < 0 || i >= num_workers()) {
    throw ConfigError("EvaluationContext: worker " + std::to_string(i) + " does not exist; " +
                      "there are " + std::to_string(num_workers()) + " (0-based)");
  }
  RolloutWorker* w = workers_.local_worker(i);
  if (!w) {
    throw ConfigError("EvaluationContext: evaluation worker " + std::to_string(i + 1) +
                      " lives in another process; a custom evaluation needs its workers in "
                      "process (EvaluationOptions::num_workers = 0)");
  }
  return *w;
}

int64_t EvaluationContext::sample(int i) {
  worker(i);  // checks the index
  return sample_round({i}).front();
}

std::vector<int64_t> EvaluationContext::sample_round(const std::vector<int>& workers) {
  workers_.sample(workers, samples_);
  std::vector<int64_t> steps;
  // In worker order: the statistics are added, and the restarts counted, as one worker after
  // the other would add and count them, wherever and in whatever order they sampled.
  for (std::size_t k = 0; k < samples_.size(); ++k) steps.push_back(take(workers[k], samples_[k]));
  return steps;
}

int64_t EvaluationContext::take(int i, EvaluationSample& sample) {
  if (sample.error) std::rethrow_exception(sample.error);
  if (!sample.env_failure) {
    out_.stats.merge(sample.stats);
    return sample.env_steps;
  }
  const EvaluationEnvFailure& f = *sample.env_failure;
  const EvaluationOptions& o = evaluator_.options();
  std::string where =
      after(iteration_) + "evaluation worker " + std::to_string(i + 1) +
      (f.rank ? " on rank " + std::to_string(*f.rank) : std::string()) + ", sub-env " +
      std::to_string(f.sub_env) + ", episode seed " + std::to_string(f.episode_seed) + ", " +
      (f.step == 0 ? std::string("reset") : "step " + std::to_string(f.step)) + ": " + f.error;
  if (!o.ignore_worker_failures) throw EnvError(where);
  if (++out_.failed_episodes > o.max_failed_episodes) {
    throw EnvError(where + " (more than EvaluationOptions::max_failed_episodes = " +
                   std::to_string(o.max_failed_episodes) + " episodes failed)");
  }
  ++restarts_;
  workers_.rebuild(i, restarts_);  // the failed worker's state is unknown: start it afresh
  return 0;
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
  bool deferred = false;   // parallel, with workers only this thread reaches: runs in finish()
  std::future<void> done;  // parallel only; declared last, so destroyed (joined) first
};

Evaluator::Evaluator(EvaluationOptions options, EnvFactory make_env, const PhantomEnv& training_env,
                     EnvConfig training_env_config, const PolicyMap& policies,
                     const PolicyMapping& training_mapping, RolloutWorkerOptions training,
                     const EvaluationWorkersFactory& make_workers)
    : builder_(std::make_unique<EvaluationWorkerBuilder>(
          std::move(options), std::move(make_env), training_env, std::move(training_env_config),
          training_mapping, std::move(training))),
      policies_(policies) {
  for (const ResolvedPolicy& p : resolved().policies) {
    auto it = policies_.find(p.id);
    if (it == policies_.end()) {
      throw ConfigError("EvaluationOptions: the evaluation mapping names policy '" + p.id +
                        "', which the trainer does not have");
    }
    if (this->options().parallel_to_training && !it->second->snapshot()) {
      throw ConfigError("EvaluationOptions: policy '" + p.id +
                        "' cannot be snapshotted (Policy::snapshot), so it cannot be evaluated "
                        "in parallel to training; set parallel_to_training = false");
    }
  }
  if (make_workers) workers_ = make_workers(*builder_);
  if (!workers_) workers_ = std::make_unique<LocalEvaluationWorkers>(*builder_);
}

Evaluator::~Evaluator() = default;

const EvaluationOptions& Evaluator::options() const {
  return builder_->options();
}

const ResolvedPolicies& Evaluator::resolved() const {
  return builder_->resolved();
}

bool Evaluator::due(int iteration) const {
  return options().interval > 0 && (iteration + 1) % options().interval == 0;
}

void Evaluator::start(int iteration, RolloutWorker& training_worker, const IterationStats& shape) {
  running_.reset();
  result_.stats.reset(shape.returns.size(), shape.metrics.size(), shape.custom_metrics.size());
  result_.failed_episodes = 0;
  result_.custom.assign(options().custom_columns.size(), std::numeric_limits<double>::quiet_NaN());
  const bool parallel = options().parallel_to_training;
  auto run = std::make_unique<Running>();
  run->filters = training_worker.filters().snapshot(/*flush_after=*/false);
  for (const ResolvedPolicy& p : resolved().policies) {
    const std::shared_ptr<Policy>& policy = policies_.at(p.id);
    run->policies[p.id] = parallel ? policy->snapshot() : policy;
  }
  workers_->begin(iteration, run->policies, run->filters, result_.stats);
  run->context.reset(new EvaluationContext(*this, iteration, *workers_, result_));
  running_ = std::move(run);
  EvaluationContext& context = *running_->context;
  if (!parallel) {
    evaluate(context);
  } else if (workers_->runs_on_any_thread()) {
    running_->done = std::async(std::launch::async, [this, &context] { evaluate(context); });
  } else {
    running_->deferred = true;
  }
}

EvaluationResult& Evaluator::finish() {
  if (!running_) throw ConfigError("Evaluator: finish() without a started evaluation");
  std::unique_ptr<Running> run = std::move(running_);
  if (run->deferred) evaluate(*run->context);
  if (run->done.valid()) run->done.get();  // rethrows what the evaluation threw
  return result_;
}

void Evaluator::abandon() {
  running_.reset();
}

void Evaluator::evaluate(EvaluationContext& context) const {
  try {
    if (!options().custom) {
      run_rounds(context);
      return;
    }
    options().custom(context);
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
  const bool episodes = options().unit == EvaluationUnit::episodes;
  const int64_t unit = episodes ? 1 : builder_->fragment_length() * options().num_envs;
  // automatic: one round, every worker once.
  const int64_t duration =
      options().duration == EvaluationOptions::automatic ? unit * count : options().duration;
  int64_t done = 0;
  std::vector<int> round;
  while (done < duration) {
    // The round's workers are known before it starts: worker i samples if i * unit < left.
    const int64_t left = duration - done;
    round.clear();
    for (int i = 0; i < count && static_cast<int64_t>(i) * unit < left; ++i) round.push_back(i);
    const int64_t episodes_before = result_.stats.episodes;
    const std::vector<int64_t> steps = context.sample_round(round);
    if (episodes) {
      done += result_.stats.episodes - episodes_before;
    } else {
      for (int64_t s : steps) done += s;
    }
  }
}

}  // namespace phantom
