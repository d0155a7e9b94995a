// SteppedTrainer<T>: a trainer set up as train() would set it up, whose iterations the caller
// runs one at a time — without the metrics CSV, progress or checkpoints — so tests and
// benchmarks can count allocations in, or time, training_step() alone.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "phantom/env_config.hpp"
#include "phantom/policy_mapping.hpp"
#include "trainers/trainer.hpp"

namespace workloads {

template <class TrainerT>
class SteppedTrainer : public TrainerT {
 public:
  /// `run` gives the mapping, policies to train, seed, metrics and the iteration count (the
  /// horizon of schedules such as learning-rate decay).
  template <class Options>
  SteppedTrainer(Options options, phantom::EnvFactory make_env, phantom::TrainOptions run)
      : TrainerT(std::move(options)), make_env_(std::move(make_env)), run_(std::move(run)) {
    probe_ = make_env_(config_);
    resolved_ = run_.policies.resolve(*probe_, this->kind(), run_.policies_to_train, run_.registry);
    policies_ = phantom::create_registered_policies(resolved_, run_.registry);
    typename TrainerT::Setup s{&make_env_, &config_, &run_, &resolved_, &policies_, probe_.get()};
    this->setup(s);
  }

  /// Runs the next iteration into `stats` (reset first, as train() does).
  void iterate(phantom::IterationStats& stats) {
    stats.reset(static_cast<std::size_t>(probe_->num_strategic()), run_.metrics.size(),
                run_.custom_metrics.size());
    this->training_step(iteration_++, stats);
  }

 private:
  phantom::EnvFactory make_env_;
  phantom::TrainOptions run_;
  phantom::EnvConfig config_;
  std::unique_ptr<phantom::PhantomEnv> probe_;
  phantom::ResolvedPolicies resolved_;
  std::vector<std::shared_ptr<phantom::Policy>> policies_;
  int iteration_ = 0;
};

}  // namespace workloads
