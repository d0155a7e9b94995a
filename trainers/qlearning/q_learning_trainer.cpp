// QLearningTrainer: setup, the episode loop, the update, checkpoints.
#include "trainers/qlearning/q_learning_trainer.hpp"

#include <cmath>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

// Streams derived from the run's seed, one per purpose.
constexpr uint64_t kRunnerStream = 1, kExploreStream = 2, kPolicyStream = 3;

void check_range(const char* name, double value, double lo, double hi, bool lo_open) {
  bool ok = (lo_open ? value > lo : value >= lo) && value <= hi;
  if (!ok) {
    throw ConfigError(std::string("QLearningOptions: ") + name + " = " + double_string(value) +
                      ", expected " + (lo_open ? "(" : "[") + double_string(lo) + ", " +
                      double_string(hi) + "]");
  }
}

}  // namespace

QLearningTrainer::QLearningTrainer(QLearningOptions options)
    : Trainer("qlearning"), options_(options) {
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
}

double QLearningTrainer::epsilon_at(int64_t iteration) const {
  int64_t n = options_.epsilon_decay_iterations;
  if (n == 0) return options_.epsilon;
  if (iteration >= n) return options_.epsilon_final;
  double f = static_cast<double>(iteration) / static_cast<double>(n);
  return options_.epsilon + (options_.epsilon_final - options_.epsilon) * f;
}

std::vector<std::string> QLearningTrainer::stat_names() const {
  return {"epsilon", "q_updates", "td_error_mean"};
}

void QLearningTrainer::setup(Setup& s) {
  const TrainOptions& run = *s.options;
  const ResolvedPolicies& resolved = *s.resolved;
  nn::Rng root(run.seed);
  runner_.reset();
  runner_.emplace((*s.make_env)(*s.env_config), root.derive(kRunnerStream).next_u64(), run.metrics);
  explore_rng_ = root.derive(kExploreStream);
  policy_rng_ = root.derive(kPolicyStream);
  iterations_done_ = 0;

  tables_.clear();
  table_ids_.clear();
  std::vector<QTablePolicy*> trained(resolved.policies.size(), nullptr);
  for (std::size_t p = 0; p < resolved.policies.size(); ++p) {
    const ResolvedPolicy& rp = resolved.policies[p];
    if (!rp.of_trainer_kind) continue;
    if (!rp.config.empty()) {
      throw ConfigError("policy '" + rp.id + "': unknown config key '" +
                        rp.config.items().front().first +
                        "' (qlearning policies take no config; alpha, gamma and epsilon are "
                        "QLearningOptions)");
    }
    auto table = std::make_shared<QTablePolicy>(rp.observation_space, rp.action_space, rp.id);
    (*s.policies)[p] = table;
    if (rp.trained) trained[p] = table.get();
    tables_.push_back(table);
    table_ids_.push_back(rp.id);
  }
  PhantomEnv& env = runner_->env();
  if (static_cast<std::size_t>(env.num_strategic()) != resolved.policy_of_position.size()) {
    throw ConfigError("qlearning trainer: the env factory built envs with different agents (" +
                      std::to_string(env.num_strategic()) + " and " +
                      std::to_string(resolved.policy_of_position.size()) +
                      " strategic agents) from one config");
  }
  seats_.assign(resolved.policy_of_position.size(), Seat{});
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    auto p = static_cast<std::size_t>(resolved.policy_of_position[i]);
    seats_[i].table = trained[p];
    seats_[i].policy = (*s.policies)[p].get();
  }
}

void QLearningTrainer::training_step(int, IterationStats& stats) {
  double epsilon = epsilon_at(iterations_done_);
  updates_ = 0;
  td_error_sum_ = 0.0;
  for (int e = 0; e < options_.episodes_per_iteration; ++e) run_episode(epsilon, stats);
  ++iterations_done_;
  stats.set_stat("epsilon", epsilon);
  stats.set_stat("q_updates", static_cast<double>(updates_));
  stats.set_stat("td_error_mean",
                 updates_ ? td_error_sum_ / static_cast<double>(updates_) : std::nan(""));
}

void QLearningTrainer::run_episode(double epsilon, IterationStats& stats) {
  for (Seat& seat : seats_) seat.state = -1;
  const StepResult* r = &runner_->reset();
  // Python's loop read `not terminated or truncated` and never stopped once truncated.
  do {
    choose_actions(*r, epsilon);
    r = &runner_->step(stats);
    learn(*r);
  } while (!r->done());
}

void QLearningTrainer::choose_actions(const StepResult& r, double epsilon) {
  Actions& actions = runner_->actions();
  actions.clear();
  for (int i = 0; i < r.size(); ++i) {
    if (!r.acts(i)) continue;  // the env's rule: observed, still in the episode, its stage
    Seat& seat = seats_[static_cast<std::size_t>(i)];
    float* out = actions.set(i);
    if (!seat.table) {
      seat.policy->compute_action(r.observation(i), out, policy_rng_);
      continue;
    }
    QTablePolicy& q = *seat.table;
    int64_t s = q.state_of(r.observation(i));
    // Drawn for every action, explored or not, as in Python.
    bool explore = static_cast<double>(explore_rng_.uniform()) < epsilon;
    int64_t a = explore ? explore_rng_.uniform_int(q.num_actions()) : q.greedy(s);
    q.write_action(a, out);
    seat.state = s;
    seat.action = a;
    seat.reward = 0.0;
  }
}

void QLearningTrainer::learn(const StepResult& r) {
  for (int i = 0; i < r.size(); ++i) {
    Seat& seat = seats_[static_cast<std::size_t>(i)];
    if (seat.state < 0) continue;  // no pending transition (or not learning)
    if (r.has_reward(i)) seat.reward += r.reward(i);
    bool terminated = r.all_terminated || (r.reported(i) && r.terminated(i));
    bool truncated = r.all_truncated || (r.reported(i) && r.truncated(i));
    if (r.observed(i)) {
      double target = seat.reward;
      if (!terminated) {
        target += options_.gamma * seat.table->max_q(seat.table->state_of(r.observation(i)));
      }
      update(seat, target);
    } else if (terminated) {
      update(seat, seat.reward);
    } else if (truncated) {
      seat.state = -1;  // cut off with nothing to bootstrap from: no update (see the header)
    }
  }
}

void QLearningTrainer::update(Seat& seat, double target) {
  double& q = seat.table->q(seat.state, seat.action);
  td_error_sum_ += std::fabs(target - q);
  ++updates_;
  q = (1.0 - options_.alpha) * q + options_.alpha * target;
  seat.state = -1;
}

void QLearningTrainer::save_state(nn::StateDict& out) const {
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    tables_[t]->save(out, "qlearning.table." + table_ids_[t]);
  }
  out.set_rng("qlearning.explore_rng", explore_rng_);
  out.set_rng("qlearning.policy_rng", policy_rng_);
  out.set_int("qlearning.epsilon_iteration", iterations_done_);
  runner_->save(out, "qlearning.runner");
}

void QLearningTrainer::load_state(const nn::StateDict& in) {
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    tables_[t]->load(in, "qlearning.table." + table_ids_[t]);
  }
  explore_rng_ = in.get_rng("qlearning.explore_rng");
  policy_rng_ = in.get_rng("qlearning.policy_rng");
  iterations_done_ = in.get_int("qlearning.epsilon_iteration");
  runner_->load(in, "qlearning.runner");
}

}  // namespace phantom
