// Exploration: how a policy turns its action distribution into the action it actually takes.
//
// A policy network gives, for each agent it acts for, a distribution over actions (logits,
// Q-values, a Gaussian mean...). What to *do* with that distribution is a separate choice:
// sample it (policy gradients), take the best action most of the time and a random one
// sometimes (epsilon-greedy for Q-learning), add decaying noise to a deterministic action
// (DDPG-style continuous control), or act uniformly at random. Keeping that choice in its own
// object, picked by name in the policy's config, lets one network serve every strategy, and lets
// evaluation switch exploration off with one flag (`explore = false`) without touching the
// policy.
//
//   std::unique_ptr<Exploration> ex = make_exploration(config, {action_space, worker, workers});
//   ex->get_exploration_action(dist, timestep, /*explore=*/true, rng, actions, logp);
//
// THE deterministic action (what explore = false returns) is defined once, by
// deterministic_action() below, for every distribution type:
//
//   Categorical        index of the largest logit (the first one on ties)
//   MultiCategorical   that, per component
//   DiagGaussian       the mean
//   Bernoulli          1 where the logit is > 0, else 0 (so a logit of exactly 0 gives 0)
//
// The log-prob contract (logp, one float per row): when the action was sampled from the
// distribution it is that action's log-probability under the distribution that was sampled; when
// the action is deterministic, uniformly random, noise-perturbed or epsilon-greedy it is 0.
//
// Actions are written in the action space's flat layout (see phantom/space.hpp). The only place
// where that differs from the distribution's own numbers is a Discrete space whose start is not
// 0: category i of the Categorical is the action start + i, so the explorations add the start
// (log-probs are always of the category index).
//
// Randomness comes only from the Rng passed to each call, so the same generator state and inputs
// give bit-identical actions. Classes keep a little state of their own (the last timestep, the
// Ornstein-Uhlenbeck process), saved and restored with save()/load().
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "nn/distributions.hpp"
#include "nn/rng.hpp"
#include "nn/serialize.hpp"
#include "phantom/policy_config.hpp"
#include "phantom/space.hpp"

namespace phantom {

/// What an exploration may know about where it runs.
struct ExplorationContext {
  /// The space actions are written in. Classes that draw random actions or clip to bounds need
  /// it (and say so in their constructor); the others also accept null.
  SpacePtr action_space;
  /// 0 for the local (driver) worker, 1..num_workers for remote ones.
  int worker_index = 0;
  /// Number of remote workers (0 when everything samples locally).
  int num_workers = 0;
};

/// Writes each row's deterministic action into `actions` (dist.action_dim() floats per row,
/// row-major): the table at the top of this file. This is THE definition of the deterministic
/// action; explorations, evaluation and tests all use it. Categorical indices are written as
/// indices (no Discrete start added). A Distribution type not in the table falls back to its
/// mode(). Allocates nothing for the four built-in types.
void deterministic_action(const nn::Distribution& dist, float* actions);

/// The interface of every exploration strategy.
class Exploration {
 public:
  explicit Exploration(ExplorationContext context);
  virtual ~Exploration() = default;
  Exploration(const Exploration&) = delete;
  Exploration& operator=(const Exploration&) = delete;

  /// Chooses one action per row of `dist`: writes dist.batch_size() actions of
  /// dist.action_dim() floats each (row-major, the action space's flat layout) into `actions`,
  /// and each row's log-prob (see the contract above) into `logp`, which may be null when the
  /// caller does not need it. `timestep` is the global timestep that drives schedules and random
  /// warm-up phases; `explore` = false asks for the deterministic action (a per-call choice: the
  /// caller resolves any config default before calling) and then draws nothing from `rng` and
  /// changes no state but the last timestep. Afterwards last_timestep() == `timestep`.
  ///
  /// Throws ShapeError if dist.action_dim() does not match the action space, and ValueError if the
  /// class cannot use this kind of distribution (naming it). Strategies that sample the
  /// distribution allocate their sample and log-prob tensors (in the tape arena when a TapeScope
  /// is open); the others allocate nothing.
  void get_exploration_action(const nn::Distribution& dist, int64_t timestep, bool explore,
                              nn::Rng& rng, float* actions, float* logp);

  /// Called when an episode that this policy acts in starts / ends. No built-in class uses them
  /// (the Ornstein-Uhlenbeck state is deliberately kept across episodes).
  virtual void on_episode_start() {}
  virtual void on_episode_end() {}

  /// Saves the class name, the last timestep and any class state under `prefix`
  /// ("<prefix>.type", "<prefix>.last_timestep", ...).
  void save(nn::StateDict& out, const std::string& prefix) const;
  /// Restores what save() wrote. Throws FormatError if the entries are missing or were saved by
  /// another exploration class or for another action shape.
  void load(const nn::StateDict& in, const std::string& prefix);

  /// The class name, as used for "type" in the config ("EpsilonGreedy", ...).
  virtual const char* name() const = 0;
  /// Whether every explored action's logp is the true log-probability with which it was
  /// chosen, so that exp(logp) is a behaviour probability an off-policy estimator can divide
  /// by. False (the default) for the classes whose logp is 0 by the contract above
  /// (epsilon-greedy, random, noise); true for the classes that sample a distribution.
  virtual bool logp_is_probability() const { return false; }

  /// The timestep of the last successful get_exploration_action call (0 before the first).
  int64_t last_timestep() const { return last_timestep_; }
  const ExplorationContext& context() const { return context_; }

 protected:
  /// Writes action_space().sample(rng) into each of `rows` rows (logp is the caller's job).
  /// Requires a non-null action space.
  void write_random(int64_t rows, nn::Rng& rng, float* actions) const;
  /// deterministic_action() plus the Discrete start.
  void write_deterministic(const nn::Distribution& dist, float* actions) const;
  /// dist.sample(rng) plus the Discrete start, and (if logp is not null) dist.log_prob of the
  /// sample.
  void write_sample(const nn::Distribution& dist, nn::Rng& rng, float* actions, float* logp) const;
  /// Sets `rows` log-probs to 0 (nothing if logp is null).
  static void write_zero_logp(int64_t rows, float* logp);
  /// The start of a Discrete action space (added to Categorical indices), else 0.
  float discrete_start() const { return discrete_start_; }
  /// Throws ConfigError naming this class unless the action space is set. (Call it from the
  /// constructor body of a final class, where name() is already the class's own.)
  void require_action_space() const;

 private:
  /// The strategy itself; called by get_exploration_action after the shape checks.
  virtual void explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore,
                            nn::Rng& rng, float* actions, float* logp) = 0;
  /// Class state beyond the last timestep (default: none).
  virtual void save_state(nn::StateDict&, const std::string&) const {}
  virtual void load_state(const nn::StateDict&, const std::string&) {}

  ExplorationContext context_;
  float discrete_start_ = 0.0f;  // the start of a Discrete action space, else 0
  int64_t last_timestep_ = 0;
};

/// The exploration type names make_exploration accepts, comma-separated (for messages).
const char* exploration_type_names();

/// Builds the exploration that `config` describes. The key "type" names the class (missing:
/// StochasticSampling); every other key is one of that class's options, spelt as the fields of
/// its options struct (e.g. "initial_epsilon", "random_timesteps"). Throws ConfigError naming
/// the policy and the culprit for an unknown type (listing the valid ones), an unknown key
/// (listing the known ones), a value that does not convert or an invalid option value, or an
/// action space the class cannot handle.
std::unique_ptr<Exploration> make_exploration(const PolicyConfig& config,
                                              const ExplorationContext& context);

}  // namespace phantom
