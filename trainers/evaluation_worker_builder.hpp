// EvaluationWorkerBuilder: how evaluation worker i of the evaluation after an iteration is built
// (trainers/evaluation.hpp says what evaluation does): its options, seed, env config, policies
// and filters. Every process that holds evaluation workers builds them with one, made from the
// same run options, so a worker built in another process is the one this process would build.
#pragma once

#include <cstdint>
#include <memory>

#include "phantom/env_config.hpp"
#include "phantom/policy_mapping.hpp"
#include "trainers/evaluation.hpp"
#include "trainers/sampling/filter_set.hpp"
#include "trainers/sampling/rollout_worker.hpp"

namespace phantom {

/// Builds the evaluation workers of a run (see the top of this file).
class EvaluationWorkerBuilder {
 public:
  /// `make_env` builds the training envs from a config, `training_env` is one of them;
  /// `training_mapping` is the run's mapping; `training` holds the options of the training
  /// worker, whose action handling and callbacks evaluation reuses. Throws ConfigError naming
  /// the option for bad options, if the evaluation env config gives other strategic agents than
  /// the training env (the policies were built for those), and as RolloutWorker's constructor
  /// for a mapping that does not fit the evaluation env (checked here, up front).
  EvaluationWorkerBuilder(EvaluationOptions options, EnvFactory make_env,
                          const PhantomEnv& training_env, EnvConfig training_env_config,
                          const PolicyMapping& training_mapping, RolloutWorkerOptions training);

  const EvaluationOptions& options() const { return options_; }
  /// The policy controlling each strategic position of the evaluation envs.
  const ResolvedPolicies& resolved() const { return resolved_; }
  /// How many workers an evaluation has: max(1, num_workers).
  int num_workers() const;
  /// Steps per sub-env of one sample() call with unit timesteps (0 with unit episodes, whose
  /// calls sample one whole episode).
  int64_t fragment_length() const;

  /// Evaluation worker `index` (0-based) of the evaluation after iteration `iteration`, seeded
  /// for `restarts` rebuilds so far, acting with clones of `policies` (the evaluated policies
  /// by id, set to explore or not) and starting from copies of `filters` (those of its
  /// policies). Throws ConfigError if a policy cannot be cloned.
  std::unique_ptr<RolloutWorker> build(int iteration, int index, int restarts,
                                       const PolicyMap& policies,
                                       const FilterSnapshot& filters) const;

 private:
  EvaluationOptions options_;
  EnvFactory make_env_;
  EnvConfig env_config_;
  PolicyMapping mapping_;
  RolloutWorkerOptions worker_options_;
  ResolvedPolicies resolved_;
};

}  // namespace phantom
