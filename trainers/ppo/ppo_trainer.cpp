// PpoTrainer: its policies and worker, and the iteration plan.
#include "trainers/ppo/ppo_trainer.hpp"

#include <algorithm>
#include <cmath>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

// The statistics every PpoPolicy reports, in CSV column order.
const std::vector<std::string>& ppo_stat_names() {
  static const std::vector<std::string> names = {
      "policy_loss",   "value_loss",         "entropy",       "approx_kl",
      "clip_fraction", "explained_variance", "learning_rate", "transitions"};
  return names;
}

}  // namespace

PpoTrainer::PpoTrainer(PpoOptions options) : Trainer("ppo"), options_(std::move(options)) {
  const PpoOptions& o = options_;
  auto bad = [](const std::string& what) { throw ConfigError("PpoOptions: " + what); };
  if (o.num_envs < 1) bad("num_envs must be >= 1");
  if (o.steps_per_env < 1) bad("steps_per_env must be >= 1");
  if (o.epochs < 1) bad("epochs must be >= 1");
  if (o.minibatches < 1) bad("minibatches must be >= 1");
  if (!(o.learning_rate > 0.0f) || !std::isfinite(o.learning_rate))
    bad("learning_rate must be finite and > 0");
  if (!(o.gamma >= 0.0f && o.gamma <= 1.0f)) bad("gamma must be in [0, 1]");
  if (!(o.gae_lambda >= 0.0f && o.gae_lambda <= 1.0f)) bad("gae_lambda must be in [0, 1]");
  if (!(o.loss.clip > 0.0f)) bad("loss.clip must be > 0");
  if (o.threads < 1) bad("threads must be >= 1");
}

PpoTrainer::~PpoTrainer() = default;

void PpoTrainer::setup(Setup& s) {
  const TrainOptions& run = *s.options;
  const ResolvedPolicies& resolved = *s.resolved;
  iterations_ = run.iterations;
  trained_.clear();
  stat_columns_.clear();
  // A PPO policy at mapping position p: its network initialised from the run's seed and p, so
  // every worker's copy starts the same.
  const OwnPolicyFactory make_policy = [this, &resolved, seed = run.seed](std::size_t p) {
    const ResolvedPolicy& rp = resolved.policies[p];
    nn::Rng init_rng(seed, 10 + p);
    auto net = std::make_shared<ActorCritic>(rp.observation_space, rp.action_space,
                                             options_.network, init_rng);
    return std::make_shared<PpoPolicy>(net, nullptr, options_, nn::Rng(seed, 20 + p));
  };
  for (std::size_t p = 0; p < resolved.policies.size(); ++p) {
    const ResolvedPolicy& rp = resolved.policies[p];
    if (rp.of_trainer_kind) {
      rp.config.check_known_keys({});  // PPO takes its settings from PpoOptions
      (*s.policies)[p] = make_policy(p);
      if (rp.trained) {
        trained_.push_back(rp.id);
        std::vector<std::string>& columns = stat_columns_[rp.id];
        for (const std::string& name : ppo_stat_names())
          columns.push_back("ppo/" + rp.id + "/" + name);
      }
    }
  }
  std::sort(trained_.begin(), trained_.end());

  RolloutWorkerOptions w;
  w.num_envs = options_.num_envs;
  w.rollout_fragment_length = options_.steps_per_env;
  w.batch_mode = BatchMode::truncate_episodes;
  w.observation_filter = options_.normalize_observations ? "MeanStdFilter" : "NoFilter";
  // Box actions: the network acts in [-1, 1] and the worker rescales, or clips if not.
  w.normalize_actions = options_.network.rescale_box_actions;
  w.clip_actions = true;
  w.keep_episode_records = false;  // reported through collect_stats
  w.num_threads = options_.threads;
  w.sample_async = options_.sample_async;
  make_worker(s, std::move(w), make_policy);
  learner_stats_.clear();
  for (const std::string& id : trained_) learner_stats_[id];
  refresh_policy_filters();
}

std::vector<std::string> PpoTrainer::stat_names() const {
  std::vector<std::string> names;
  for (const std::string& id : trained_) {
    const std::vector<std::string>& columns = stat_columns_.at(id);
    names.insert(names.end(), columns.begin(), columns.end());
  }
  return names;
}

std::vector<std::string> PpoTrainer::learned_columns() const {
  return {columns::kObs,     columns::kActions,    columns::kActionLogp,
          columns::kVfPreds, columns::kAdvantages, columns::kValueTargets};
}

void PpoTrainer::refresh_policy_filters() {
  for (const std::string& id : trained_) {
    auto& policy = dynamic_cast<PpoPolicy&>(*worker().get_policy(id));
    const ObservationFilter& live = worker().filters().get(id);
    if (!policy.observation_filter()) policy.set_observation_filter(live.copy());
    policy.observation_filter()->sync(live);  // no allocation once the copy exists
  }
}

void PpoTrainer::training_step(int iteration, IterationStats& stats) {
  float lr = options_.learning_rate;
  if (options_.anneal_learning_rate && iterations_ > 0) {
    lr *= 1.0f - static_cast<float>(iteration) / static_cast<float>(iterations_);
  }
  worker().foreach_trainable_policy(
      [lr](TrainablePolicy& policy, const std::string&) { policy.set_learning_rate(lr); });
  MultiAgentBatch& batch = next_batch();
  collect_stats(stats);
  for (auto& entry : learner_stats_) entry.second.reset();
  worker().learn_on_batch(batch, learner_stats_);
  sync_workers(stats);
  for (const std::string& id : trained_) {
    const LearnerStats& ls = learner_stats_.at(id);
    const std::vector<std::string>& columns = stat_columns_.at(id);
    const std::vector<std::string>& names = ppo_stat_names();
    for (std::size_t k = 0; k < names.size(); ++k) stats.set_stat(columns[k], ls.get(names[k]));
  }
  refresh_policy_filters();
}

RecordedOptions PpoTrainer::recorded_options() const {
  using Needed = TrainerOption::Needed;
  const PpoOptions& o = options_;
  auto real = [](float v) { return float_string(v); };
  auto flag = [](bool v) { return std::string(v ? "true" : "false"); };
  std::string hidden = "[";
  for (std::size_t k = 0; k < o.network.hidden.size(); ++k) {
    hidden += (k ? ", " : "") + std::to_string(o.network.hidden[k]);
  }
  hidden += "]";
  // Every field of PpoOptions, in its order. A checkpoint holds the networks, the observation
  // filters and every sub-env mid-episode, so their shapes must match to load it; the policies
  // act through rescale_box_actions. The output gains and the initial log std only initialise
  // parameters that a checkpoint overwrites.
  return {"PpoOptions",
          {{"num_envs", std::to_string(o.num_envs), Needed::kToLoad},
           {"steps_per_env", std::to_string(o.steps_per_env), Needed::kToResume},
           {"epochs", std::to_string(o.epochs), Needed::kToResume},
           {"minibatches", std::to_string(o.minibatches), Needed::kToResume},
           {"learning_rate", real(o.learning_rate), Needed::kToResume},
           {"anneal_learning_rate", flag(o.anneal_learning_rate), Needed::kToResume},
           {"adam_eps", real(o.adam_eps), Needed::kToResume},
           {"gamma", real(o.gamma), Needed::kToResume},
           {"reward_scale", real(o.reward_scale), Needed::kToResume},
           {"gae_lambda", real(o.gae_lambda), Needed::kToResume},
           {"loss.clip", real(o.loss.clip), Needed::kToResume},
           {"loss.clip_value_loss", flag(o.loss.clip_value_loss), Needed::kToResume},
           {"loss.value_coef", real(o.loss.value_coef), Needed::kToResume},
           {"loss.entropy_coef", real(o.loss.entropy_coef), Needed::kToResume},
           {"max_grad_norm", real(o.max_grad_norm), Needed::kToResume},
           {"normalize_advantages", flag(o.normalize_advantages), Needed::kToResume},
           {"normalize_observations", flag(o.normalize_observations), Needed::kToLoad},
           {"network.hidden", hidden, Needed::kToLoad},
           {"network.activation", nn::activation_name(o.network.activation), Needed::kToLoad},
           {"network.shared_trunk", flag(o.network.shared_trunk), Needed::kToLoad},
           {"network.actor_output_gain", real(o.network.actor_output_gain), Needed::kNever},
           {"network.critic_output_gain", real(o.network.critic_output_gain), Needed::kNever},
           {"network.initial_log_std", real(o.network.initial_log_std), Needed::kNever},
           {"network.rescale_box_actions", flag(o.network.rescale_box_actions), Needed::kToLoad},
           {"threads", std::to_string(o.threads), Needed::kNever},
           {"sample_async", flag(o.sample_async), Needed::kToResume}}};
}

void PpoTrainer::save_state(nn::StateDict& out) const {
  worker().save(out, "ppo.worker");
}

void PpoTrainer::load_state(const nn::StateDict& in) {
  worker().restore(in, "ppo.worker");
  refresh_policy_filters();
}

}  // namespace phantom
