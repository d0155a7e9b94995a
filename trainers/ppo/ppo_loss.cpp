// The PPO loss: clipped surrogate, (clipped) value loss, entropy bonus.
#include "trainers/ppo/ppo_loss.hpp"

#include <cmath>

#include "nn/ops.hpp"

namespace phantom {

PpoLoss ppo_loss(const Evaluation& e, const nn::Tensor& old_log_prob, const nn::Tensor& advantages,
                 const nn::Tensor& returns, const nn::Tensor& old_values,
                 const PpoLossConfig& config, float share) {
  PpoLoss out;
  nn::Tensor log_ratio = e.log_prob - old_log_prob;
  nn::Tensor ratio = nn::exp(log_ratio);
  nn::Tensor unclipped = -advantages * ratio;
  nn::Tensor clipped = -advantages * nn::clamp(ratio, 1.0f - config.clip, 1.0f + config.clip);
  nn::Tensor policy_loss = nn::mean(nn::maximum(unclipped, clipped));

  nn::Tensor value_error = nn::square(e.value - returns);
  nn::Tensor value_loss;
  if (config.clip_value_loss) {
    nn::Tensor v_clipped = old_values + nn::clamp(e.value - old_values, -config.clip, config.clip);
    value_loss = 0.5f * nn::mean(nn::maximum(value_error, nn::square(v_clipped - returns)));
  } else {
    value_loss = 0.5f * nn::mean(value_error);
  }
  nn::Tensor entropy = nn::mean(e.entropy);
  out.total = policy_loss - config.entropy_coef * entropy + config.value_coef * value_loss;
  if (share != 1.0f) out.total = share * out.total;

  out.policy_loss = policy_loss.item();
  out.value_loss = value_loss.item();
  out.entropy = entropy.item();
  set_ppo_diagnostics(log_ratio.data(), ratio.data(), ratio.numel(), config.clip, out);
  return out;
}

void set_ppo_diagnostics(const float* log_ratio, const float* ratio, int64_t n, float clip,
                         PpoLoss& out) {
  double kl = 0.0;
  int64_t clipped_count = 0;
  for (int64_t i = 0; i < n; ++i) {
    kl += static_cast<double>(ratio[i] - 1.0f) - log_ratio[i];
    if (std::fabs(ratio[i] - 1.0f) > clip) ++clipped_count;
  }
  out.approx_kl = n ? static_cast<float>(kl / static_cast<double>(n)) : 0.0f;
  out.clip_fraction = n ? static_cast<float>(clipped_count) / static_cast<float>(n) : 0.0f;
}

}  // namespace phantom
