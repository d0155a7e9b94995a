// EpsilonGreedy and PerWorkerEpsilonGreedy (see epsilon_greedy.hpp).
#include "trainers/sampling/epsilon_greedy.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "nn/error.hpp"
#include "nn/libm.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

void check_epsilon(const char* who, const char* option, double value) {
  if (!(value >= 0.0 && value <= 1.0)) {
    throw ConfigError(std::string(who) + ": " + option + " = " + double_string(value) +
                      ", expected a probability in [0, 1]");
  }
}

void check_timesteps(const char* who, const char* option, int64_t value) {
  if (value < 0) {
    throw ConfigError(std::string(who) + ": " + option + " = " + std::to_string(value) +
                      ", expected >= 0");
  }
}

// The annealed schedule of the options (or their own schedule, when given).
std::shared_ptr<const Schedule> annealed_schedule(const char* who, const EpsilonGreedyOptions& o) {
  if (o.epsilon_schedule) return o.epsilon_schedule;
  check_epsilon(who, "initial_epsilon", o.initial_epsilon);
  check_epsilon(who, "final_epsilon", o.final_epsilon);
  check_timesteps(who, "epsilon_timesteps", o.epsilon_timesteps);
  check_timesteps(who, "warmup_timesteps", o.warmup_timesteps);
  int64_t warmup = o.warmup_timesteps, end = o.warmup_timesteps + o.epsilon_timesteps;
  return std::make_shared<PiecewiseSchedule>(
      std::vector<std::pair<int64_t, double>>{
          {0, o.initial_epsilon}, {warmup, o.initial_epsilon}, {end, o.final_epsilon}},
      o.final_epsilon);
}

// An action whose logit is at or below the lowest finite float is masked out.
bool is_allowed(float logit) {
  return !(logit <= std::numeric_limits<float>::lowest());
}

}  // namespace

// ---- EpsilonGreedy -----------------------------------------------------------------------------

EpsilonGreedy::EpsilonGreedy(ExplorationContext context, const EpsilonGreedyOptions& options)
    : EpsilonGreedy(std::move(context), annealed_schedule("EpsilonGreedy", options),
                    "EpsilonGreedy") {}

EpsilonGreedy::EpsilonGreedy(ExplorationContext context, std::shared_ptr<const Schedule> schedule,
                             const char* who)
    : Exploration(std::move(context)), schedule_(std::move(schedule)) {
  const SpacePtr& space = this->context().action_space;
  if (space && space->kind() != Kind::discrete) {
    throw ConfigError(std::string(who) +
                      " needs a Discrete action space (its logits are Q-values), got " +
                      space->to_string());
  }
  if (!schedule_) throw ConfigError(std::string(who) + ": the epsilon schedule is null");
}

void EpsilonGreedy::explore_rows(const nn::Distribution& dist, int64_t timestep, bool explore,
                                 nn::Rng& rng, float* actions, float* logp) {
  const auto* cat = dynamic_cast<const nn::Categorical*>(&dist);
  if (!cat) {
    throw ValueError(std::string(name()) +
                     " needs a Categorical whose logits are Q-values, got a " + dist.name());
  }
  int64_t rows = cat->batch_size(), n = cat->num_categories();
  const float* q = cat->logits().data();
  double epsilon = explore ? schedule_->value(timestep) : 0.0;
  float start = discrete_start();
  for (int64_t b = 0; b < rows; ++b) {
    const float* row = q + b * n;
    // One pass: the greedy action and the number of allowed actions.
    int64_t greedy = -1, allowed = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (!is_allowed(row[j])) continue;
      ++allowed;
      if (greedy < 0 || row[j] > row[greedy]) greedy = j;
    }
    if (allowed == 0) {
      throw ValueError(std::string(name()) + ": row " + std::to_string(b) +
                       " has no allowed action (every Q-value is the masking value)");
    }
    int64_t action = greedy;
    if (explore && rng.uniform_double() < epsilon) {
      // The k-th allowed action, k uniform in [0, allowed).
      int64_t k = rng.uniform_int(allowed);
      for (int64_t j = 0; j < n; ++j) {
        if (is_allowed(row[j]) && k-- == 0) {
          action = j;
          break;
        }
      }
    }
    actions[b] = static_cast<float>(action) + start;
  }
  write_zero_logp(rows, logp);
}

// ---- PerWorkerEpsilonGreedy --------------------------------------------------------------------

double PerWorkerEpsilonGreedy::worker_epsilon(int worker_index, int num_workers) {
  if (worker_index == 0) return 0.0;
  double denominator = num_workers > 1 ? static_cast<double>(num_workers - 1) : 1.0;
  return nn::libm::pow(0.4, 1.0 + 7.0 * static_cast<double>(worker_index - 1) / denominator);
}

namespace {

std::shared_ptr<const Schedule> per_worker_schedule(const ExplorationContext& c,
                                                    const EpsilonGreedyOptions& o) {
  if (c.num_workers < 0 || c.worker_index < 0 ||
      (c.num_workers > 0 && c.worker_index > c.num_workers)) {
    throw ConfigError("PerWorkerEpsilonGreedy: worker_index = " + std::to_string(c.worker_index) +
                      " with num_workers = " + std::to_string(c.num_workers) +
                      ", expected 0 <= worker_index <= num_workers");
  }
  if (c.num_workers == 0) return annealed_schedule("PerWorkerEpsilonGreedy", o);
  return std::make_shared<ConstantSchedule>(
      PerWorkerEpsilonGreedy::worker_epsilon(c.worker_index, c.num_workers));
}

}  // namespace

PerWorkerEpsilonGreedy::PerWorkerEpsilonGreedy(ExplorationContext context,
                                               const EpsilonGreedyOptions& options)
    : EpsilonGreedy(context, per_worker_schedule(context, options), "PerWorkerEpsilonGreedy") {}

}  // namespace phantom
