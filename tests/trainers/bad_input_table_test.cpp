// The bad-input table: docs/BAD_INPUT.md lists what a user can do wrong and the exact error the
// library gives. The table is the data of this test: each row names a case of kCases below by its
// id and gives the exception's class and message; the test runs every case and compares. A row
// without a case, a case without a row, or a different class or message fails, and the failure
// prints the row as it should read. Messages naming a scratch file use <tmp> for its directory.
//
// With PHANTOM_BAD_INPUT_PRINT=1 in the environment, the test also prints every case as a row
// (without its description), to write new rows from.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/csv_logger.hpp"
#include "analysis/csv_reader.hpp"
#include "analysis/plot_cli.hpp"
#include "analysis/results_dir.hpp"
#include "analysis/rollout_runner.hpp"
#include "analysis/test_files.hpp"
#include "nn/ops.hpp"
#include "nn/serialize.hpp"
#include "phantom/env_config.hpp"
#include "phantom/error.hpp"
#include "phantom/policy_mapping.hpp"
#include "phantom/sampler.hpp"
#include "phantom/space.hpp"
#include "phantom/type_id.hpp"
#include "support/policy_test_env.hpp"
#include "support/sign_env.hpp"
#include "tabular_envs.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"
#include "trainers/sampling/rollout_worker.hpp"
#include "worker_test_policies.hpp"

namespace {

namespace fs = std::filesystem;
using analysis_test::read_all;
using analysis_test::ScratchDir;
using analysis_test::write_all;

/// What a case may use: a scratch directory (<tmp> in messages).
struct Context {
  ScratchDir dir;
};

// ---- Small setups the cases share ----

phantom::TrainOptions sign_run(int iterations = 1) {
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = 1;
  run.show_progress = false;
  run.policies.add("guesser", phantom::agents_of_type<test_support::SignGuesser>());
  run.policies_to_train = {"guesser"};
  return run;
}

phantom::PpoOptions small_ppo() {
  phantom::PpoOptions o;
  o.num_envs = 1;
  o.steps_per_env = 8;
  o.epochs = 1;
  o.minibatches = 1;
  o.network.hidden = {4};
  return o;
}

phantom::EnvFactory chain_factory() {
  return [](const phantom::EnvConfig&) {
    tabular::ChainOptions chain;
    chain.walkers = 2;
    return tabular::make_chain_env(chain);
  };
}

phantom::TrainOptions chain_run(int iterations) {
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = 1;
  run.show_progress = false;
  run.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
  run.policies_to_train = {"walkers"};
  run.checkpoint_every = 1;
  return run;
}

phantom::QLearningOptions small_q() {
  phantom::QLearningOptions q;
  q.episodes_per_iteration = 2;
  return q;
}

// Two batches of the sign env written to `dir` by a policy whose postprocessing adds advantages
// but no value targets (what PPO learns from).
void write_sign_experience(const std::string& dir) {
  phantom::RolloutWorkerOptions o;
  o.rollout_fragment_length = 4;
  o.output_dir = dir;
  phantom::PolicyMappingFn to_guesser = [](const std::string&, const phantom::Episode&) {
    return std::string("guesser");
  };
  phantom::RolloutWorker worker(
      [](const phantom::EnvContext&) { return test_support::make_sign_env({}); },
      {{"guesser", std::make_shared<worker_test::FixedLogitsPolicy>(
                       phantom::box(-1, 1, {1}), phantom::discrete(2), std::vector<float>{0, 0})}},
      to_guesser, o);
  for (int k = 0; k < 2; ++k) worker.sample();
}

// An episode of the two-walker chain written to `dir` by an epsilon-greedy Q table (which
// records no behaviour probabilities).
void write_greedy_chain_experience(const std::string& dir) {
  auto env = chain_factory()({});
  const phantom::StrategicAgent& walker = env->strategic_agent(0);
  auto table = std::make_shared<phantom::QTablePolicy>(walker.observation_space(),
                                                       walker.action_space(), "walkers");
  table->set_explore(true);
  phantom::RolloutWorkerOptions o;
  o.batch_mode = phantom::BatchMode::complete_episodes;
  o.rollout_fragment_length = 1;
  o.output_dir = dir;
  phantom::PolicyMappingFn to_walkers = [](const std::string&, const phantom::Episode&) {
    return std::string("walkers");
  };
  phantom::RolloutWorker worker([](const phantom::EnvContext&) { return chain_factory()({}); },
                                {{"walkers", table}}, to_walkers, o);
  worker.sample();
}

// A copy of one Q-learning run of 2 iterations (checkpoints at 1 and 2, trained once) in
// <tmp>/results/experiment/run.
std::string q_run_dir(Context& c) {
  static ScratchDir trained;
  static const std::string original = [] {
    phantom::TrainOptions run = chain_run(2);
    run.results_dir = trained.file("results");
    return phantom::QLearningTrainer(small_q()).train(chain_factory(), {}, run).run_dir;
  }();
  const std::string dir = c.dir.file("results/experiment/run");
  fs::create_directories(dir);
  fs::copy(original, dir, fs::copy_options::recursive);
  return dir;
}

void resume_q(const std::string& run_dir, int iterations = 3) {
  phantom::QLearningTrainer(small_q()).resume(run_dir, chain_factory(), {}, chain_run(iterations));
}

// The run's newest checkpoint with `edit` applied (saved with a valid checksum).
void edit_checkpoint(const std::string& run_dir, const std::function<void(nn::StateDict&)>& edit) {
  const std::string path = run_dir + "/checkpoint-000002.bin";
  nn::StateDict state = nn::load_state_dict(path);
  edit(state);
  nn::save_state_dict(state, path);
}

// A state dict file of known bytes (a checkpoint's checksum depends on its wall time).
std::string small_state_dict_bytes() {
  nn::StateDict d;
  d.set_int("trainer.iteration", 2);
  d.set_string("note", "a state dict with known bytes");
  const std::vector<uint8_t> bytes = nn::encode_state_dict(d);
  return std::string(bytes.begin(), bytes.end());
}

phantom::ResolvedPolicies resolve_on_market(const std::string& mapping_text,
                                            std::vector<std::string> to_train = {"p"}) {
  phantom::PolicyRegistry registry;
  registry.add("constant",
               [](phantom::SpacePtr o, phantom::SpacePtr a, const phantom::PolicyConfig& config) {
                 config.check_known_keys({"value"});
                 return std::make_shared<test_support::ConstantPolicy>(
                     o, a, static_cast<float>(config.get_double("value", 0.0)));
               });
  auto env = test_support::make_market_env();
  phantom::ResolvedPolicies resolved =
      phantom::PolicyMapping::parse(mapping_text).resolve(*env, "ppo", to_train, registry);
  phantom::create_registered_policies(resolved, registry);
  return resolved;
}

// phantom-plot on a small metrics file: "exit <status>: <first line of its error output>".
void plot(Context& c, std::vector<std::string> args) {
  write_all(c.dir.file("m.csv"), "iteration,loss,note\n1,0.5,a\n2,0.25,b\n");
  for (std::string& a : args) {
    if (a == "m.csv" || a == "out.svg") a = c.dir.file(a);
  }
  std::ostringstream out, err;
  const int status = phantom::run_phantom_plot(args, out, err);
  const std::string message = err.str().substr(0, err.str().find('\n'));  // its first line
  throw phantom::Error("exit " + std::to_string(status) + ": " + message);
}

// ---- The cases, by id (docs/BAD_INPUT.md has one row per id) ----

using Case = std::function<void(Context&)>;

const std::map<std::string, Case>& cases() {
  static const std::map<std::string, Case> all = {
      // Env configs
      {"env-config-not-a-number", [](Context&) { phantom::EnvConfig::parse("price = abc"); }},
      {"env-config-unknown-function",
       [](Context&) { phantom::EnvConfig::parse("price = gauss(0, 1)"); }},
      {"env-config-twice", [](Context&) { phantom::EnvConfig::parse("a = 1\na = 2"); }},
      {"env-config-integer-beyond-float",
       [](Context&) { phantom::EnvConfig::parse("seed = 123456789"); }},
      {"env-config-low-above-high",
       [](Context&) { phantom::EnvConfig::parse("p = uniform(2, 1)"); }},
      {"env-config-range-too-long",
       [](Context&) { phantom::EnvConfig::parse("x = linspace(0, 1, 20000000)"); }},
      {"env-config-range-unrepresentable",
       [](Context&) { phantom::EnvConfig::parse("x = arange(1e30, 1.00000000000000015e30, 1)"); }},
      {"env-config-unclosed-array", [](Context&) { phantom::EnvConfig::parse("w = [1, 2"); }},
      {"env-config-infinite-bound",
       [](Context&) { phantom::EnvConfig::parse("p = uniform(0, 1e39)"); }},
      {"env-config-missing-entry",
       [](Context&) {
         phantom::EnvConfig{{"steps", 10}}.number("price");
       }},
      {"env-config-sampler-as-number",
       [](Context&) {
         phantom::EnvConfig{{"price", phantom::uniform(1.0f, 2.0f)}}.number("price");
       }},
      {"env-config-fraction-as-integer",
       [](Context&) {
         phantom::EnvConfig{{"steps", 2.5}}.integer("steps");
       }},
      {"env-config-integer-beyond-int64",
       [](Context&) {
         phantom::EnvConfig{{"steps", 1e30f}}.integer("steps");
       }},
      {"env-config-range-in-training",
       [](Context&) {
         phantom::PpoTrainer(small_ppo())
             .train(test_support::make_sign_env,
                    {{"price", phantom::linspace_range(0, 1, 3, "price")}}, sign_run());
       }},

      // Policy mappings
      {"mapping-no-equals", [](Context&) { phantom::PolicyMapping::parse("p ids S1"); }},
      {"mapping-twice", [](Context&) { phantom::PolicyMapping::parse("p = ids S1\np = ids S2"); }},
      {"mapping-unterminated-string",
       [](Context&) { phantom::PolicyMapping::parse("p = ids \"S1"); }},
      {"mapping-unknown-agent", [](Context&) { resolve_on_market("p = ids S9"); }},
      {"mapping-unknown-type", [](Context&) { resolve_on_market("p = type Trader"); }},
      {"mapping-agent-twice",
       [](Context&) { resolve_on_market("p = type Seller\nq = ids S1\nr = type Buyer"); }},
      {"mapping-agent-left-out", [](Context&) { resolve_on_market("p = ids S1, S2"); }},
      {"mapping-different-spaces", [](Context&) { resolve_on_market("p = ids S1, B1, S2, B2"); }},
      {"mapping-non-strategic-agent",
       [](Context&) { resolve_on_market("p = ids M, S1, B1, S2, B2"); }},
      {"mapping-unknown-kind",
       [](Context&) { resolve_on_market("p = type Seller\nq = random : type Buyer"); }},
      {"mapping-train-unknown",
       [](Context&) { resolve_on_market("p = type Seller\nq = type Buyer", {"x"}); }},
      {"mapping-train-fixed-policy",
       [](Context&) {
         resolve_on_market("p = type Seller\nq = constant : type Buyer", {"p", "q"});
       }},
      {"policy-config-not-a-number",
       [](Context&) {
         resolve_on_market("p = type Seller\nq = constant : type Buyer with value = abc");
       }},
      {"policy-config-padded-number",
       [](Context&) {
         resolve_on_market("p = type Seller\nq = constant : type Buyer with value = \" 5\"");
       }},
      {"policy-config-unknown-key",
       [](Context&) {
         resolve_on_market("p = type Seller\nq = constant : type Buyer with valeu = 5");
       }},
      {"policy-config-signed-integer",
       [](Context&) {
         phantom::PolicyConfig config{{"n", "+5"}};
         config.get_int("n");
       }},

      // Spaces
      {"space-box-low-above-high", [](Context&) { phantom::box(1, 0, {2}); }},
      {"space-box-nan-bound", [](Context&) { phantom::box(std::nanf(""), 1, {2}); }},
      {"space-box-negative-dimension", [](Context&) { phantom::box(0, 1, {-2}); }},
      {"space-discrete-empty", [](Context&) { phantom::discrete(0); }},
      {"space-dict-repeated-key",
       [](Context&) {
         phantom::dict_space({{"a", phantom::discrete(2)}, {"a", phantom::discrete(3)}});
       }},

      // Networks and envs
      {"network-repeated-agent",
       [](Context&) {
         phantom::Network net;
         net.emplace<test_support::Market>("M");
         net.emplace<test_support::Market>("M");
       }},
      {"network-unknown-agent",
       [](Context&) {
         phantom::Network net;
         net.emplace<test_support::Market>("M");
         net.add_connection("M", "X");
       }},
      {"network-self-connection",
       [](Context&) {
         phantom::Network net;
         net.emplace<test_support::Market>("M");
         net.add_connection("M", "M");
       }},
      {"env-action-for-unknown-agent",
       [](Context&) {
         auto env = test_support::make_market_env();
         phantom::Actions actions = env->make_actions();
         actions.set("S9");
       }},
      {"env-factory-null",
       [](Context&) {
         phantom::PpoTrainer(small_ppo())
             .train(
                 [](const phantom::EnvConfig&) { return std::unique_ptr<phantom::PhantomEnv>(); },
                 {}, sign_run());
       }},
      {"env-factory-other-agents",
       [](Context&) {
         auto calls = std::make_shared<int>(0);
         phantom::PpoTrainer(small_ppo())
             .train(
                 [calls](const phantom::EnvConfig&) -> std::unique_ptr<phantom::PhantomEnv> {
                   if ((*calls)++ == 0) return test_support::make_sign_env({});
                   auto net = std::make_unique<phantom::Network>();
                   net->emplace<test_support::SignGuesser>("a");
                   return std::make_unique<phantom::PhantomEnv>(std::move(net), 16);
                 },
                 {}, sign_run());
       }},

      // Trainer and worker options
      {"train-negative-iterations",
       [](Context&) {
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, sign_run(-1));
       }},
      {"train-nothing-to-train",
       [](Context&) {
         phantom::TrainOptions run = sign_run();
         run.policies_to_train.clear();
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"train-negative-workers",
       [](Context&) {
         phantom::TrainOptions run = sign_run();
         run.num_workers = -1;
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"train-custom-metric-twice",
       [](Context&) {
         phantom::TrainOptions run = sign_run();
         run.custom_metrics = {"level", "level"};
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"ppo-infinite-learning-rate",
       [](Context&) {
         phantom::PpoOptions o = small_ppo();
         o.learning_rate = std::numeric_limits<float>::infinity();
         phantom::PpoTrainer trainer(o);
       }},
      {"train-overflowing-learning-rate",
       [](Context&) {
         phantom::PpoOptions o = small_ppo();
         o.learning_rate = 1e38f;
         phantom::TrainOptions run = sign_run(3);
         run.on_non_finite = phantom::NonFiniteAction::skip;  // cannot skip a spoiled update
         phantom::PpoTrainer(o).train(test_support::make_sign_env, {}, run);
       }},
      {"evaluation-zero-duration",
       [](Context&) {
         phantom::TrainOptions run = sign_run();
         run.evaluation.interval = 1;
         run.evaluation.duration = 0;
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"evaluation-automatic-sequential",
       [](Context&) {
         phantom::TrainOptions run = sign_run();
         run.evaluation.interval = 1;
         run.evaluation.duration = phantom::EvaluationOptions::automatic;
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"evaluation-unknown-policy",
       [](Context&) {
         phantom::TrainOptions run = sign_run();
         run.evaluation.interval = 1;
         run.evaluation.policies = phantom::PolicyMapping{};
         run.evaluation.policies->add("stranger",
                                      phantom::agents_of_type<test_support::SignGuesser>());
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"evaluation-custom-undeclared-value",
       [](Context&) {
         phantom::TrainOptions run = sign_run();
         run.evaluation.interval = 1;
         run.evaluation.custom = [](phantom::EvaluationContext& c) { c.set("score", 1.0); };
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"evaluation-custom-column-taken",
       [](Context&) {
         phantom::TrainOptions run = sign_run();
         run.evaluation.interval = 1;
         run.evaluation.custom = [](phantom::EvaluationContext& c) { c.set("episodes", 1.0); };
         run.evaluation.custom_columns = {"episodes"};
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"ppo-no-envs",
       [](Context&) {
         phantom::PpoOptions o = small_ppo();
         o.num_envs = 0;
         phantom::PpoTrainer trainer(o);
       }},
      {"ppo-negative-learning-rate",
       [](Context&) {
         phantom::PpoOptions o = small_ppo();
         o.learning_rate = -1e-3f;
         phantom::PpoTrainer trainer(o);
       }},
      {"ppo-gamma-above-one",
       [](Context&) {
         phantom::PpoOptions o = small_ppo();
         o.gamma = 1.5f;
         phantom::PpoTrainer trainer(o);
       }},
      {"q-learning-alpha-zero",
       [](Context&) {
         phantom::QLearningOptions o;
         o.alpha = 0.0;
         phantom::QLearningTrainer trainer(o);
       }},
      {"q-learning-continuous-space",
       [](Context&) {
         phantom::TrainOptions run = sign_run();
         phantom::QLearningTrainer(small_q()).train(test_support::make_sign_env, {}, run);
       }},
      {"worker-horizon-beyond-env",
       [](Context&) {
         phantom::RolloutWorkerOptions o;
         o.horizon = 100;
         phantom::PolicyMappingFn to_p = [](const std::string&, const phantom::Episode&) {
           return std::string("p");
         };
         phantom::RolloutWorker worker(
             [](const phantom::EnvContext&) { return test_support::make_sign_env({}); },
             {{"p", std::make_shared<worker_test::FixedLogitsPolicy>(
                        phantom::box(-1, 1, {1}), phantom::discrete(2), std::vector<float>{0, 0})}},
             to_p, o);
       }},

      // Offline experience
      {"offline-no-file",
       [](Context& c) {
         phantom::TrainOptions run = sign_run();
         run.input.sources = {{c.dir.file("logs/*.json")}};
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"offline-probabilities",
       [](Context& c) {
         phantom::TrainOptions run = sign_run();
         run.input.sources = {{c.dir.file("logs"), 0.5}, {"sampler", 0.4}};
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"offline-unknown-method",
       [](Context& c) {
         phantom::TrainOptions run = sign_run();
         run.input.sources = {{c.dir.file("logs")}};
         run.input.evaluation = {"dr"};
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"offline-corrupt-lines",
       [](Context& c) {
         write_all(c.dir.file("bad.json"), "x\ny\nz\n");
         phantom::TrainOptions run = sign_run();
         run.input.sources = {{c.dir.file("bad.json")}};
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"offline-missing-column",
       [](Context& c) {
         write_sign_experience(c.dir.file("logs"));
         phantom::TrainOptions run = sign_run();
         run.input.sources = {{c.dir.file("logs")}};
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"offline-no-action-prob",
       [](Context& c) {
         write_greedy_chain_experience(c.dir.file("logs"));
         phantom::TrainOptions run = sign_run();
         run.policies = {};
         run.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
         run.policies_to_train = {"walkers"};
         run.input.sources = {{c.dir.file("logs")}};
         run.input.evaluation = {"is"};
         phantom::QLearningTrainer(small_q()).train(chain_factory(), {}, run);
       }},
      {"worker-output-size-zero",
       [](Context& c) {
         phantom::RolloutWorkerOptions o;
         o.output_dir = c.dir.file("out");
         o.output_max_file_size = 0;
         phantom::PolicyMappingFn to_p = [](const std::string&, const phantom::Episode&) {
           return std::string("p");
         };
         phantom::RolloutWorker worker(
             [](const phantom::EnvContext&) { return test_support::make_sign_env({}); }, {}, to_p,
             o);
       }},

      // Rollouts
      {"rollout-sampler-in-config",
       [](Context&) {
         phantom::RolloutPolicies p;
         phantom::RolloutRunner(test_support::make_sign_env,
                                {{"price", phantom::uniform(0.0f, 1.0f)}}, p, {});
       }},
      {"rollout-no-policy",
       [](Context&) {
         phantom::RolloutPolicies p;
         p.mapping.add("guesser", phantom::agent_ids({"a", "b"}));
         phantom::RolloutRunner(test_support::make_sign_env, {}, p, {});
       }},
      {"rollout-zero-workers",
       [](Context&) {
         phantom::RolloutOptions o;
         o.workers = 0;
         phantom::RolloutRunner(test_support::make_sign_env, {}, {}, o);
       }},
      {"worker-no-envs",
       [](Context&) {
         phantom::RolloutWorkerOptions o;
         o.num_envs = 0;
         phantom::PolicyMappingFn to_p = [](const std::string&, const phantom::Episode&) {
           return std::string("p");
         };
         phantom::RolloutWorker worker(
             [](const phantom::EnvContext&) { return test_support::make_sign_env({}); }, {}, to_p,
             o);
       }},
      {"rollout-zero-repeats",
       [](Context&) {
         phantom::RolloutOptions o;
         o.num_repeats = 0;
         phantom::RolloutRunner(test_support::make_sign_env, {}, {}, o);
       }},

      // Checkpoints and results directories
      {"resume-no-checkpoint",
       [](Context& c) {
         fs::create_directories(c.dir.file("run"));
         write_all(c.dir.file("run/metrics.csv"), "iteration\n");
         resume_q(c.dir.file("run"));
       }},
      {"load-missing-iteration",
       [](Context& c) {
         phantom::QLearningTrainer(small_q()).load(q_run_dir(c), chain_factory(), {}, chain_run(2),
                                                   7);
       }},
      {"load-other-env",
       [](Context& c) {
         phantom::QLearningTrainer(small_q()).load(
             q_run_dir(c),
             [](const phantom::EnvConfig&) {
               tabular::ChainOptions chain;
               chain.walkers = 2;
               chain.length = 7;
               return tabular::make_chain_env(chain);
             },
             {}, chain_run(2));
       }},
      {"resume-missing-metrics",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         fs::remove(run + "/metrics.csv");
         resume_q(run);
       }},
      {"load-a-file",
       [](Context& c) {
         write_all(c.dir.file("metrics.csv"), "iteration\n");
         phantom::QLearningTrainer(small_q()).load(c.dir.file("metrics.csv"), chain_factory(), {},
                                                   chain_run(2));
       }},
      {"train-results-dir-is-a-file",
       [](Context& c) {
         write_all(c.dir.file("results"), "");
         phantom::TrainOptions run = sign_run();
         run.results_dir = c.dir.file("results");
         phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run);
       }},
      {"checkpoint-not-a-state-dict",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         write_all(run + "/checkpoint-000002.bin", "iteration,reward\n1,2\n");
         resume_q(run);
       }},
      {"checkpoint-truncated",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         const std::string bytes = small_state_dict_bytes();
         write_all(run + "/checkpoint-000002.bin", bytes.substr(0, bytes.size() - 10));
         resume_q(run);
       }},
      {"checkpoint-corrupted",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         std::string bytes = small_state_dict_bytes();
         bytes[40] = static_cast<char>(bytes[40] ^ 0x55);
         write_all(run + "/checkpoint-000002.bin", bytes);
         resume_q(run);
       }},
      {"checkpoint-of-another-trainer",
       [](Context& c) {
         phantom::TrainOptions run = sign_run();
         run.results_dir = c.dir.file("ppo");
         const std::string dir = c.dir.file("ppo/run");
         fs::rename(
             phantom::PpoTrainer(small_ppo()).train(test_support::make_sign_env, {}, run).run_dir,
             dir);
         phantom::QLearningTrainer(small_q()).load(dir, chain_factory(), {}, chain_run(2));
       }},
      {"checkpoint-huge-q-table",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         edit_checkpoint(run, [](nn::StateDict& s) {
           s.set_int("qlearning.worker.policy.walkers.weights.states", int64_t{1} << 24);
           s.set_int("qlearning.worker.policy.walkers.weights.actions", int64_t{1} << 24);
         });
         resume_q(run);
       }},
      {"checkpoint-huge-counter",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         edit_checkpoint(run, [](nn::StateDict& s) { s.set_int("trainer.env_steps", INT64_MAX); });
         resume_q(run);
       }},
      {"checkpoint-negative-count",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         edit_checkpoint(run, [](nn::StateDict& s) { s.set_int("trainer.iteration", -1); });
         resume_q(run);
       }},
      {"latest-parent",
       [](Context& c) {
         fs::create_directories(c.dir.file("exp/run"));
         write_all(c.dir.file("exp/LATEST"), std::string("..\0", 3));
         phantom::ResultsDir::resolve(c.dir.file("exp"));
       }},
      {"latest-missing-run",
       [](Context& c) {
         fs::create_directories(c.dir.file("exp"));
         write_all(c.dir.file("exp/LATEST"), "gone\n");
         phantom::ResultsDir::resolve(c.dir.file("exp"));
       }},
      {"results-missing-path",
       [](Context& c) { phantom::ResultsDir::resolve(c.dir.file("nowhere")); }},
      {"results-experiment-with-slash",
       [](Context& c) { phantom::ResultsDir::create(c.dir.file("results"), "a/b", 1); }},

      // Metrics CSV
      {"resume-text-iteration",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         write_all(run + "/metrics.csv", "iteration\nx\n");
         resume_q(run);
       }},
      {"resume-exponent-iteration",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         write_all(run + "/metrics.csv", "iteration\n1e3\n");
         resume_q(run);
       }},
      {"resume-huge-iteration",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         write_all(run + "/metrics.csv", "iteration\n99999999999999999999\n");
         resume_q(run);
       }},
      {"resume-empty-iteration",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         write_all(run + "/metrics.csv", "iteration\n1\n\n");
         resume_q(run);
       }},
      {"resume-other-columns",
       [](Context& c) {
         const std::string run = q_run_dir(c);
         write_all(run + "/metrics.csv", "iteration,loss\n1,0.5\n");
         resume_q(run);
       }},
      {"csv-unclosed-quote", [](Context&) { phantom::parse_csv("a,b\n1,\"2\n", "m.csv"); }},
      {"csv-short-row", [](Context&) { phantom::parse_csv("a,b\n1\n", "m.csv"); }},
      {"csv-missing-file", [](Context& c) { phantom::read_csv(c.dir.file("none.csv")); }},
      {"csv-not-a-number", [](Context&) { phantom::parse_csv("a\n1\nx\n", "m.csv").numbers("a"); }},
      {"csv-logger-repeated-column",
       [](Context& c) {
         phantom::CsvMetricsLogger(c.dir.file("m.csv"), {"a", "b", "a"});
       }},
      {"csv-logger-unknown-column",
       [](Context& c) {
         phantom::CsvMetricsLogger log(c.dir.file("m.csv"), {"a"});
         log.write_row(phantom::CsvRow().set("b", 1));
       }},
      {"csv-logger-append-other-header",
       [](Context& c) {
         write_all(c.dir.file("m.csv"), "a,c\n1,2\n");
         phantom::CsvMetricsLogger(c.dir.file("m.csv"), {"a", "b"},
                                   phantom::CsvMetricsLogger::Mode::kAppend);
       }},

      // phantom-plot (its message and exit status)
      {"plot-no-output", [](Context& c) { plot(c, {"m.csv"}); }},
      {"plot-bins-zero",
       [](Context& c) {
         plot(c, {"m.csv", "-o", "out.svg", "--hist", "loss", "--bins", "0"});
       }},
      {"plot-unknown-option",
       [](Context& c) {
         plot(c, {"m.csv", "-o", "out.svg", "--colour"});
       }},
      {"plot-unknown-column",
       [](Context& c) {
         plot(c, {"m.csv", "-o", "out.svg", "--y", "reward"});
       }},
      {"plot-bins-text",
       [](Context& c) {
         plot(c, {"m.csv", "-o", "out.svg", "--hist", "loss", "--bins", "ten"});
       }},
      {"plot-missing-csv",
       [](Context& c) {
         plot(c, {"none.csv", "-o", "out.svg"});
       }},
      {"plot-text-column",
       [](Context& c) {
         plot(c, {"m.csv", "-o", "out.svg", "--hist", "note"});
       }},

      // Tensors and state dicts
      {"tensor-matmul-shapes",
       [](Context&) {
         nn::matmul(nn::Tensor::zeros({2, 3}), nn::Tensor::zeros({2, 3}));
       }},
      {"tensor-values-and-shape",
       [](Context&) {
         nn::Tensor::from_vector({1, 2, 3}, {2, 2});
       }},
      {"state-dict-missing-entry", [](Context&) { nn::StateDict().get_int("steps"); }},
      {"state-dict-wrong-kind",
       [](Context&) {
         nn::StateDict d;
         d.set_float("lr", 0.1);
         d.get_int("lr");
       }},
  };
  return all;
}

// ---- The table ----

struct Row {
  std::string id, type, message;
  int line = 0;
};

std::string unescape_cell(std::string cell) {
  std::string out;
  for (std::size_t i = 0; i < cell.size(); ++i) {
    if (cell[i] == '\\' && i + 1 < cell.size() && cell[i + 1] == '|') continue;
    out += cell[i];
  }
  return out;
}

std::string strip_code(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
  return s;
}

// Rows of the form | `id` | what is wrong | `Class` | `message` |.
std::vector<Row> read_table(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::vector<Row> rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
        cell += "\\|";
        ++i;
      } else if (line[i] == '|') {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += line[i];
      }
    }
    EXPECT_EQ(cells.size(), 4u) << path << ":" << number << ": expected 4 cells: " << line;
    if (cells.size() != 4) continue;
    rows.push_back(
        {strip_code(cells[0]), strip_code(cells[2]), unescape_cell(strip_code(cells[3])), number});
  }
  return rows;
}

std::string escape_cell(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

/// The class (without "phantom::") and message `c` throws; the class is "none" if it throws
/// nothing and "not a phantom::Error: <type>" for anything else.
std::pair<std::string, std::string> outcome(const Case& c) {
  Context context;
  std::string message;
  try {
    c(context);
    return {"none", ""};
  } catch (const phantom::Error& e) {
    std::string type = phantom::demangle(typeid(e));
    if (type.rfind("phantom::", 0) == 0) type = type.substr(9);
    message = e.what();
    const std::string tmp = context.dir.path().string();
    for (std::size_t at; (at = message.find(tmp)) != std::string::npos;)
      message.replace(at, tmp.size(), "<tmp>");
    return {type, message};
  } catch (const std::exception& e) {
    return {"not a phantom::Error: " + phantom::demangle(typeid(e)), e.what()};
  }
}

const std::string kTable = std::string(PHANTOM_TEST_SOURCE_DIR) + "/docs/BAD_INPUT.md";

TEST(BadInputTable, EveryRowHasItsErrorAndEveryCaseARow) {
  if (std::getenv("PHANTOM_BAD_INPUT_PRINT")) {
    for (const auto& [id, c] : cases()) {
      const auto [type, message] = outcome(c);
      std::cout << "| `" << id << "` |  | `" << type << "` | `" << escape_cell(message) << "` |\n";
    }
  }
  const std::vector<Row> rows = read_table(kTable);
  std::map<std::string, int> seen;
  for (const Row& row : rows) {
    SCOPED_TRACE(kTable + ":" + std::to_string(row.line) + ": " + row.id);
    EXPECT_EQ(seen[row.id]++, 0) << "the id is listed twice";
    auto it = cases().find(row.id);
    if (it == cases().end()) {
      ADD_FAILURE() << "no case with this id in " << __FILE__;
      continue;
    }
    const auto [type, message] = outcome(it->second);
    EXPECT_TRUE(type == row.type && message == row.message)
        << "the error differs from the table; the row's last cells should read\n| `" << type
        << "` | `" << escape_cell(message) << "` |";
  }
  for (const auto& [id, c] : cases()) {
    EXPECT_TRUE(seen.count(id)) << "case '" << id << "' has no row in " << kTable;
  }
}

}  // namespace
