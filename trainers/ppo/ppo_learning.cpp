// PpoPolicy's learning: GAE per trajectory piece (any policy, clones too), then the minibatch
// update (the original only).
//
// One update, as CleanRL's loop reads: for each epoch, shuffle the rows; for each minibatch,
// gather its rows, normalise its advantages, compute the PPO loss (ppo_loss.hpp), backward,
// clip the global gradient norm, Adam step. A large minibatch is gathered, evaluated and
// backpropagated in cache-sized chunks whose gradients add up (set_rows_per_pass).
#include <algorithm>
#include <cmath>
#include <limits>

#include "nn/error.hpp"
#include "nn/kernels/kernels.hpp"
#include "nn/thread_pool.hpp"
#include "phantom/format.hpp"
#include "trainers/ppo/gae.hpp"
#include "trainers/ppo/ppo_categorical_loss.hpp"
#include "trainers/ppo/ppo_learning.hpp"
#include "trainers/sampling/copy_values.hpp"
#include "trainers/sampling/sample_batch.hpp"

namespace phantom {

std::unique_ptr<PpoPolicy::Learning> PpoPolicy::make_learning() const {
  auto l = std::make_unique<Learning>();
  l->params = net_->parameters();
  nn::AdamOptions adam;
  adam.lr = options_.learning_rate;
  adam.eps = options_.adam_eps;
  l->adam = std::make_unique<nn::Adam>(l->params, adam);
  return l;
}

// ---- Postprocessing: GAE over one piece ----

void PpoPolicy::postprocess_trajectory(SampleBatch& piece) {
  const int64_t n = piece.size();
  const SampleBatch::Handle adv_col =
      piece.add_column(columns::kAdvantages, 1, ColumnType::float32);
  const SampleBatch::Handle target_col =
      piece.add_column(columns::kValueTargets, 1, ColumnType::float32);
  if (n == 0) return;
  GaeScratch& l = gae_;
  const auto un = static_cast<std::size_t>(n);
  const float* rewards = piece.f32(columns::kRewards);
  const float* values = piece.f32(columns::kVfPreds);
  l.rewards.resize(un);
  l.next_values.resize(un);
  l.ends.assign(un, 0);
  l.streams.assign(un, 0);
  for (std::size_t t = 0; t < un; ++t) l.rewards[t] = options_.reward_scale * rewards[t];
  // Within the piece each row continues into the next one's state.
  for (std::size_t t = 0; t + 1 < un; ++t) l.next_values[t] = values[t + 1];
  // The last row: no future if it terminated; else (truncated, or the piece was cut mid-
  // episode) the future was cut short, so bootstrap from the value of the state it reached.
  const int64_t last = n - 1;
  l.ends[un - 1] = 1;
  if (piece.f32(columns::kTerminateds)[last] != 0.0f) {
    l.next_values[un - 1] = 0.0f;
  } else {
    const int64_t obs_size = observation_space()->flat_size();
    l.bootstrap_features.resize(static_cast<std::size_t>(net_->feature_size()));
    net_->write_features(piece.f32(columns::kNewObs) + last * obs_size,
                         l.bootstrap_features.data());
    net_->values(l.bootstrap_features.data(), 1, &l.next_values[un - 1], workspace_);
  }
  compute_gae(l.rewards.data(), values, l.next_values.data(), l.ends.data(), l.streams.data(), n, 1,
              options_.gamma, options_.gae_lambda, piece.f32(adv_col), piece.f32(target_col),
              l.running);
}

// ---- The update ----

namespace {

[[noreturn]] void throw_non_finite(const std::string& what, float value, int epoch, int minibatch,
                                   int minibatches, bool skippable = true) {
  throw TrainingError("non-finite " + what + " (" + float_string(value) + ") in epoch " +
                          std::to_string(epoch + 1) + ", minibatch " +
                          std::to_string(minibatch + 1) + " of " + std::to_string(minibatches) +
                          "; the batch's rewards and observations were finite: lower the "
                          "learning rate, or scale the rewards down",
                      skippable);
}

// A step from a finite loss and gradient can still overflow a weight (a huge learning rate);
// acting would then meet NaN logits. Once Adam has stepped this cannot be undone, so it is not
// skippable.
void check_weights(const std::vector<nn::Tensor>& params, int epoch, int minibatch,
                   int minibatches) {
  for (std::size_t k = 0; k < params.size(); ++k) {
    const float* w = params[k].data();
    // A NaN or infinity makes the sum non-finite, so a finite sum clears the whole tensor in one
    // vectorised pass; only a non-finite one (or a finite sum that overflowed) is searched.
    if (std::isfinite(nn::kernels::sum(w, params[k].numel()))) continue;
    for (int64_t i = 0; i < params[k].numel(); ++i) {
      if (!std::isfinite(w[i])) {
        throw_non_finite("weight (parameter " + std::to_string(k) + ", element " +
                             std::to_string(i) + ") after the update",
                         w[i], epoch, minibatch, minibatches, /*skippable=*/false);
      }
    }
  }
}

}  // namespace

void PpoPolicy::set_rows_per_pass(int64_t rows) {
  if (rows < 1) {
    throw ConfigError("PpoPolicy::set_rows_per_pass: " + std::to_string(rows) +
                      " rows, expected at least 1");
  }
  rows_per_pass_ = rows;
}

void PpoPolicy::learn_on_batch(SampleBatch& b, LearnerStats& stats) {
  if (!learning_) throw ConfigError("PpoPolicy: a clone does not learn");
  Learning& l = *learning_;
  const int64_t n = b.size();
  stats.set("learning_rate", learning_rate_);
  stats.set("transitions", static_cast<double>(n));  // one per action the env decoded
  if (n == 0) return;
  const float* obs = b.f32(columns::kObs);
  const float* actions = b.f32(columns::kActions);
  const float* old_logp = b.f32(columns::kActionLogp);
  const float* advantages = b.f32(columns::kAdvantages);
  const float* returns = b.f32(columns::kValueTargets);
  const float* values = b.f32(columns::kVfPreds);
  const int64_t O = observation_space()->flat_size(), F = net_->feature_size(),
                A = net_->action_size();

  l.adam->set_lr(learning_rate_);
  l.order.resize(static_cast<std::size_t>(n));
  const int minibatches = static_cast<int>(std::min<int64_t>(options_.minibatches, n));
  auto row_of = [&](int64_t k) { return l.order[static_cast<std::size_t>(k)]; };
  double sum_policy = 0, sum_value = 0, sum_entropy = 0, sum_kl = 0, sum_clip = 0;
  int updates = 0;
  for (int epoch = 0; epoch < options_.epochs; ++epoch) {
    for (int64_t i = 0; i < n; ++i) l.order[static_cast<std::size_t>(i)] = i;
    for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates with the policy's generator
      std::swap(l.order[static_cast<std::size_t>(i)],
                l.order[static_cast<std::size_t>(shuffle_rng_.uniform_int(0, i + 1))]);
    }
    for (int c = 0; c < minibatches; ++c) {
      const auto range = nn::ThreadPool::split(n, c, minibatches);
      const int64_t m = range.second - range.first;
      // The advantages are normalised over the whole minibatch, however it is evaluated.
      const bool normalize = options_.normalize_advantages && m > 1;
      double adv_mean = 0, adv_std = 0;
      if (normalize) {
        for (int64_t r = 0; r < m; ++r) adv_mean += advantages[row_of(range.first + r)];
        adv_mean /= static_cast<double>(m);
        double var = 0;
        for (int64_t r = 0; r < m; ++r) {
          const double d = advantages[row_of(range.first + r)] - adv_mean;
          var += d * d;
        }
        adv_std = std::sqrt(var / static_cast<double>(m - 1));  // unbiased, as torch.std
      }
      l.adam->zero_grad();
      const int64_t pieces = (m + rows_per_pass_ - 1) / rows_per_pass_;
      for (int64_t p = 0; p < pieces; ++p) {
        const auto part = nn::ThreadPool::split(m, static_cast<int>(p), static_cast<int>(pieces));
        const int64_t rows = part.second - part.first;
        Learning::Minibatch& mb = l.minibatch(rows, F, A);
        float *f = mb.features.data(), *a = mb.actions.data(), *lp = mb.log_probs.data(),
              *adv = mb.advantages.data(), *ret = mb.returns.data(), *val = mb.values.data();
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t t = row_of(range.first + part.first + r);
          net_->write_features(obs + t * O, f + r * F);
          copy_values(actions + t * A, A, a + r * A);
          lp[r] = old_logp[t];
          adv[r] = normalize ? static_cast<float>((advantages[t] - adv_mean) / (adv_std + 1e-8))
                             : advantages[t];
          ret[r] = returns[t];
          val[r] = values[t];
        }
        // The loss of these rows, weighted by their share of the minibatch: the chunks'
        // gradients add up in the parameters' gradients before the one step below.
        const double share = pieces == 1 ? 1.0 : static_cast<double>(rows) / static_cast<double>(m);
        nn::TapeScope scope(l.tape);
        PpoLoss loss;
        if (net_->categorical_head()) {  // the same loss as one node (ppo_categorical_loss.hpp)
          HeadOutputs heads = net_->outputs(mb.features);
          loss = ppo_categorical_loss(heads.params, heads.value, mb.actions,
                                      static_cast<float>(net_->discrete_start()), mb.log_probs,
                                      mb.advantages, mb.returns, mb.values, options_.loss,
                                      static_cast<float>(share));
        } else {
          Evaluation ev = net_->evaluate(mb.features, mb.actions);
          loss = ppo_loss(ev, mb.log_probs, mb.advantages, mb.returns, mb.values, options_.loss,
                          static_cast<float>(share));
        }
        // A non-finite loss or gradient would spoil the weights and Adam's moments for good:
        // stop before the step (the caller raises or skips, RolloutWorkerOptions::on_non_finite).
        const float total = loss.total.data()[0];
        if (!std::isfinite(total)) throw_non_finite("loss", total, epoch, c, minibatches);
        loss.total.backward();
        sum_policy += share * loss.policy_loss;
        sum_value += share * loss.value_loss;
        sum_entropy += share * loss.entropy;
        sum_kl += share * loss.approx_kl;
        sum_clip += share * loss.clip_fraction;
      }
      const float norm = nn::clip_grad_norm(l.params, options_.max_grad_norm);
      if (!std::isfinite(norm)) throw_non_finite("gradient norm", norm, epoch, c, minibatches);
      l.adam->step();
      check_weights(l.params, epoch, c, minibatches);
      ++updates;
    }
  }
  auto avg = [&](double s) { return s / static_cast<double>(updates); };
  stats.set("policy_loss", avg(sum_policy));
  stats.set("value_loss", avg(sum_value));
  stats.set("entropy", avg(sum_entropy));
  stats.set("approx_kl", avg(sum_kl));
  stats.set("clip_fraction", avg(sum_clip));
  // How much of the returns' variance the values (before the update) explained.
  double mean_r = 0, var_r = 0, var_err = 0;
  for (int64_t t = 0; t < n; ++t) mean_r += returns[t];
  mean_r /= static_cast<double>(n);
  for (int64_t t = 0; t < n; ++t) {
    const double r = returns[t], err = r - values[t];
    var_r += (r - mean_r) * (r - mean_r);
    var_err += err * err;
  }
  stats.set("explained_variance",
            var_r > 0 ? 1.0 - var_err / var_r : std::numeric_limits<double>::quiet_NaN());
}

void PpoPolicy::save_optimizer(nn::StateDict& out, const std::string& prefix) const {
  if (learning_) learning_->adam->save(out, prefix + ".adam");
  out.set_rng(prefix + ".shuffle_rng", shuffle_rng_);
}

void PpoPolicy::load_optimizer(const nn::StateDict& in, const std::string& prefix) {
  if (learning_) learning_->adam->load(in, prefix + ".adam");
  shuffle_rng_ = in.get_rng(prefix + ".shuffle_rng");
}

}  // namespace phantom
