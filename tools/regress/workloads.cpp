// The trainer, env and rollout workloads of phantom-regress (the sampling layer's are in
// sampling_workloads.cpp). Each builds what it runs from scratch with a fixed seed, runs it,
// and hashes what came out: weights and optimiser state (the trainer's last checkpoint holds
// both, with its generators, filters and counters), every metrics CSV row but wall_seconds,
// the run's config.txt, and rollout CSVs byte for byte.
#include "workloads.hpp"

#include <memory>
#include <utility>

#include "analysis/results_dir.hpp"
#include "analysis/rollout_csv.hpp"
#include "analysis/rollout_runner.hpp"
#include "cartpole.hpp"
#include "discrete_supply_chain.hpp"
#include "fixed_policies.hpp"
#include "make_run_settings.hpp"
#include "nn/serialize.hpp"
#include "nn/thread_pool.hpp"
#include "phantom/metrics.hpp"
#include "phantom/range.hpp"
#include "supply_chain.hpp"
#include "support/uneven_env.hpp"
#include "temp_dir.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"
#include "workloads/mlp_step.hpp"

namespace regress {

namespace {

using supply_chain::ShopAgent;

// The columns and state entries that hold wall-clock time, not results.
const std::set<std::string> kWallClockColumns = {"wall_seconds"};
const std::set<std::string> kWallClockEntries = {"trainer.wall_seconds"};

// Trains in a temporary results directory, then hashes the metrics CSV, config.txt and the last
// checkpoint (weights, optimiser state and everything else a resumed run needs).
void train_and_digest(phantom::Trainer& trainer, const phantom::EnvFactory& make_env,
                      phantom::TrainOptions run, Digest& d) {
  TempDir dir;
  run.results_dir = dir.path();
  run.experiment = "regress";
  run.show_progress = false;
  const phantom::TrainingResults results = trainer.train(make_env, phantom::EnvConfig{}, run);
  const phantom::ResultsDir run_dir(results.run_dir);
  d.add_csv("metrics.csv", run_dir.metrics_path(), kWallClockColumns);
  // The thread count is recorded there, but changes no result (as the trainer declares).
  d.add_text_file("config.txt", run_dir.config_path(), {"threads = "});
  const auto checkpoint = run_dir.latest_checkpoint();
  if (!checkpoint) throw phantom::Error("phantom-regress: the run wrote no checkpoint");
  d.add_state_dict("checkpoint", nn::load_state_dict(checkpoint->path), kWallClockEntries);
}

// The shop's stock, sales and missed sales, reduced per episode by their mean.
phantom::NamedMetrics shop_metrics() {
  using M = phantom::Reduce;
  return {{"stock", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::stock, M::mean, M::mean)},
          {"sales", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::sales, M::mean, M::mean)},
          {"missed_sales",
           phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::missed_sales, M::mean, M::mean)}};
}

// ---- nn: an MLP trained with Adam ----

void mlp_adam(Digest& d) {
  workloads::MlpStep w({4, 64, 64, 3}, 256, 1234);
  for (int i = 0; i < 200; ++i) {
    const float loss = w.step();
    d.add_floats("loss " + std::to_string(i + 1), &loss, 1);
  }
  nn::StateDict state;
  nn::put_tensors(state, "weights", w.mlp().parameters());
  w.adam().save(state, "adam");
  d.add_state_dict("final", state);
}

// ---- The supply chain with a fixed policy, through the rollout runner ----

phantom::RolloutPolicies constant_shop(float units) {
  phantom::RolloutPolicies p;
  p.mapping.add("shop", phantom::agents_of_type<ShopAgent>());
  p.custom["SHOP"] = [units](phantom::SpacePtr obs, phantom::SpacePtr act,
                             const phantom::PolicyConfig&) {
    return std::make_shared<supply_chain::ConstantOrder>(std::move(obs), std::move(act), units);
  };
  return p;
}

// Runs the rollouts and hashes both CSVs the runner's users write.
void rollouts_and_digest(const phantom::EnvFactory& make_env, const phantom::EnvConfig& config,
                         phantom::RolloutPolicies policies, int repeats, Digest& d) {
  phantom::RolloutOptions o;
  o.num_repeats = repeats;
  o.workers = workload_threads();
  o.batch_size = 4;
  o.seed = 7;
  o.show_progress = false;
  o.metrics = shop_metrics();
  TempDir dir;
  phantom::RolloutCsvWriter steps(dir.path() + "/rollouts.csv");
  phantom::RolloutMetricsCsvWriter episodes(dir.path() + "/rollout_metrics.csv");
  phantom::RolloutRunner(make_env, config, std::move(policies), o)
      .run([&](const phantom::Rollout& r) {
        steps.write(r);
        episodes.write(r);
      });
  steps.close();
  episodes.close();
  d.add_text_file("rollouts.csv", dir.path() + "/rollouts.csv");
  d.add_text_file("rollout_metrics.csv", dir.path() + "/rollout_metrics.csv");
}

void supply_chain_env(Digest& d) {
  auto make_env = [](const phantom::EnvConfig&) { return supply_chain::make_env(); };
  rollouts_and_digest(make_env, {}, constant_shop(10.0f), 100, d);  // 100 x 100 steps
}

// The supply chain whose customers' demand ("demand": orders 0 .. demand - 1) and number of
// active customers ("customers": the others order nothing) come from the config.
std::unique_ptr<phantom::PhantomEnv> configured_supply_chain(const phantom::EnvConfig& c) {
  auto env = supply_chain::make_env();
  const int64_t demand = c.integer("demand"), customers = c.integer("customers");
  int64_t seen = 0;
  for (const std::string& id : env->agent_ids()) {
    if (auto* customer = dynamic_cast<supply_chain::CustomerAgent*>(&(*env)[id])) {
      customer->max_order_size = ++seen <= customers ? static_cast<int>(demand) : 1;
    }
  }
  return env;
}

void rollout_grid(Digest& d) {
  phantom::EnvConfig config{{"demand", phantom::uniform_range(3, 6, 2, "demand")},
                            {"customers", phantom::linspace_range(3, 5, 3, "customers")}};
  rollouts_and_digest(configured_supply_chain, config, constant_shop(8.0f), 10, d);
}

// ---- Trainers ----

void ppo_cartpole(Digest& d) {
  phantom::PpoOptions ppo;  // CleanRL's CartPole settings: 4 envs x 128 steps
  ppo.threads = workload_threads();
  phantom::PpoTrainer trainer(ppo);
  phantom::TrainOptions run;
  run.iterations = 20;
  run.seed = 3;
  run.policies.add("cart", phantom::agent_ids({"CARTPOLE"}));
  run.policies_to_train = {"cart"};
  train_and_digest(
      trainer, [](const phantom::EnvConfig& c) { return cartpole::make_cartpole_env(c); }, run, d);
}

// `make run`'s settings (examples/supply_chain/make_run_settings.hpp), for 20 iterations.
void ppo_supply_chain(Digest& d) {
  phantom::PpoOptions ppo = supply_chain::make_run_ppo_options();
  ppo.threads = workload_threads();
  phantom::PpoTrainer trainer(ppo);
  phantom::TrainOptions run;
  run.iterations = 20;
  run.seed = 1;
  run.policies.add("shop", phantom::agents_of_type<ShopAgent>());
  run.policies_to_train = {"shop"};
  run.metrics = shop_metrics();
  train_and_digest(
      trainer, [](const phantom::EnvConfig&) { return supply_chain::make_env(); }, run, d);
}

void q_learning_supply_chain(Digest& d) {
  phantom::QLearningOptions q;
  q.epsilon = 0.3;
  q.epsilon_final = 0.01;
  q.epsilon_decay_iterations = 40;
  phantom::QLearningTrainer trainer(q);
  phantom::TrainOptions run;
  run.iterations = 50;  // x 10 episodes x 100 steps
  run.seed = 5;
  run.policies.add("shop", phantom::agents_of_type<ShopAgent>());
  run.policies_to_train = {"shop"};
  run.metrics = shop_metrics();
  train_and_digest(
      trainer, [](const phantom::EnvConfig&) { return supply_chain::make_discrete_env(); }, run, d);
}

// Two agents taking turns in an FSM (tests/support/uneven_env.hpp): A leaves the episode after
// 30 env steps, B after 24 (both terminate), in episodes of at most 40 steps. PPO trains one
// policy for both, or one each.
void fsm_ppo(Digest& d, bool shared) {
  phantom::PpoOptions ppo;
  ppo.num_envs = 2;
  ppo.steps_per_env = 64;
  ppo.network.hidden = {16, 16};
  ppo.threads = workload_threads();
  phantom::PpoTrainer trainer(ppo);
  phantom::TrainOptions run;
  run.iterations = 10;
  run.seed = 11;
  if (shared) {
    run.policies.add("both", phantom::agent_ids({"A", "B"}));
    run.policies_to_train = {"both"};
  } else {
    run.policies.add("a", phantom::agent_ids({"A"}));
    run.policies.add("b", phantom::agent_ids({"B"}));
    run.policies_to_train = {"a", "b"};
  }
  // Each env gets a decode log of its own: sub-envs step on several threads, and the agents
  // write to their log on every step.
  train_and_digest(
      trainer,
      [](const phantom::EnvConfig&) {
        return uneven::make_turns_env(30, 24, std::make_shared<uneven::DecodeLog>(), 40);
      },
      run, d);
}

std::vector<Workload> build_workloads() {
  std::vector<Workload> w = {
      {"mlp_adam", "MLP 4-64-64-3 (tanh), batch 256, 200 Adam steps: losses, weights, moments",
       mlp_adam},
      {"supply_chain_env",
       "supply chain, constant order of 10, 100 episodes x 100 steps (10,000 env steps) through "
       "the rollout runner: rollouts.csv, rollout_metrics.csv",
       supply_chain_env},
      {"rollout_grid",
       "supply chain, grid demand {3, 5} x active customers {3, 4, 5}, 10 repeats each: "
       "rollouts.csv, rollout_metrics.csv",
       rollout_grid},
      {"ppo_cartpole", "PPO on CartPole, CleanRL settings (4 envs x 128 steps), 20 iterations",
       ppo_cartpole},
      {"ppo_supply_chain",
       "PPO on the supply chain, `make run` settings (8 envs x 100 steps), "
       "20 iterations",
       ppo_supply_chain},
      {"q_learning_supply_chain",
       "Q-learning on the discretised supply chain, 50 iterations x 10 episodes",
       q_learning_supply_chain},
      {"fsm_shared_policy", "PPO on a two-agent FSM (turns), one policy shared by both agents",
       [](Digest& d) { fsm_ppo(d, true); }},
      {"fsm_separate_policies", "PPO on the same FSM, one policy per agent",
       [](Digest& d) { fsm_ppo(d, false); }},
  };
  add_sampling_workloads(w);
  return w;
}

}  // namespace

int workload_threads() {
  return nn::default_pool().num_threads();
}

const std::vector<Workload>& all_workloads() {
  static const std::vector<Workload> workloads = build_workloads();
  return workloads;
}

const Workload* find_workload(const std::string& name) {
  for (const Workload& w : all_workloads()) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

}  // namespace regress
