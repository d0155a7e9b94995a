// Epsilon-greedy exploration for Q-value policies, and its fixed per-worker variant (Ape-X).
//
// A Q-learning policy's "distribution" is a Categorical whose logits are the Q-values. Acting
// greedily on them never tries the actions it currently rates low, so it may never learn that
// they are better. Epsilon-greedy takes a uniformly random action with probability epsilon and
// the greedy one otherwise, with epsilon annealed from a high to a low value as training
// proceeds (explore early, exploit later).
//
// Action masking: a logit equal to std::numeric_limits<float>::lowest() (or -inf) marks an
// action that is not allowed in this state. Such an action is never chosen, neither as the
// random action (drawn uniformly among the allowed ones) nor as the greedy one.
//
// PerWorkerEpsilonGreedy gives every sampling worker its own fixed epsilon instead of one
// annealed value, so that together the workers cover a range from very exploratory to almost
// greedy (the Ape-X scheme): with N remote workers, worker i in 1..N gets
//   epsilon_i = 0.4 ^ (1 + 7 (i - 1) / (N - 1))     (denominator 1 when N = 1)
// and the local worker (index 0), which only evaluates, gets 0.
#pragma once

#include <cstdint>
#include <memory>

#include "trainers/sampling/exploration.hpp"
#include "trainers/sampling/schedule.hpp"

namespace phantom {

/// Options of EpsilonGreedy (and of PerWorkerEpsilonGreedy when there are no remote workers).
struct EpsilonGreedyOptions {
  /// Epsilon during the warm-up and at the start of the annealing, in [0, 1].
  double initial_epsilon = 1.0;
  /// Epsilon once annealing is over, in [0, 1].
  double final_epsilon = 0.05;
  /// Timesteps over which epsilon falls linearly from initial to final (>= 0).
  int64_t epsilon_timesteps = 100000;
  /// Timesteps at the start during which epsilon stays at its initial value (>= 0).
  int64_t warmup_timesteps = 0;
  /// When set, replaces the schedule the four fields above describe (C++ use only).
  std::shared_ptr<const Schedule> epsilon_schedule;
};

/// Epsilon-greedy on the logits (Q-values) of a Categorical. The epsilon at timestep t is
///   PiecewiseSchedule({(0, initial), (warmup, initial), (warmup + T, final)}, outside = final)
/// so it is `final` for t < 0 as well. logp is always 0.
class EpsilonGreedy : public Exploration {
 public:
  /// Throws ConfigError for an option out of range, or an action space that is not Discrete
  /// (a null action space is accepted).
  explicit EpsilonGreedy(ExplorationContext context, const EpsilonGreedyOptions& options = {});

  const char* name() const override { return "EpsilonGreedy"; }

  /// Epsilon at timestep t.
  double epsilon(int64_t t) const { return schedule_->value(t); }
  /// Epsilon at last_timestep().
  double current_epsilon() const { return epsilon(last_timestep()); }

 protected:
  /// For subclasses that pick their own schedule (not null); `who` names the class in errors.
  EpsilonGreedy(ExplorationContext context, std::shared_ptr<const Schedule> schedule,
                const char* who);

 private:
  /// Per row: explore draws u = rng.uniform_double(); if u < epsilon, an allowed action chosen
  /// by rng.uniform_int over the allowed ones (2 more words); else the greedy action. Without
  /// explore the greedy action, with no draws. Throws ValueError if `dist` is not a Categorical
  /// or a row has no allowed action.
  void explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore, nn::Rng& rng,
                    float* actions, float* logp) override;

  std::shared_ptr<const Schedule> schedule_;
};

/// EpsilonGreedy with a fixed epsilon per worker (see the top of this file); with no remote
/// workers (num_workers == 0) it anneals exactly like EpsilonGreedy with `options`.
class PerWorkerEpsilonGreedy final : public EpsilonGreedy {
 public:
  /// Throws ConfigError if worker_index is not in [0, num_workers] (or the EpsilonGreedy
  /// conditions).
  explicit PerWorkerEpsilonGreedy(ExplorationContext context,
                                  const EpsilonGreedyOptions& options = {});

  const char* name() const override { return "PerWorkerEpsilonGreedy"; }

  /// The fixed epsilon of worker `worker_index` of `num_workers` > 0 remote workers.
  static double worker_epsilon(int worker_index, int num_workers);
};

}  // namespace phantom
