// The rollout runner: runs given policies in an env over a grid of parameters, many times, on a
// pool of worker threads, and records every episode as a Rollout (rollout.hpp).
//
//   phantom::RolloutPolicies policies;
//   policies.mapping.add("shop", phantom::agent_ids({"SHOP"}));
//   policies.policies = trained.policies;                  // e.g. TrainingResults::policies
//   phantom::EnvConfig config{{"price", phantom::linspace_range(1, 2, 5)}};
//   phantom::RolloutOptions options;
//   options.num_repeats = 100;
//   options.workers = 2;
//   phantom::RolloutRunner runner(make_env, config, policies, options);
//   runner.run([&](const phantom::Rollout& r) { csv.write(r); });   // 500 episodes, in order
//
// The grid. Every Range in the env config (in entry order), then every Range in the env's
// supertype and in its agents' supertypes (network order, field order) is an axis
// (range_grid.hpp). Each point runs num_repeats episodes: rollout r is point r / num_repeats,
// repeat r % num_repeats. The env is built by the factory with the point's config (each Range
// entry replaced by its value: a float, or a one-element array for a UnitArray range);
// supertype fields holding a Range get the point's value before the episode.
//
// Seeds. Episode (point, repeat) resets its env with a seed derived from (options.seed, point,
// repeat), and each agent's policy draws from a generator derived from the same triple and the
// agent's position. So a rollout's content does not depend on the number of workers, on the
// batch size, or on which worker ran it: the output is identical for 1, 2 or N workers.
//
// Execution. Rollouts are cut into batches of up to options.batch_size consecutive ids (with
// several workers the last batches are smaller, so that the workers finish together:
// rollout_batch_starts); a worker steps the envs of a batch together and asks each policy for
// the actions of all of them at once (Policy::compute_actions). Every episode ends when the env
// says it is done (or after max_steps). Each worker takes the next batch as soon as it is free,
// and the calling thread
// (itself a worker) hands finished rollouts to the sink in rollout-id order as soon as they are
// ready (ordered_jobs.hpp). Only a few batches per worker are in flight at a time, so a sweep of
// any size streams through a bounded amount of memory. run_range runs a slice of the ids only,
// for a process that runs part of a sweep on behalf of another (mpi/rollout_ranks.hpp).
//
// Requirements on the inputs (checked where possible, with ConfigErrors that say what to change):
//  - the env config holds no Sampler (as in Python: randomness comes from the seeds, and one
//    sampler object shared by envs on several threads would race);
//  - the factory may be called from several worker threads at once, and must give each env its
//    own supertype objects and samplers, and reuse the Range objects of the config or of the
//    first env it built (a Range is recognised by identity);
//  - with more than one worker, every policy must implement Policy::clone() (each worker acts
//    with its own clone; with one worker, a policy without clone() is used itself, and its
//    explore mode is set);
//  - an env is reused for the next episode of the same config on the same worker, so reset(seed)
//    must restore everything an episode depends on (PhantomEnv's contract).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/range_grid.hpp"
#include "analysis/rollout.hpp"
#include "nn/error.hpp"
#include "phantom/env_config.hpp"
#include "phantom/env_signature.hpp"
#include "phantom/metrics.hpp"
#include "phantom/policy.hpp"
#include "phantom/policy_config.hpp"
#include "phantom/policy_mapping.hpp"

namespace nn {
class ThreadPool;
}

namespace phantom {

/// Which policy drives each strategic agent.
struct RolloutPolicies {
  /// Agents to policy ids (kinds are ignored: every policy is given below).
  PolicyMapping mapping;
  /// The policies by id, e.g. the TrainingResults::policies of Trainer::train or Trainer::load.
  std::map<std::string, std::shared_ptr<Policy>> policies;
  /// Agents whose mapped policy is replaced by a fixed one, by agent id. Each worker builds its
  /// own instance with factory(observation space, action space, config).
  std::map<std::string, PolicyFactory> custom;
  /// The config given to the custom factories.
  PolicyConfig custom_config;
};

/// How to run the sweep.
struct RolloutOptions {
  /// Episodes per grid point (>= 1).
  int num_repeats = 1;
  /// Worker threads, the calling thread included (>= 1).
  int workers = 1;
  /// Envs a worker steps together, and so the largest batch a policy is asked for (>= 1).
  int batch_size = 1;
  /// Every seed derives from this one.
  uint64_t seed = 0;
  /// Whether stochastic policies sample (true) or take their most likely action (false).
  bool explore = false;
  /// Record every step (Rollout::steps). Off, a rollout holds only its header and metrics: a
  /// sweep that needs only the metrics runs faster (nothing is copied per step).
  bool record_steps = true;
  /// Record every message of every step (Step::messages; needs record_steps).
  bool record_messages = false;
  /// Steps after which an episode is cut off even if the env is not done (0: no limit).
  int64_t max_steps = 0;
  /// Recorded after every step and reduced with their eval action into Rollout::metrics.
  NamedMetrics metrics;
  bool show_progress = true;
  std::ostream* progress_out = nullptr;  // null: std::cerr
};

/// Receives each finished rollout, in rollout-id order, on the calling thread. The reference is
/// valid during the call only (copy what must outlive it).
using RolloutSink = std::function<void(const Rollout& rollout)>;

/// What RolloutRunner::run_range throws when the env or a policy fails during a rollout: the
/// rollout's id and seed, and the original error's message after them. A process that runs a
/// slice of the sweep for someone else (mpi/rollout_ranks.hpp) sends these to say what failed.
class RolloutFailure : public Error {
 public:
  RolloutFailure(std::size_t rollout_id, uint64_t seed, const std::string& what)
      : Error(what), rollout_id_(rollout_id), seed_(seed) {}
  /// The rollout that was running (for a policy call acting for several rollouts at once, the
  /// first of them; the message says how many).
  std::size_t rollout_id() const { return rollout_id_; }
  /// The seed its env was reset with.
  uint64_t seed() const { return seed_; }

 private:
  std::size_t rollout_id_;
  uint64_t seed_;
};

class RolloutRunner {
 public:
  /// Checks everything that can be checked up front: the options, the config, the grid, the
  /// policies (one for every policy id the mapping uses, with the agents' spaces) and the custom
  /// mapping (strategic agents only). Builds one env (with each Range at its first value) to do
  /// so. Throws ConfigError saying what is wrong.
  RolloutRunner(EnvFactory make_env, EnvConfig env_config, RolloutPolicies policies,
                RolloutOptions options);
  ~RolloutRunner();
  RolloutRunner(const RolloutRunner&) = delete;
  RolloutRunner& operator=(const RolloutRunner&) = delete;

  const RangeGrid& grid() const { return grid_; }
  /// grid().size() * num_repeats.
  std::size_t size() const { return grid_.size() * static_cast<std::size_t>(options_.num_repeats); }
  /// The env config at grid point `point` (each config Range replaced by its value).
  EnvConfig config_at(std::size_t point) const;
  /// The seed episode (point, repeat) resets its env with.
  uint64_t episode_seed(std::size_t point, int repeat) const;

  /// Runs every rollout and gives each to `sink` in rollout-id order. Exceptions from the env,
  /// the policies or the sink propagate (after the workers have stopped). The worker threads,
  /// their policy instances and their envs are made by the first run and kept for the next ones
  /// (a second run gives the same rollouts, without rebuilding anything). One run at a time.
  void run(const RolloutSink& sink);
  /// Runs every rollout and returns them in rollout-id order.
  std::vector<Rollout> collect();
  /// Runs rollouts [first, first + count) only, a slice of the sweep, and gives each to `sink`
  /// in rollout-id order: each is the rollout run() gives for its id (a rollout depends only on
  /// its id). Without a progress bar. Where run() lets an error of the env or a policy propagate
  /// as it is, this throws RolloutFailure naming the rollout (errors of the sink propagate as
  /// they are). Throws ValueError if the slice does not lie within [0, size()).
  void run_range(std::size_t first, std::size_t count, const RolloutSink& sink);

  /// The options the runner was made with.
  const RolloutOptions& options() const { return options_; }

 private:
  struct Worker;
  struct EnvSlot;
  /// One rollout of the batches in flight, on cache lines of its own: neighbouring slots are
  /// written step by step by different threads, and sharing a line would make the two cores
  /// take it from each other at every write (false sharing).
  struct alignas(64) RolloutSlot {
    Rollout rollout;
  };
  std::unique_ptr<Worker> make_worker() const;
  // Runs rollouts [first, first + count) on the pool; see run() and run_range().
  void run_ids(std::size_t first, std::size_t count, const RolloutSink& sink, bool show_progress,
               bool name_failures);
  // Runs one batch; with name_failures, an error of the env or a policy becomes a RolloutFailure.
  void run_batch(Worker& worker, std::size_t first, std::size_t count, RolloutSlot* out,
                 bool name_failures) const;
  void step_batch(Worker& worker, std::size_t first, std::size_t count, RolloutSlot* out) const;
  void start_episode(EnvSlot& slot, std::size_t rollout_id, Rollout& out) const;
  void bind_supertype_ranges(EnvSlot& slot) const;

  EnvFactory make_env_;
  EnvConfig env_config_;
  RolloutPolicies policies_;
  RolloutOptions options_;
  RangeGrid grid_;
  /// The config entries that are Ranges (name, axis), in entry order: the first axes.
  std::vector<std::pair<std::string, std::size_t>> config_axes_;
  /// Points per config combination (the product of the supertype axes' sizes).
  std::size_t points_per_config_ = 1;
  ResolvedPolicies resolved_;
  std::vector<std::string> agent_ids_;
  std::vector<int64_t> observation_sizes_, action_sizes_;
  /// The first env's strategic agents, which every env built later must have.
  EnvSignature first_env_;
  /// Made by the first run(): the threads, and each one's policies and envs.
  std::unique_ptr<nn::ThreadPool> pool_;
  std::vector<std::unique_ptr<Worker>> workers_;
  /// Per worker, the rollouts of the batches it has in flight (ordered_jobs.hpp), reused from
  /// run to run.
  std::vector<std::vector<RolloutSlot>> slots_;
};

/// How the runner cuts `total` rollouts into batches for `workers` workers: the first rollout
/// of each batch, then `total` (so batch b is [starts[b], starts[b + 1])). Batches hold `batch`
/// rollouts (the last one fewer); with two or more workers, a batch holds at most
/// 1 / (2 x workers) of the rollouts left but at least a quarter of `batch` (rounded up), so the
/// last batches shrink and the workers finish close together. batch >= 1.
std::vector<std::size_t> rollout_batch_starts(std::size_t total, std::size_t batch,
                                              std::size_t workers);

/// RolloutRunner(...).collect(): every rollout, in rollout-id order.
std::vector<Rollout> run_rollouts(const EnvFactory& make_env, const EnvConfig& env_config,
                                  const RolloutPolicies& policies, const RolloutOptions& options);

}  // namespace phantom
