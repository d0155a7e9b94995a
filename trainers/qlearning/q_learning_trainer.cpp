// QLearningTrainer: option checks, the tables and the worker, and the iteration plan.
#include "trainers/qlearning/q_learning_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

void check_range(const char* name, double value, double lo, double hi, bool lo_open) {
  bool ok = (lo_open ? value > lo : value >= lo) && value <= hi;
  if (!ok) {
    throw ConfigError(std::string("QLearningOptions: ") + name + " = " + double_string(value) +
                      ", expected " + (lo_open ? "(" : "[") + double_string(lo) + ", " +
                      double_string(hi) + "]");
  }
}

// Epsilon by iteration: linear from `epsilon` at 0 to `epsilon_final` at N, then constant.
std::shared_ptr<const Schedule> epsilon_by_iteration(const QLearningOptions& o) {
  if (o.epsilon_decay_iterations == 0) return std::make_shared<ConstantSchedule>(o.epsilon);
  return std::make_shared<PiecewiseSchedule>(
      std::vector<std::pair<int64_t, double>>{{0, o.epsilon},
                                              {o.epsilon_decay_iterations, o.epsilon_final}},
      o.epsilon_final);
}

// Switches exploration on for the trained tables of every worker while it lives: they explore
// only while the trainer samples with them, and act greedily for everyone else (results,
// rollouts).
class Exploring {
 public:
  Exploring(WorkerSet& workers, const std::vector<std::string>& ids)
      : workers_(workers), ids_(ids) {
    set(true);
  }
  ~Exploring() { set(false); }
  Exploring(const Exploring&) = delete;
  Exploring& operator=(const Exploring&) = delete;

 private:
  void set(bool on) { workers_.set_explore(ids_, on); }
  WorkerSet& workers_;
  const std::vector<std::string>& ids_;
};

}  // namespace

QLearningTrainer::QLearningTrainer(QLearningOptions options)
    : Trainer("qlearning"), options_(std::move(options)) {
  check_range("alpha", options_.alpha, 0.0, 1.0, true);
  check_range("gamma", options_.gamma, 0.0, 1.0, false);
  check_range("epsilon", options_.epsilon, 0.0, 1.0, false);
  check_range("epsilon_final", options_.epsilon_final, 0.0, 1.0, false);
  if (options_.epsilon_decay_iterations < 0) {
    throw ConfigError("QLearningOptions: epsilon_decay_iterations = " +
                      std::to_string(options_.epsilon_decay_iterations) + ", expected >= 0");
  }
  if (options_.episodes_per_iteration < 1) {
    throw ConfigError("QLearningOptions: episodes_per_iteration = " +
                      std::to_string(options_.episodes_per_iteration) + ", expected >= 1");
  }
  if (options_.exploration != "EpsilonGreedy" && options_.exploration != "SoftQ") {
    throw ConfigError("QLearningOptions: exploration = '" + options_.exploration +
                      "', expected 'EpsilonGreedy' or 'SoftQ'");
  }
  if (!(options_.softq_temperature > 0.0) || std::isinf(options_.softq_temperature)) {
    throw ConfigError("QLearningOptions: softq_temperature = " +
                      double_string(options_.softq_temperature) + ", expected a finite value > 0");
  }
  epsilon_ = std::make_shared<IterationSchedule>(epsilon_by_iteration(options_));
}

QLearningTrainer::~QLearningTrainer() = default;

double QLearningTrainer::epsilon_at(int64_t iteration) const {
  return epsilon_->value_at_iteration(iteration);
}

void QLearningTrainer::save_sampling_state(nn::StateDict& out) const {
  out.set_int("qlearning.epsilon_iteration", epsilon_->iteration());
}

void QLearningTrainer::load_sampling_state(const nn::StateDict& in) {
  epsilon_->set_iteration(in.get_count("qlearning.epsilon_iteration"));
}

std::vector<std::string> QLearningTrainer::stat_names() const {
  return {"epsilon", "q_updates", "td_error_mean"};
}

void QLearningTrainer::setup(Setup& s) {
  const ResolvedPolicies& resolved = *s.resolved;
  QTablePolicyOptions table_options;
  table_options.alpha = options_.alpha;
  table_options.gamma = options_.gamma;
  table_options.exploration = options_.exploration;
  table_options.epsilon_greedy.epsilon_schedule = epsilon_;
  table_options.soft_q.temperature = options_.softq_temperature;

  const OwnPolicyFactory make_table = [&resolved, table_options](std::size_t p) {
    const ResolvedPolicy& rp = resolved.policies[p];
    return std::make_shared<QTablePolicy>(rp.observation_space, rp.action_space, rp.id,
                                          table_options);
  };
  trained_.clear();
  for (std::size_t p = 0; p < resolved.policies.size(); ++p) {
    const ResolvedPolicy& rp = resolved.policies[p];
    if (rp.of_trainer_kind) {
      if (!rp.config.empty()) {
        throw ConfigError("policy '" + rp.id + "': unknown config key '" +
                          rp.config.items().front().first +
                          "' (qlearning policies take no config; alpha, gamma and epsilon are "
                          "QLearningOptions)");
      }
      (*s.policies)[p] = make_table(p);
      if (rp.trained) trained_.push_back(rp.id);
    }
  }
  std::sort(trained_.begin(), trained_.end());

  RolloutWorkerOptions w;
  // Exactly one whole episode per sample() of a worker: learning follows every episode (with
  // rollout workers, every round of one episode per worker).
  w.num_envs = 1;
  w.rollout_fragment_length = 1;
  w.batch_mode = BatchMode::complete_episodes;
  w.keep_episode_records = false;  // reported through collect_stats
  make_worker(s, std::move(w), make_table);
  learner_stats_.clear();
  for (const std::string& id : trained_) learner_stats_[id];
}

void QLearningTrainer::training_step(int iteration, IterationStats& stats) {
  epsilon_->set_iteration(iteration);
  int64_t updates = 0;
  double td_error_sum = 0.0;
  {
    Exploring exploring(workers(), trained_);
    // Rounds of one episode on each sampling worker; the last round only on as many as the
    // iteration still needs, so an iteration is always episodes_per_iteration episodes.
    const int per_round = std::max(1, workers().num_workers());
    for (int done = 0; done < options_.episodes_per_iteration; done += per_round) {
      if (done > 0) workers().sync_weights(std::nullopt);  // the tables as learnt so far
      MultiAgentBatch& episodes =
          next_batch(std::min(per_round, options_.episodes_per_iteration - done));
      for (auto& entry : learner_stats_) entry.second.reset();
      worker().learn_on_batch(episodes, learner_stats_);
      for (const auto& entry : learner_stats_) {
        const double n = entry.second.get("q_updates");
        if (!(n > 0.0)) continue;  // NaN: no rows of this policy in the episode
        updates += static_cast<int64_t>(n);
        td_error_sum += entry.second.get("td_error_mean") * n;
      }
    }
  }
  collect_stats(stats);
  sync_workers(stats);
  stats.set_stat("epsilon", options_.exploration == "EpsilonGreedy"
                                ? epsilon_at(iteration)
                                : std::numeric_limits<double>::quiet_NaN());
  stats.set_stat("q_updates", static_cast<double>(updates));
  stats.set_stat("td_error_mean", updates ? td_error_sum / static_cast<double>(updates)
                                          : std::numeric_limits<double>::quiet_NaN());
}

std::vector<std::string> QLearningTrainer::learned_columns() const {
  return {columns::kObs, columns::kActions, columns::kRewards, columns::kNewObs,
          columns::kTerminateds};
}

RecordedOptions QLearningTrainer::recorded_options() const {
  using Needed = TrainerOption::Needed;
  const QLearningOptions& o = options_;
  return {
      "QLearningOptions",
      {{"alpha", double_string(o.alpha), Needed::kToResume},
       {"gamma", double_string(o.gamma), Needed::kToResume},
       {"epsilon", double_string(o.epsilon), Needed::kToResume},
       {"epsilon_final", double_string(o.epsilon_final), Needed::kToResume},
       {"epsilon_decay_iterations", std::to_string(o.epsilon_decay_iterations), Needed::kToResume},
       {"episodes_per_iteration", std::to_string(o.episodes_per_iteration), Needed::kToResume},
       {"exploration", o.exploration, Needed::kToLoad},
       {"softq_temperature", double_string(o.softq_temperature), Needed::kToResume}}};
}

void QLearningTrainer::save_state(nn::StateDict& out) const {
  worker().save(out, "qlearning.worker");
}

void QLearningTrainer::load_state(const nn::StateDict& in) {
  worker().restore(in, "qlearning.worker");
}

}  // namespace phantom
