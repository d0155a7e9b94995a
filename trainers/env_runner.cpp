// EnvRunner: seeded episodes, returns and metrics, and replayable checkpoints.
#include "trainers/env_runner.hpp"

#include <algorithm>

#include "nn/error.hpp"
#include "trainers/sampling/copy_values.hpp"

namespace phantom {

EnvRunner::EnvRunner(std::unique_ptr<PhantomEnv> env, uint64_t seed, NamedMetrics metrics)
    : env_(std::move(env)), seed_(seed), metrics_(std::move(metrics)) {
  if (!env_) throw ConfigError("EnvRunner: the env factory returned null");
  actions_ = env_->make_actions();
  running_return_.assign(static_cast<std::size_t>(env_->num_strategic()), 0.0);
  for (int i = 0; i < env_->num_strategic(); ++i) {
    action_size_.push_back(
        static_cast<std::size_t>(env_->strategic_agent(i).action_space()->flat_size()));
    step_width_ += action_size_.back() + 1;
  }
}

uint64_t EnvRunner::episode_seed(int64_t episode) const {
  // One generator per (runner seed, episode): its first word seeds the episode.
  return nn::Rng(seed_, static_cast<uint64_t>(episode)).next_u64();
}

const StepResult& EnvRunner::reset() {
  const uint64_t seed = episode_seed(episode_);
  episode_steps_ = 0;
  const StepResult* result = nullptr;
  try {
    result = &env_->reset(seed);
  } catch (...) {
    failure_ = Failure{seed, 0};
    throw;
  }
  const StepResult& r = *result;
  ++episode_;
  std::fill(running_return_.begin(), running_return_.end(), 0.0);
  metrics_.clear();
  logged_ = 0;
  return r;
}

const StepResult& EnvRunner::step(IterationStats& stats) {
  // Records the step's actions: presence flag and action of every agent, in position order. The
  // vector's size is its capacity, doubled when full, so that a step costs no call: it grows
  // during the first long episode only.
  if (logged_ + step_width_ > action_log_.size())
    action_log_.resize(std::max(2 * action_log_.size(), logged_ + step_width_));
  float* out = action_log_.data() + logged_;
  logged_ += step_width_;
  for (std::size_t i = 0; i < action_size_.size(); ++i) {
    const bool present = actions_.has(static_cast<int>(i));
    *out++ = present ? 1.0f : 0.0f;
    const std::size_t n = action_size_[i];
    if (present) {
      copy_values(actions_.get(static_cast<int>(i)), static_cast<int64_t>(n), out);
    } else {
      std::fill_n(out, n, 0.0f);
    }
    out += n;
  }
  ++episode_steps_;
  const StepResult* result = nullptr;
  try {
    result = &env_->step(actions_);
  } catch (...) {
    failure_ = Failure{episode_seed(episode_ - 1), episode_steps_};
    throw;
  }
  const StepResult& r = *result;
  if (!metrics_.empty()) metrics_.record(*env_);
  ++stats.env_steps;
  for (int i = 0; i < r.size(); ++i) {
    if (r.reported(i) || r.observed(i)) ++stats.agent_steps;
    if (r.has_reward(i)) running_return_[static_cast<std::size_t>(i)] += r.reward(i);
  }
  if (r.done()) finish_episode(stats);
  return r;
}

void EnvRunner::finish_episode(IterationStats& stats) {
  ++stats.episodes;
  for (std::size_t i = 0; i < running_return_.size(); ++i) {
    stats.returns[i].add(running_return_[i]);
    stats.finished_returns[i].push_back(running_return_[i]);
  }
  if (metrics_.empty()) return;
  std::vector<ReducedMetric> reduced = metrics_.reduced(metric_mode_);
  for (std::size_t k = 0; k < reduced.size(); ++k) {
    if (reduced[k].value) stats.metrics[k].add(*reduced[k].value);
  }
}

void EnvRunner::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_int(prefix + ".episode", episode_ - 1);
  int64_t steps = static_cast<int64_t>(logged_) / log_width();
  out.set_int(prefix + ".steps", steps);
  nn::Tensor log = nn::Tensor::zeros({std::max<int64_t>(steps, 1), log_width()});
  std::copy_n(action_log_.begin(), logged_, log.data());
  out.set_tensor(prefix + ".actions", log);
}

void EnvRunner::load(const nn::StateDict& in, const std::string& prefix) {
  int64_t episode = in.get_int(prefix + ".episode");
  int64_t steps = in.get_count(prefix + ".steps");
  const nn::Tensor& log = in.tensor(prefix + ".actions");
  if (episode < -1 || steps < 0 || (episode == -1 && steps != 0) || log.dim(1) != log_width() ||
      log.dim(0) < steps) {
    throw FormatError(in.source() + ": env runner '" + prefix +
                      "': the saved actions do not fit this env (" +
                      std::to_string(env_->num_strategic()) + " strategic agents)");
  }
  episode_ = episode;
  if (episode < 0) {  // saved before its first reset(): nothing to replay
    episode_ = 0;
    return;
  }
  reset();
  IterationStats scratch;  // replayed steps were already counted before the checkpoint
  scratch.reset(running_return_.size(), metrics_.size());
  for (int64_t s = 0; s < steps; ++s) {
    const float* in_step = log.data() + s * log.dim(1);
    actions_.clear();
    for (int i = 0; i < env_->num_strategic(); ++i) {
      std::size_t n = action_size_[static_cast<std::size_t>(i)];
      if (*in_step++ != 0.0f) std::copy_n(in_step, n, actions_.set(i));
      in_step += n;
    }
    step(scratch);
  }
}

}  // namespace phantom
