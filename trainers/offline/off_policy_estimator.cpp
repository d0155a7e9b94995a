// OffPolicyEstimator: IS and WIS over each agent's episode pieces of a batch.
#include "trainers/offline/off_policy_estimator.hpp"

#include <algorithm>
#include <cmath>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

OffPolicyEstimator::Method off_policy_method(const std::string& name) {
  if (name == "is") return OffPolicyEstimator::Method::is;
  if (name == "wis") return OffPolicyEstimator::Method::wis;
  throw ConfigError("off-policy estimation: unknown method '" + name +
                    "', expected 'is' or 'wis' (or 'simulation' as an input evaluation)");
}

OffPolicyEstimator::OffPolicyEstimator(Method method, double gamma)
    : method_(method), gamma_(gamma) {
  if (!(gamma >= 0.0 && gamma <= 1.0)) {
    throw ConfigError("off-policy estimation: gamma = " + double_string(gamma) +
                      ", expected [0, 1]");
  }
}

const char* OffPolicyEstimator::name() const {
  return method_ == Method::is ? "is" : "wis";
}

OffPolicyEstimate OffPolicyEstimator::estimate_episode(const float* rewards,
                                                       const float* behaviour_probs,
                                                       const double* target_probs, int64_t length) {
  const auto n = static_cast<std::size_t>(std::max<int64_t>(length, 0));
  rho_.resize(n);
  double rho = 1.0;
  for (std::size_t t = 0; t < n; ++t) {
    const double b = behaviour_probs[t], pi = target_probs[t];
    if (!(b > 0.0) || !std::isfinite(b)) {
      throw ValueError(std::string("off-policy estimation: step ") + std::to_string(t) +
                       " of an episode has behaviour probability " + double_string(b) +
                       ", expected > 0 (the action was taken, so its probability cannot be 0)");
    }
    if (!(pi >= 0.0) || !std::isfinite(pi)) {
      throw ValueError(std::string("off-policy estimation: step ") + std::to_string(t) +
                       " of an episode has target probability " + double_string(pi) +
                       ", expected a finite value >= 0");
    }
    rho *= pi / b;
    rho_[t] = rho;
  }
  if (method_ == Method::wis) {
    if (weight_sums_.size() < n) {
      weight_sums_.resize(n, 0.0);
      weight_counts_.resize(n, 0);
    }
    for (std::size_t t = 0; t < n; ++t) {
      weight_sums_[t] += rho_[t];
      ++weight_counts_[t];
    }
  }
  OffPolicyEstimate e;
  double discount = 1.0;
  for (std::size_t t = 0; t < n; ++t) {
    const double r = rewards[t];
    e.v_prev += discount * r;
    double weight = rho_[t];
    if (method_ == Method::wis) {
      const double w = weight_sums_[t] / static_cast<double>(weight_counts_[t]);
      weight = w > 0.0 ? rho_[t] / w : 0.0;  // w = 0: every episode's weight is 0 here
    }
    e.v_target += weight * discount * r;
    discount *= gamma_;
  }
  e.gain = e.v_target / std::max(1e-8, e.v_prev);
  return e;
}

std::vector<OffPolicyEstimate> OffPolicyEstimator::estimate(const MultiAgentBatch& batch,
                                                            TrainablePolicy& target) {
  std::vector<OffPolicyEstimate> out;
  if (batch.policy_batches.size() > 1) {
    throw ConfigError(std::string("off-policy estimation (") + name() +
                      "): the batch holds several policies (" + list_names(batch.policy_ids()) +
                      "); importance sampling is implemented for a single policy only");
  }
  if (batch.policy_batches.empty()) return out;
  const auto& [id, b] = *batch.policy_batches.begin();
  if (b.size() == 0) return out;
  if (!b.has_column(columns::kActionProb)) {
    throw ConfigError(std::string("off-policy estimation (") + name() + "): policy '" + id +
                      "' has no action_prob column: the policy that wrote the data recorded no "
                      "behaviour probabilities (a greedy or epsilon-greedy Q-learning table, a "
                      "fixed rule, or a policy not exploring); write it with an exploration that "
                      "samples its distribution (StochasticSampling, SoftQ)");
  }
  const int64_t obs_size = b.width(columns::kObs), action_size = b.width(columns::kActions);
  if (obs_size != target.observation_space()->flat_size() ||
      action_size != target.action_space()->flat_size()) {
    throw ConfigError(std::string("off-policy estimation (") + name() + "): policy '" + id +
                      "' of the batch has observations of " + std::to_string(obs_size) +
                      " and actions of " + std::to_string(action_size) +
                      " values, the target policy " +
                      std::to_string(target.observation_space()->flat_size()) + " and " +
                      std::to_string(target.action_space()->flat_size()));
  }
  const float* obs = b.f32(columns::kObs);
  const float* actions = b.f32(columns::kActions);
  const float* rewards = b.f32(columns::kRewards);
  const float* probs = b.f32(columns::kActionProb);
  const int64_t* eps = b.i64(columns::kEpsId);
  const int64_t* agent = b.i64(columns::kAgentIndex);
  std::vector<float> logp(static_cast<std::size_t>(b.size()));
  target.compute_log_likelihoods(obs, actions, b.size(), logp.data());
  target_.resize(logp.size());
  for (std::size_t k = 0; k < logp.size(); ++k) target_[k] = std::exp(static_cast<double>(logp[k]));
  for (int64_t begin = 0; begin < b.size();) {
    int64_t end = begin + 1;
    while (end < b.size() && eps[end] == eps[begin] && agent[end] == agent[begin]) ++end;
    out.push_back(
        estimate_episode(rewards + begin, probs + begin, target_.data() + begin, end - begin));
    begin = end;
  }
  return out;
}

void OffPolicyEstimator::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_doubles(prefix + ".weight_sums", weight_sums_);
  out.set_int64s(prefix + ".weight_counts", weight_counts_);
}

void OffPolicyEstimator::load(const nn::StateDict& in, const std::string& prefix) {
  weight_sums_ = in.get_doubles(prefix + ".weight_sums");
  weight_counts_ = in.get_int64s(prefix + ".weight_counts");
  if (weight_sums_.size() != weight_counts_.size()) {
    throw FormatError("off-policy estimator '" + prefix +
                      "': " + std::to_string(weight_sums_.size()) + " weight sums but " +
                      std::to_string(weight_counts_.size()) + " counts");
  }
}

}  // namespace phantom
