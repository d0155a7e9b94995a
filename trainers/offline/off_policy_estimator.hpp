// Off-policy estimation: how well would the policy being trained do, judged from episodes that
// another policy (the behaviour policy) played? RLlib's input_evaluation "is" and "wis".
//
// Each episode of the behaviour policy's data gives, for each step t of its H steps, the reward
// r_t, the probability b_t with which the behaviour policy chose the action (the batch's
// action_prob column) and the probability pi_t with which the target policy would choose it
// (exp of TrainablePolicy::compute_log_likelihoods, a probability, never the log). Then
//
//   rho_t  = prod_{k <= t} pi_k / b_k        the importance weight of the first t + 1 steps
//   V_prev = sum_{t < H} gamma^t r_t         what the behaviour policy earned (discounted)
//   IS:    V_target = sum_{t < H} rho_t gamma^t r_t
//   WIS:   V_target = sum_{t < H} (rho_t / w_t) gamma^t r_t,  w_t = the mean of rho_t over every
//          episode this estimator has seen that reached step t (the current one included, added
//          first)
//   gain   = V_target / max(1e-8, V_prev)
//
// every sum over the whole episode, t = 0 .. H-1 (RLlib 0.8 stopped at H-2 and used log-
// likelihoods as probabilities; both were fixed later, and this is the fixed form). With
// gamma = 0.9, b = 0.5 and r = 1 at every step of 3, target probabilities [1, 0.5, 0.25] give
// rho = [2, 2, 1], V_prev = 2.71, IS 4.61 and gain 1.70111; WIS gives 2.71 on that first
// episode, and after a second episode with pi = 0.25 throughout (IS 0.82625), 0.78.
//
// An "episode" here is one agent's run of consecutive rows with the same eps_id and
// agent_index in a policy's batch: agents that share a policy are estimated separately, and an
// episode cut by a batch boundary (truncate_episodes) gives one estimate per piece, as in RLlib.
// IS is unbiased but its variance grows with the product of H ratios; WIS trades a bias (it is
// consistent, not unbiased) for much less variance. Both are only as good as the overlap of
// the two policies: where the target takes actions the behaviour policy almost never took,
// a few episodes dominate the estimate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/serialize.hpp"
#include "trainers/sampling/multi_agent_batch.hpp"
#include "trainers/sampling/trainable_policy.hpp"

namespace phantom {

/// The estimate of one episode.
struct OffPolicyEstimate {
  /// The behaviour policy's discounted return.
  double v_prev = 0.0;
  /// The estimated discounted return of the target policy (RLlib's V_step_IS / V_step_WIS).
  double v_target = 0.0;
  /// v_target / max(1e-8, v_prev) (RLlib's V_gain_est).
  double gain = 0.0;
};

/// Importance-sampling estimators (see the top of this file).
class OffPolicyEstimator {
 public:
  enum class Method { is, wis };

  /// `gamma` in [0, 1] (ConfigError otherwise).
  OffPolicyEstimator(Method method, double gamma);

  Method method() const { return method_; }
  /// "is" or "wis".
  const char* name() const;

  /// The estimate of one episode of `length` steps from its rewards, behaviour probabilities
  /// and target probabilities. WIS adds the episode's weights to its running sums first. Throws
  /// ValueError naming the step if a behaviour probability is not > 0 or a target probability
  /// is negative or not finite.
  OffPolicyEstimate estimate_episode(const float* rewards, const float* behaviour_probs,
                                     const double* target_probs, int64_t length);

  /// The estimates of every episode (see the top of this file) of `batch`, whose single policy
  /// is `target`, in batch order. Throws ConfigError if the batch holds more than one policy
  /// (naming them), or no action_prob column (saying which policies write none).
  std::vector<OffPolicyEstimate> estimate(const MultiAgentBatch& batch, TrainablePolicy& target);

  /// The WIS running sums, so that a resumed run estimates as an uninterrupted one.
  void save(nn::StateDict& out, const std::string& prefix) const;
  void load(const nn::StateDict& in, const std::string& prefix);

 private:
  Method method_;
  double gamma_;
  std::vector<double> weight_sums_;     // per step index t: sum of rho_t over episodes (WIS)
  std::vector<int64_t> weight_counts_;  // per step index t: episodes that reached t
  std::vector<double> rho_, target_;    // scratch
};

/// "is" -> Method::is, "wis" -> Method::wis; anything else is a ConfigError naming it and the
/// methods there are.
OffPolicyEstimator::Method off_policy_method(const std::string& name);

}  // namespace phantom
