// PpoTrainer: setup, collection, advantages and the minibatch update.
#include "trainers/ppo/ppo_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nn/error.hpp"
#include "trainers/ppo/gae.hpp"

namespace phantom {

/// One trained policy and everything its updates reuse from iteration to iteration.
struct PpoTrainer::Learner {
  std::string id;
  std::shared_ptr<ActorCritic> net;
  std::shared_ptr<ObsNormalizer> normalizer;  // null when observations are not normalised
  std::unique_ptr<nn::Adam> adam;
  std::vector<nn::Tensor> params;
  PolicyBuffer buffer;
  ActWorkspace workspace;
  // The names of its statistics ("ppo/<id>/policy_loss", ...), built once.
  std::string stat_policy_loss, stat_value_loss, stat_entropy, stat_approx_kl, stat_clip_fraction,
      stat_explained_variance, stat_learning_rate, stat_transitions;

  // This step's acting batch: rows of features, and the (env, position) of each row.
  std::vector<float> features, actions, log_probs, values;
  std::vector<std::pair<int, int>> rows;
  // Transitions to close with V(final or current observation), and those observations.
  std::vector<int64_t> bootstrap_of;
  std::vector<float> bootstrap_features, bootstrap_values;

  // Update scratch.
  nn::Tape tape;
  std::vector<int64_t> order;
  std::vector<float> gae_running;
  struct Minibatch {
    int64_t size = 0;
    nn::Tensor features, actions, log_probs, advantages, returns, values;
  };
  std::vector<Minibatch> minibatches;  // one per distinct minibatch size

  /// Queues transition t to be closed with V(observation) by close_queued().
  void queue_bootstrap(const float* observation, int64_t t) {
    std::size_t at = bootstrap_features.size();
    bootstrap_features.resize(at + static_cast<std::size_t>(net->feature_size()));
    net->write_features(observation, bootstrap_features.data() + at);
    bootstrap_of.push_back(t);
  }
  /// Values the queued observations in one batch and makes them their transitions' next values.
  void close_queued() {
    auto k = static_cast<int64_t>(bootstrap_of.size());
    if (k > 0) {
      if (normalizer) normalizer->normalize(bootstrap_features.data(), k);
      bootstrap_values.resize(static_cast<std::size_t>(k));
      net->values(bootstrap_features.data(), k, bootstrap_values.data(), workspace);
      for (std::size_t j = 0; j < bootstrap_of.size(); ++j)
        buffer.next_values[static_cast<std::size_t>(bootstrap_of[j])] = bootstrap_values[j];
    }
    bootstrap_of.clear();
    bootstrap_features.clear();
  }

  Minibatch& minibatch(int64_t size) {
    for (Minibatch& m : minibatches)
      if (m.size == size) return m;
    Minibatch m;
    m.size = size;
    m.features = nn::Tensor::zeros({size, net->feature_size()});
    m.actions = nn::Tensor::zeros({size, net->action_size()});
    m.log_probs = nn::Tensor::zeros({size});
    m.advantages = nn::Tensor::zeros({size});
    m.returns = nn::Tensor::zeros({size});
    m.values = nn::Tensor::zeros({size});
    minibatches.push_back(std::move(m));
    return minibatches.back();
  }
};

PpoTrainer::PpoTrainer(PpoOptions options) : Trainer("ppo"), options_(std::move(options)) {
  const PpoOptions& o = options_;
  auto bad = [](const std::string& what) { throw ConfigError("PpoOptions: " + what); };
  if (o.num_envs < 1) bad("num_envs must be >= 1");
  if (o.steps_per_env < 1) bad("steps_per_env must be >= 1");
  if (o.epochs < 1) bad("epochs must be >= 1");
  if (o.minibatches < 1) bad("minibatches must be >= 1");
  if (!(o.learning_rate > 0.0f)) bad("learning_rate must be > 0");
  if (!(o.gamma >= 0.0f && o.gamma <= 1.0f)) bad("gamma must be in [0, 1]");
  if (!(o.gae_lambda >= 0.0f && o.gae_lambda <= 1.0f)) bad("gae_lambda must be in [0, 1]");
  if (!(o.loss.clip > 0.0f)) bad("loss.clip must be > 0");
  if (o.threads < 1) bad("threads must be >= 1");
}

PpoTrainer::~PpoTrainer() = default;

void PpoTrainer::setup(Setup& s) {
  const TrainOptions& opt = *s.options;
  resolved_ = s.resolved;
  iterations_ = opt.iterations;
  rng_ = nn::Rng(opt.seed, 1);
  fixed_rng_ = nn::Rng(opt.seed, 2);
  runners_.clear();
  for (int e = 0; e < options_.num_envs; ++e) {
    uint64_t env_seed = nn::Rng(opt.seed, 1000 + static_cast<uint64_t>(e)).next_u64();
    runners_.push_back(
        std::make_unique<EnvRunner>((*s.make_env)(*s.env_config), env_seed, opt.metrics));
  }
  num_strategic_ = runners_[0]->env().num_strategic();

  learners_.clear();
  learner_of_policy_.assign(resolved_->policies.size(), -1);
  for (std::size_t p = 0; p < resolved_->policies.size(); ++p) {
    const ResolvedPolicy& rp = resolved_->policies[p];
    if (!rp.of_trainer_kind) continue;
    rp.config.check_known_keys({});  // PPO takes its settings from PpoOptions
    nn::Rng init_rng(opt.seed, 10 + p);
    auto net = std::make_shared<ActorCritic>(rp.observation_space, rp.action_space,
                                             options_.network, init_rng);
    std::shared_ptr<ObsNormalizer> normalizer;
    if (options_.normalize_observations) {
      normalizer = std::make_shared<ObsNormalizer>(net->feature_size());
    }
    (*s.policies)[p] = std::make_shared<PpoPolicy>(net, normalizer);
    if (!rp.trained) continue;  // an untrained PPO policy acts like a fixed one
    auto learner = std::make_unique<Learner>();
    learner->id = rp.id;
    std::string prefix = "ppo/" + rp.id + "/";
    learner->stat_policy_loss = prefix + "policy_loss";
    learner->stat_value_loss = prefix + "value_loss";
    learner->stat_entropy = prefix + "entropy";
    learner->stat_approx_kl = prefix + "approx_kl";
    learner->stat_clip_fraction = prefix + "clip_fraction";
    learner->stat_explained_variance = prefix + "explained_variance";
    learner->stat_learning_rate = prefix + "learning_rate";
    learner->stat_transitions = prefix + "transitions";
    learner->net = net;
    learner->normalizer = normalizer;
    learner->params = net->parameters();
    nn::AdamOptions adam;
    adam.lr = options_.learning_rate;
    adam.eps = options_.adam_eps;
    learner->adam = std::make_unique<nn::Adam>(learner->params, adam);
    learner->buffer.feature_size = net->feature_size();
    learner->buffer.action_size = net->action_size();
    learner_of_policy_[p] = static_cast<int>(learners_.size());
    learners_.push_back(std::move(learner));
  }
  policies_ = *s.policies;
  pending_.assign(static_cast<std::size_t>(options_.num_envs * num_strategic_), -1);
  env_stats_.assign(static_cast<std::size_t>(options_.num_envs), IterationStats{});
  pool_ = options_.threads > 1 ? std::make_unique<nn::ThreadPool>(options_.threads) : nullptr;
  for (auto& r : runners_) r->reset();
}

std::vector<std::string> PpoTrainer::stat_names() const {
  std::vector<std::string> names;
  for (const auto& l : learners_) {
    names.insert(names.end(), {l->stat_policy_loss, l->stat_value_loss, l->stat_entropy,
                               l->stat_approx_kl, l->stat_clip_fraction, l->stat_explained_variance,
                               l->stat_learning_rate, l->stat_transitions});
  }
  return names;
}

// ---- Collection ----

PpoTrainer::Learner* PpoTrainer::learner_for(int position) const {
  int p = resolved_->policy_of_position[static_cast<std::size_t>(position)];
  int li = learner_of_policy_[static_cast<std::size_t>(p)];
  return li < 0 ? nullptr : learners_[static_cast<std::size_t>(li)].get();
}

void PpoTrainer::act() {
  for (auto& l : learners_) {
    l->rows.clear();
    l->features.clear();
  }
  for (int e = 0; e < options_.num_envs; ++e) {
    EnvRunner& runner = *runners_[static_cast<std::size_t>(e)];
    runner.actions().clear();
    const StepResult& r = runner.result();
    for (int i = 0; i < num_strategic_; ++i) {
      if (!r.acts(i)) continue;  // the env's rule: observed, still in the episode, its stage
      Learner* learner = learner_for(i);
      if (!learner) {
        int p = resolved_->policy_of_position[static_cast<std::size_t>(i)];
        policies_[static_cast<std::size_t>(p)]->compute_action(r.observation(i),
                                                               runner.actions().set(i), fixed_rng_);
        continue;
      }
      Learner& l = *learner;
      std::size_t at = l.features.size();
      l.features.resize(at + static_cast<std::size_t>(l.net->feature_size()));
      l.net->write_features(r.observation(i), l.features.data() + at);
      l.rows.emplace_back(e, i);
    }
  }
  for (auto& lp : learners_) {
    Learner& l = *lp;
    auto k = static_cast<int64_t>(l.rows.size());
    if (k == 0) continue;
    if (l.normalizer) {
      l.normalizer->update(l.features.data(), k);
      l.normalizer->normalize(l.features.data(), k);
    }
    l.actions.resize(static_cast<std::size_t>(k * l.net->action_size()));
    l.log_probs.resize(static_cast<std::size_t>(k));
    l.values.resize(static_cast<std::size_t>(k));
    l.net->act(l.features.data(), k, false, rng_,
               {l.actions.data(), l.log_probs.data(), l.values.data()}, l.workspace);
    for (int64_t j = 0; j < k; ++j) {
      auto [e, i] = l.rows[static_cast<std::size_t>(j)];
      auto stream = static_cast<std::size_t>(e * num_strategic_ + i);
      float value = l.values[static_cast<std::size_t>(j)];
      // The agent acts again: its previous transition continues into this state.
      if (pending_[stream] >= 0)
        l.buffer.next_values[static_cast<std::size_t>(pending_[stream])] = value;
      const float* action = l.actions.data() + j * l.net->action_size();
      pending_[stream] = l.buffer.append(l.features.data() + j * l.net->feature_size(), action,
                                         l.log_probs[static_cast<std::size_t>(j)], value,
                                         static_cast<int32_t>(stream));
      l.net->env_action(action, runners_[static_cast<std::size_t>(e)]->actions().set(i));
    }
  }
}

void PpoTrainer::collect() {
  for (int step = 0; step < options_.steps_per_env; ++step) {
    act();
    auto step_envs = [&](int64_t begin, int64_t end) {
      for (int64_t e = begin; e < end; ++e)
        runners_[static_cast<std::size_t>(e)]->step(env_stats_[static_cast<std::size_t>(e)]);
    };
    if (pool_) {
      pool_->parallel_for(options_.num_envs, 1, step_envs);
    } else {
      step_envs(0, options_.num_envs);
    }
    // Rewards, and the transitions that ended with this step.
    for (int e = 0; e < options_.num_envs; ++e) {
      const StepResult& r = runners_[static_cast<std::size_t>(e)]->result();
      for (int i = 0; i < num_strategic_; ++i) {
        auto stream = static_cast<std::size_t>(e * num_strategic_ + i);
        int64_t idx = pending_[stream];
        if (idx < 0) continue;
        Learner& l = *learner_for(i);  // a pending transition belongs to a learner
        auto t = static_cast<std::size_t>(idx);
        if (r.has_reward(i)) {
          l.buffer.rewards[t] += options_.reward_scale * static_cast<float>(r.reward(i));
        }
        bool agent_done = r.reported(i) && (r.terminated(i) || r.truncated(i));
        if (!agent_done && !r.done()) continue;
        pending_[stream] = -1;
        l.buffer.ends[t] = 1;
        bool terminated = r.reported(i) && r.terminated(i);
        bool truncated = r.reported(i) && r.truncated(i);
        if (!terminated && !truncated) terminated = r.all_terminated;  // ended around the agent
        if (terminated) {
          l.buffer.next_values[t] = 0.0f;  // no future
        } else if (r.observed(i)) {
          // Truncated: the future was cut short, so bootstrap from the final observation.
          l.queue_bootstrap(r.observation(i), idx);
        } else {
          l.buffer.next_values[t] = l.buffer.values[t];  // nothing observed: assume no change
        }
      }
    }
    for (auto& l : learners_) l->close_queued();
    for (auto& runner : runners_)
      if (runner->result().done()) runner->reset();
  }
  close_transitions();
}

// The rollout ends with episodes still running: their open transitions bootstrap from the
// value of the current observation.
void PpoTrainer::close_transitions() {
  for (int e = 0; e < options_.num_envs; ++e) {
    const StepResult& r = runners_[static_cast<std::size_t>(e)]->result();
    for (int i = 0; i < num_strategic_; ++i) {
      auto stream = static_cast<std::size_t>(e * num_strategic_ + i);
      int64_t idx = pending_[stream];
      if (idx < 0) continue;
      pending_[stream] = -1;
      Learner& l = *learner_for(i);
      if (!r.observed(i)) {
        l.buffer.next_values[static_cast<std::size_t>(idx)] =
            l.buffer.values[static_cast<std::size_t>(idx)];
        continue;
      }
      l.queue_bootstrap(r.observation(i), idx);
    }
  }
  for (auto& l : learners_) l->close_queued();
}

// ---- Update ----

void PpoTrainer::update(Learner& l, float learning_rate, IterationStats& stats) {
  PolicyBuffer& b = l.buffer;
  int64_t n = b.size();
  stats.set_stat(l.stat_learning_rate, learning_rate);
  stats.set_stat(l.stat_transitions, static_cast<double>(n));  // one per action the env decoded
  if (n == 0) return;
  b.advantages.resize(static_cast<std::size_t>(n));
  b.returns.resize(static_cast<std::size_t>(n));
  compute_gae(b.rewards.data(), b.values.data(), b.next_values.data(), b.ends.data(),
              b.streams.data(), n, static_cast<int32_t>(pending_.size()), options_.gamma,
              options_.gae_lambda, b.advantages.data(), b.returns.data(), l.gae_running);

  l.adam->set_lr(learning_rate);
  l.order.resize(static_cast<std::size_t>(n));
  int chunks = static_cast<int>(std::min<int64_t>(options_.minibatches, n));
  double sum_policy = 0, sum_value = 0, sum_entropy = 0, sum_kl = 0, sum_clip = 0;
  int updates = 0;
  int64_t F = l.net->feature_size(), A = l.net->action_size();
  for (int epoch = 0; epoch < options_.epochs; ++epoch) {
    for (int64_t i = 0; i < n; ++i) l.order[static_cast<std::size_t>(i)] = i;
    for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates with the trainer's generator
      std::swap(l.order[static_cast<std::size_t>(i)],
                l.order[static_cast<std::size_t>(rng_.uniform_int(0, i + 1))]);
    }
    for (int c = 0; c < chunks; ++c) {
      auto range = nn::ThreadPool::split(n, c, chunks);
      int64_t m = range.second - range.first;
      Learner::Minibatch& mb = l.minibatch(m);
      float* f = mb.features.data();
      float* a = mb.actions.data();
      float *lp = mb.log_probs.data(), *adv = mb.advantages.data(), *ret = mb.returns.data(),
            *val = mb.values.data();
      for (int64_t r = 0; r < m; ++r) {
        auto t = static_cast<std::size_t>(l.order[static_cast<std::size_t>(range.first + r)]);
        std::copy_n(b.features.data() + static_cast<int64_t>(t) * F, F, f + r * F);
        std::copy_n(b.actions.data() + static_cast<int64_t>(t) * A, A, a + r * A);
        lp[r] = b.log_probs[t];
        adv[r] = b.advantages[t];
        ret[r] = b.returns[t];
        val[r] = b.values[t];
      }
      if (options_.normalize_advantages && m > 1) {
        double mean = 0, var = 0;
        for (int64_t r = 0; r < m; ++r) mean += adv[r];
        mean /= static_cast<double>(m);
        for (int64_t r = 0; r < m; ++r) var += (adv[r] - mean) * (adv[r] - mean);
        double std = std::sqrt(var / static_cast<double>(m - 1));  // unbiased, as torch.std
        for (int64_t r = 0; r < m; ++r) adv[r] = static_cast<float>((adv[r] - mean) / (std + 1e-8));
      }
      nn::TapeScope scope(l.tape);
      Evaluation ev = l.net->evaluate(mb.features, mb.actions);
      PpoLoss loss =
          ppo_loss(ev, mb.log_probs, mb.advantages, mb.returns, mb.values, options_.loss);
      l.adam->zero_grad();
      loss.total.backward();
      nn::clip_grad_norm(l.params, options_.max_grad_norm);
      l.adam->step();
      sum_policy += loss.policy_loss;
      sum_value += loss.value_loss;
      sum_entropy += loss.entropy;
      sum_kl += loss.approx_kl;
      sum_clip += loss.clip_fraction;
      ++updates;
    }
  }
  auto avg = [&](double s) { return s / static_cast<double>(updates); };
  stats.set_stat(l.stat_policy_loss, avg(sum_policy));
  stats.set_stat(l.stat_value_loss, avg(sum_value));
  stats.set_stat(l.stat_entropy, avg(sum_entropy));
  stats.set_stat(l.stat_approx_kl, avg(sum_kl));
  stats.set_stat(l.stat_clip_fraction, avg(sum_clip));
  // How much of the returns' variance the values (before the update) explained.
  double mean_r = 0, var_r = 0, var_err = 0;
  for (int64_t t = 0; t < n; ++t) mean_r += b.returns[static_cast<std::size_t>(t)];
  mean_r /= static_cast<double>(n);
  for (int64_t t = 0; t < n; ++t) {
    double r = b.returns[static_cast<std::size_t>(t)];
    double err = r - b.values[static_cast<std::size_t>(t)];
    var_r += (r - mean_r) * (r - mean_r);
    var_err += err * err;
  }
  stats.set_stat(l.stat_explained_variance,
                 var_r > 0 ? 1.0 - var_err / var_r : std::numeric_limits<double>::quiet_NaN());
}

void PpoTrainer::training_step(int iteration, IterationStats& stats) {
  float lr = options_.learning_rate;
  if (options_.anneal_learning_rate && iterations_ > 0) {
    lr *= 1.0f - static_cast<float>(iteration) / static_cast<float>(iterations_);
  }
  for (auto& s : env_stats_) s.reset(stats.returns.size(), stats.metrics.size());
  for (auto& l : learners_) l->buffer.clear();
  collect();
  for (const IterationStats& s : env_stats_) stats.merge(s);  // env order: thread-independent
  for (auto& l : learners_) update(*l, lr, stats);
}

// ---- Checkpoints ----

void PpoTrainer::save_state(nn::StateDict& out) const {
  out.set_rng("ppo.rng", rng_);
  out.set_rng("ppo.fixed_rng", fixed_rng_);
  for (const auto& l : learners_) {
    l->net->save(out, "ppo." + l->id + ".net");
    l->adam->save(out, "ppo." + l->id + ".adam");
    if (l->normalizer) l->normalizer->save(out, "ppo." + l->id + ".obs");
  }
  for (std::size_t e = 0; e < runners_.size(); ++e)
    runners_[e]->save(out, "ppo.env" + std::to_string(e));
}

void PpoTrainer::load_state(const nn::StateDict& in) {
  rng_ = in.get_rng("ppo.rng");
  fixed_rng_ = in.get_rng("ppo.fixed_rng");
  for (const auto& l : learners_) {
    l->net->load(in, "ppo." + l->id + ".net");
    l->adam->load(in, "ppo." + l->id + ".adam");
    if (l->normalizer) l->normalizer->load(in, "ppo." + l->id + ".obs");
  }
  for (std::size_t e = 0; e < runners_.size(); ++e)
    runners_[e]->load(in, "ppo.env" + std::to_string(e));
}

}  // namespace phantom
