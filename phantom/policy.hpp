// Policy: maps an agent's observation to an action (fixed rules, or trained networks).
//
// Observations and actions are flat float buffers in their spaces' layouts. A policy acts on
// one observation (compute_action) or on a batch of them (compute_actions: the rollout runner
// batches the envs a worker steps together). Row r of a batch draws only from rngs[r], so a
// batch gives exactly the actions of its rows taken one by one, whatever the batch size.
#pragma once

#include <cstdint>
#include <memory>

#include "nn/rng.hpp"
#include "phantom/space.hpp"

namespace phantom {

class Policy {
 public:
  Policy(SpacePtr observation_space, SpacePtr action_space);
  virtual ~Policy() = default;

  const SpacePtr& observation_space() const { return observation_space_; }
  const SpacePtr& action_space() const { return action_space_; }

  /// Writes an action (action_space()->flat_size() floats) for `observation`. `rng` is for
  /// stochastic policies; deterministic ones ignore it.
  virtual void compute_action(const float* observation, float* action, nn::Rng& rng) = 0;

  /// Writes `rows` actions (row-major, action_space()->flat_size() floats each) for `rows`
  /// observations (row-major, observation_space()->flat_size() floats each). Row r draws only
  /// from rngs[r]. The default calls compute_action row by row; a network policy overrides it
  /// with one batched forward pass that gives the same actions.
  virtual void compute_actions(const float* observations, int64_t rows, float* actions,
                               nn::Rng* rngs);

  /// Stochastic policies sample their actions while exploring and take the most likely action
  /// otherwise; fixed policies ignore this. Rollouts set it from their `explore` option.
  virtual void set_explore(bool explore) { (void)explore; }

  /// A policy that acts exactly like this one and can be used on another thread at the same
  /// time (it may share read-only parameters, but has its own scratch buffers and state).
  /// Null (the default) means the policy cannot be cloned: the rollout runner then refuses to
  /// run it on more than one worker.
  virtual std::shared_ptr<Policy> clone() const { return nullptr; }

  /// A policy that acts as this one does now and keeps doing so while this one learns: a clone
  /// with its own copy of the parameters. Evaluation parallel to training acts with snapshots
  /// while the learner updates the originals. The default, clone(), is right for a policy whose
  /// parameters never change; a policy that learns must override it (TrainablePolicy's default
  /// is null). Null means the policy cannot be snapshotted.
  virtual std::shared_ptr<Policy> snapshot() const { return clone(); }

 private:
  SpacePtr observation_space_;
  SpacePtr action_space_;
};

}  // namespace phantom
