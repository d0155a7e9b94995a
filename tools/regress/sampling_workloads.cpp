// The sampling-layer workloads of phantom-regress: one per batch mode, per observation filter and
// per exploration class of trainers/sampling/.
//
// Each drives a RolloutWorker directly (as a trainer's iteration does, without the learning):
// ten sample() calls, each batch hashed column by column ("sample 3/shop/obs"), the finished
// episodes' records, then the worker's whole saved state (filters, exploration state, every
// policy's timestep, the generators, each sub-env mid-episode). The policy is linear with fixed
// weights, so what is pinned is the sampling layer itself: acting, exploration, filtering,
// cutting, and the env.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cartpole.hpp"
#include "fnv1a.hpp"
#include "nn/distributions.hpp"
#include "nn/rng.hpp"
#include "phantom/policy_config.hpp"
#include "phantom/strategic_agent.hpp"
#include "supply_chain.hpp"
#include "trainers/sampling/exploration.hpp"
#include "trainers/sampling/rollout_worker.hpp"
#include "trainers/sampling/trainable_policy.hpp"
#include "workloads.hpp"

namespace regress {

namespace {

// Acts from a linear function of the observation with fixed random weights: the logits of a
// Categorical (Discrete actions) or the mean of a DiagGaussian with std 0.5 (Box actions). Its
// value is 0.1 times the sum of the observation. It does not learn.
class LinearPolicy : public phantom::TrainablePolicy {
 public:
  LinearPolicy(phantom::SpacePtr obs, phantom::SpacePtr act, const phantom::PolicyConfig& config,
               uint64_t seed)
      : TrainablePolicy(obs, act, phantom::make_exploration(config, {act})),
        inputs_(obs->flat_size()),
        discrete_(act->kind() == phantom::Kind::discrete),
        outputs_(discrete_ ? act->as_discrete().n() : act->flat_size()) {
    nn::Rng rng(seed);
    std::vector<float> w(static_cast<std::size_t>(inputs_ * outputs_));
    for (float& v : w) v = rng.normal(0.0f, 0.5f);
    weights_ = nn::Tensor::from_vector(w, {inputs_, outputs_});
  }

  bool has_value_function() const override { return true; }
  void learn_on_batch(phantom::SampleBatch&, phantom::LearnerStats&) override {}
  void get_weights(nn::StateDict& out, const std::string& prefix) const override {
    out.set_tensor(prefix + ".weights", weights_);
  }
  void set_weights(const nn::StateDict& in, const std::string& prefix) override {
    in.copy_into(prefix + ".weights", weights_);
  }

 protected:
  const nn::Distribution& action_distribution(const float* obs, int64_t rows,
                                              float* vf_preds) override {
    std::vector<float> out(static_cast<std::size_t>(rows * outputs_), 0.0f);
    const float* w = weights_.data();
    for (int64_t r = 0; r < rows; ++r) {
      float sum = 0.0f;
      for (int64_t i = 0; i < inputs_; ++i) {
        const float x = obs[r * inputs_ + i];
        sum += x;
        for (int64_t j = 0; j < outputs_; ++j) out[r * outputs_ + j] += x * w[i * outputs_ + j];
      }
      if (vf_preds) vf_preds[r] = 0.1f * sum;
    }
    nn::Tensor params = nn::Tensor::from_vector(out, {rows, outputs_});
    if (discrete_) {
      dist_ = std::make_unique<nn::Categorical>(params);
    } else {
      std::vector<float> log_std(static_cast<std::size_t>(outputs_), -0.6931472f);  // std 0.5
      dist_ =
          std::make_unique<nn::DiagGaussian>(params, nn::Tensor::from_vector(log_std, {outputs_}));
    }
    return *dist_;
  }

 private:
  int64_t inputs_;
  bool discrete_;
  int64_t outputs_;
  nn::Tensor weights_;
  std::unique_ptr<nn::Distribution> dist_;
};

enum class Env { supply_chain, cartpole };

struct SamplingSetup {
  Env env = Env::supply_chain;
  phantom::BatchMode batch_mode = phantom::BatchMode::truncate_episodes;
  std::string filter = "NoFilter";
  phantom::PolicyConfig exploration{{"type", "StochasticSampling"}};
  uint64_t seed = 17;  // each group of workloads has its own, so no two workloads are the same
};

void sample_and_digest(const SamplingSetup& s, Digest& d) {
  const bool cart = s.env == Env::cartpole;
  const std::string policy_id = cart ? "cart" : "shop";
  phantom::WorkerEnvFactory make_env = [cart](const phantom::EnvContext& c) {
    return cart ? cartpole::make_cartpole_env(c.config) : supply_chain::make_env();
  };
  auto probe = make_env({});
  const std::string agent = cart ? "CARTPOLE" : "SHOP";
  phantom::PolicyConfig exploration = s.exploration;
  const auto& acting = dynamic_cast<const phantom::StrategicAgent&>((*probe)[agent]);
  auto policy = std::make_shared<LinearPolicy>(acting.observation_space(), acting.action_space(),
                                               exploration, 21);
  phantom::PolicyMapping mapping;
  mapping.add(policy_id, phantom::agent_ids({agent}));

  phantom::RolloutWorkerOptions o;
  o.num_envs = 2;
  o.rollout_fragment_length = 50;
  o.batch_mode = s.batch_mode;
  o.observation_filter = s.filter;
  o.seed = s.seed;
  o.num_threads = workload_threads();
  phantom::RolloutWorker worker(make_env, phantom::PolicyMap{{policy_id, policy}}, mapping, o);

  for (int i = 1; i <= 10; ++i) {
    const std::string prefix = "sample " + std::to_string(i) + "/";
    phantom::MultiAgentBatch& batch = worker.sample();
    d.add(prefix + "env_steps", Fnv1a64().u64(static_cast<uint64_t>(batch.env_steps)).value());
    for (const auto& [id, b] : batch.policy_batches) {
      for (const std::string& column : b.column_names()) {
        const std::size_t n = static_cast<std::size_t>(b.size() * b.width(column));
        Fnv1a64 h;
        if (b.type(column) == phantom::ColumnType::float32) {
          h.floats(b.f32(column), n);
        } else {
          const int64_t* v = b.i64(column);
          for (std::size_t k = 0; k < n; ++k) h.u64(static_cast<uint64_t>(v[k]));
        }
        d.add(prefix + id + "/" + column, h.value());
      }
    }
    std::size_t e = 0;
    for (const phantom::EpisodeRecord& r : worker.get_metrics()) {
      Fnv1a64 h;
      h.u64(static_cast<uint64_t>(r.length)).f64(r.total_reward);
      h.u64(static_cast<uint64_t>(r.env_index));
      for (const auto& [who, total] : r.agent_rewards)
        h.text(who.first).text(who.second).f64(total);
      d.add(prefix + "episode " + std::to_string(++e), h.value());
    }
  }
  nn::StateDict state;
  worker.save(state, "worker");
  d.add_state_dict("worker", state);
}

Workload sampling(std::string name, std::string description, SamplingSetup setup) {
  return {std::move(name), std::move(description),
          [setup](Digest& d) { sample_and_digest(setup, d); }};
}

}  // namespace

void add_sampling_workloads(std::vector<Workload>& out) {
  using phantom::BatchMode;
  const std::string shop =
      "worker on the supply chain (2 sub-envs x 50-step fragments, 10 "
      "samples), linear policy, ";
  const std::string cart =
      "worker on CartPole (2 sub-envs x 50-step fragments, 10 samples), "
      "linear policy, ";
  SamplingSetup s;  // the batch modes: seed 17 on the supply chain
  out.push_back(sampling("batch_truncate_episodes", shop + "truncate_episodes", s));
  s.batch_mode = BatchMode::complete_episodes;
  out.push_back(sampling("batch_complete_episodes", shop + "complete_episodes", s));
  s = {};  // the filters: seed 18 on CartPole, whose observations vary most
  s.env = Env::cartpole;
  s.seed = 18;
  out.push_back(sampling("filter_no_filter", cart + "NoFilter", s));
  s.filter = "MeanStdFilter";
  out.push_back(sampling("filter_mean_std", cart + "MeanStdFilter", s));
  s.filter = "ConcurrentMeanStdFilter";
  out.push_back(sampling("filter_concurrent_mean_std", cart + "ConcurrentMeanStdFilter", s));

  struct Explore {
    const char* name;
    Env env;
    phantom::PolicyConfig config;
  };
  const std::vector<Explore> explorations = {
      {"stochastic_sampling", Env::supply_chain, {{"type", "StochasticSampling"}}},
      {"epsilon_greedy",
       Env::cartpole,
       {{"type", "EpsilonGreedy"}, {"epsilon_timesteps", "600"}, {"warmup_timesteps", "100"}}},
      {"per_worker_epsilon_greedy",
       Env::cartpole,
       {{"type", "PerWorkerEpsilonGreedy"}, {"epsilon_timesteps", "600"}}},
      {"soft_q", Env::cartpole, {{"type", "SoftQ"}, {"temperature", "0.5"}}},
      {"random", Env::cartpole, {{"type", "Random"}}},
      {"gaussian_noise",
       Env::supply_chain,
       {{"type", "GaussianNoise"}, {"random_timesteps", "200"}, {"scale_timesteps", "800"}}},
      {"ornstein_uhlenbeck_noise",
       Env::supply_chain,
       {{"type", "OrnsteinUhlenbeckNoise"},
        {"random_timesteps", "200"},
        {"scale_timesteps", "800"}}},
  };
  for (const Explore& e : explorations) {
    s = {};  // the explorations: seed 19
    s.seed = 19;
    s.env = e.env;
    s.exploration = e.config;
    out.push_back(sampling(std::string("explore_") + e.name,
                           (e.env == Env::cartpole ? cart : shop) + e.config.get_string("type", ""),
                           s));
  }
}

}  // namespace regress
