// Off-policy estimation on the supply chain: how well would a trained shop do, judged only from
// episodes that other policies played?
//
//   offline_estimate [options]     (--help lists them)
//
// 1. Trains the shop with PPO (the settings of `make run`, without observation normalisation,
//    so that the logged observations are what the trained network reads).
// 2. Logs experience to offline files (RolloutWorkerOptions::output_dir), one episode per line,
//    with two behaviour policies: a uniformly random order (the action drawn uniformly from the
//    whole action range), and the trained policy itself with twice its noise.
// 3. Reads each log back and estimates the trained (stochastic) policy's return with importance
//    sampling (IS) and weighted importance sampling (WIS), for the plain return (gamma = 1) and
//    for PPO's discount (gamma = 0.9).
// 4. Rolls the trained policy out on the env for the truth: its mean return over as many
//    on-policy episodes, sampling its actions as the estimates assume.
//
// What it shows: the estimators are only as good as the overlap of the two policies over the
// steps that matter. An episode's weight at step t is a product of t + 1 probability ratios. The
// random order almost never takes the trained policy's actions, so the weights collapse within a
// few steps and a handful of episodes make up the whole estimate: both estimates are far off at
// either discount. The noisier copy of the trained policy overlaps well step by step, but over
// 100 steps the products are so heavy-tailed that 1000 episodes rarely contain the few large
// weights: for the plain return IS falls far short of the truth and WIS overshoots. With gamma =
// 0.9 the late steps hardly count: WIS lands close to the truth, IS a few standard errors short.
// (docs/EVALUATION.md quotes a run.)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/rollout_runner.hpp"
#include "command_line.hpp"
#include "make_run_settings.hpp"
#include "nn/distributions.hpp"
#include "supply_chain.hpp"
#include "trainers/offline/batch_json.hpp"
#include "trainers/offline/input_files.hpp"
#include "trainers/offline/off_policy_estimator.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/sampling/stochastic_sampling.hpp"

namespace {

using supply_chain::ShopAgent;

/// Uniform on [-1, 1]^d per row: the density is 2^-d wherever an action can fall.
class UniformBox final : public nn::Distribution {
 public:
  UniformBox(int64_t rows, int64_t dim) : rows_(rows), dim_(dim) {}
  const char* name() const override { return "UniformBox"; }
  int64_t batch_size() const override { return rows_; }
  int64_t action_dim() const override { return dim_; }
  nn::Tensor sample(nn::Rng& rng) const override {
    nn::Tensor t = nn::Tensor::zeros({rows_, dim_});
    for (int64_t k = 0; k < rows_ * dim_; ++k) t.data()[k] = rng.uniform(-1.0f, 1.0f);
    return t;
  }
  nn::Tensor log_prob(const nn::Tensor& actions) const override {
    nn::Tensor lp = nn::Tensor::zeros({rows_});
    for (int64_t r = 0; r < rows_; ++r) {
      float v = -static_cast<float>(dim_) * std::log(2.0f);
      for (int64_t j = 0; j < dim_; ++j) {
        if (std::fabs(actions.data()[r * dim_ + j]) > 1.0f) v = -INFINITY;
      }
      lp.data()[r] = v;
    }
    return lp;
  }
  nn::Tensor entropy() const override {
    return nn::Tensor::full({rows_}, static_cast<float>(dim_) * std::log(2.0f));
  }
  nn::Tensor mode() const override { return nn::Tensor::zeros({rows_, dim_}); }

 private:
  int64_t rows_, dim_;
};

/// Orders uniformly at random over the whole action range: the worker rescales [-1, 1] to it.
/// It samples its distribution (StochasticSampling), so its batches record the probability.
class RandomOrder final : public phantom::TrainablePolicy {
 public:
  RandomOrder(phantom::SpacePtr obs, phantom::SpacePtr act)
      : TrainablePolicy(
            std::move(obs), act,
            std::make_unique<phantom::StochasticSampling>(phantom::ExplorationContext{act}),
            /*explore=*/true) {}
  void learn_on_batch(phantom::SampleBatch&, phantom::LearnerStats&) override {}
  void get_weights(nn::StateDict&, const std::string&) const override {}
  void set_weights(const nn::StateDict&, const std::string&) override {}

 protected:
  const nn::Distribution& action_distribution(const float*, int64_t rows, float*) override {
    dist_.emplace(rows, action_space()->flat_size());
    return *dist_;
  }

 private:
  std::optional<UniformBox> dist_;
};

std::unique_ptr<phantom::PhantomEnv> make_env(const phantom::EnvConfig&) {
  return supply_chain::make_env();
}

phantom::PolicyMapping shop_mapping() {
  phantom::PolicyMapping m;
  m.add("shop", phantom::agents_of_type<ShopAgent>());
  return m;
}

// `episodes` whole episodes of `behaviour` into `dir` (one line per episode).
void log_experience(const std::string& dir, std::shared_ptr<phantom::Policy> behaviour,
                    int episodes, uint64_t seed) {
  phantom::RolloutWorkerOptions o;
  o.batch_mode = phantom::BatchMode::complete_episodes;
  o.rollout_fragment_length = 1;  // one episode per sample()
  o.seed = seed;
  o.output_dir = dir;
  phantom::RolloutWorker worker([](const phantom::EnvContext& c) { return make_env(c.config); },
                                phantom::PolicyMap{{"shop", std::move(behaviour)}}, shop_mapping(),
                                o);
  for (int e = 0; e < episodes; ++e) worker.sample();
}

struct Estimates {
  int episodes = 0;
  double v_prev = 0, is = 0, wis = 0, is_se = 0;
  double largest_weight_share = 0;  // of the IS estimate's sum, the largest single episode's
};

// IS and WIS of `target` over every episode logged in `dir`, each read once, in file order.
Estimates estimate(const std::string& dir, phantom::TrainablePolicy& target, double gamma) {
  phantom::OffPolicyEstimator is(phantom::OffPolicyEstimator::Method::is, gamma);
  phantom::OffPolicyEstimator wis(phantom::OffPolicyEstimator::Method::wis, gamma);
  std::vector<double> is_values;
  Estimates out;
  for (const std::string& file : phantom::find_input_files(dir)) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    std::string line;
    for (int c = 0; f && (c = std::fgetc(f)) != EOF;) {
      if (c != '\n') {
        line += static_cast<char>(c);
        continue;
      }
      const phantom::MultiAgentBatch batch = phantom::parse_batch_json(line);
      line.clear();
      for (const phantom::OffPolicyEstimate& e : is.estimate(batch, target)) {
        out.v_prev += e.v_prev;
        out.is += e.v_target;
        is_values.push_back(e.v_target);
      }
      for (const phantom::OffPolicyEstimate& e : wis.estimate(batch, target)) out.wis += e.v_target;
    }
    if (f) std::fclose(f);
  }
  const double n = static_cast<double>(is_values.size());
  out.episodes = static_cast<int>(is_values.size());
  out.v_prev /= n;
  out.wis /= n;
  double sum = out.is, largest = 0, squares = 0;
  out.is /= n;
  for (double v : is_values) {
    largest = std::max(largest, std::fabs(v));
    squares += (v - out.is) * (v - out.is);
  }
  out.is_se = n > 1 ? std::sqrt(squares / (n - 1)) / std::sqrt(n) : 0;
  out.largest_weight_share = sum != 0 ? largest / std::fabs(sum) : 0;
  return out;
}

// The trained policy's mean discounted return over `episodes` on-policy episodes.
double true_return(const std::map<std::string, std::shared_ptr<phantom::Policy>>& policies,
                   int episodes, double gamma, bool explore, double* standard_error) {
  phantom::RolloutPolicies p;
  p.mapping = shop_mapping();
  p.policies = policies;
  phantom::RolloutOptions o;
  o.num_repeats = episodes;
  o.workers = 2;
  o.seed = 1000;
  o.explore = explore;
  o.show_progress = false;
  std::vector<double> returns;
  phantom::RolloutRunner(make_env, {}, p, o).run([&](const phantom::Rollout& r) {
    double total = 0, discount = 1;
    for (const auto& reward : r.rewards_for_agent("SHOP", true)) {
      total += discount * *reward;
      discount *= gamma;
    }
    returns.push_back(total);
  });
  double mean = 0, squares = 0;
  for (double v : returns) mean += v / static_cast<double>(returns.size());
  for (double v : returns) squares += (v - mean) * (v - mean);
  const double n = static_cast<double>(returns.size());
  *standard_error = n > 1 ? std::sqrt(squares / (n - 1)) / std::sqrt(n) : 0;
  return mean;
}

int run(int iterations, int episodes, uint64_t seed, const std::string& out) {
  // 1. The target: PPO with make_run's settings, raw observations.
  phantom::PpoOptions ppo = supply_chain::make_run_ppo_options();
  ppo.normalize_observations = false;  // the logged observations are what the network reads
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = seed;
  run.policies = shop_mapping();
  run.policies_to_train = {"shop"};
  run.show_progress = false;
  std::printf("Training the shop with PPO: %d iterations...\n", iterations);
  phantom::PpoTrainer trainer(ppo);
  const phantom::TrainingResults trained = trainer.train(make_env, {}, run);
  auto target = std::dynamic_pointer_cast<phantom::PpoPolicy>(trained.policies.at("shop"));

  // 2. Two behaviour policies, each logged to its own directory.
  const auto env = supply_chain::make_env();
  const phantom::StrategicAgent* shop = nullptr;
  for (int i = 0; i < env->num_strategic(); ++i) shop = &env->strategic_agent(i);
  auto random = std::make_shared<RandomOrder>(shop->observation_space(), shop->action_space());
  nn::Rng init(seed, 99);
  auto wide_net = std::make_shared<phantom::ActorCritic>(shop->observation_space(),
                                                         shop->action_space(), ppo.network, init);
  nn::StateDict weights;
  target->network()->save(weights, "net");
  wide_net->load(weights, "net");
  wide_net->parameters().back().data()[0] += std::log(2.0f);  // log std + ln 2: twice the noise
  auto wide = std::make_shared<phantom::PpoPolicy>(wide_net, nullptr, ppo, nn::Rng(seed, 98));
  const std::string random_dir = out + "/uniform_random", wide_dir = out + "/twice_the_noise";
  std::filesystem::remove_all(random_dir);
  std::filesystem::remove_all(wide_dir);
  std::printf("Logging %d episodes of each behaviour policy under %s...\n", episodes, out.c_str());
  log_experience(random_dir, random, episodes, seed + 1);
  log_experience(wide_dir, wide, episodes, seed + 2);

  // 3. and 4., for the plain return and for PPO's discount.
  for (const double gamma : {1.0, static_cast<double>(ppo.gamma)}) {
    double se_stochastic = 0, se_greedy = 0;
    const double truth = true_return(trained.policies, episodes, gamma, true, &se_stochastic);
    const double greedy = true_return(trained.policies, episodes, gamma, false, &se_greedy);
    std::printf("\nReturns discounted by gamma = %g\n", gamma);
    std::printf(
        "  trained policy, %d on-policy episodes, sampling its actions: %8.2f (s.e. %.2f)\n",
        episodes, truth, se_stochastic);
    std::printf(
        "  trained policy, %d on-policy episodes, deterministic:        %8.2f (s.e. %.2f)\n",
        episodes, greedy, se_greedy);
    std::printf("  %-28s %9s %9s %9s %9s %12s\n", "estimates from the logs of", "V_prev", "IS",
                "IS s.e.", "WIS", "top episode");
    for (const auto& [name, dir] :
         {std::pair<const char*, std::string>{"uniformly random orders", random_dir},
          {"trained, twice the noise", wide_dir}}) {
      const Estimates e = estimate(dir, *target, gamma);
      std::printf("  %-28s %9.2f %9.2f %9.2f %9.2f %11.1f%%\n", name, e.v_prev, e.is, e.is_se,
                  e.wis, 100.0 * e.largest_weight_share);
    }
  }
  std::printf(
      "\nV_prev: the behaviour policy's own mean return. top episode: the largest single "
      "episode's share\nof the IS sum (near 100%%: one episode decides the estimate).\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 1500, episodes = 1000;
  uint64_t seed = 1;
  std::string out = "results/offline_estimate";
  examples::CommandLine cli("offline_estimate",
                            "Estimates a trained supply-chain shop's return off-policy (IS, WIS) "
                            "from episodes logged by other policies, next to its true return.");
  cli.integer("--iterations", "N", &iterations, 1, "PPO training iterations")
      .integer("--episodes", "E", &episodes, 1,
               "episodes logged per behaviour policy, and rolled out")
      .seed("--seed", &seed, "the run's seed")
      .text("--out", "DIR", &out, "where the logged experience goes");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  return examples::run_main(cli.program(), [&] { return run(iterations, episodes, seed, out); });
}
