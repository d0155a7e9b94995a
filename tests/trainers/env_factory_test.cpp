// Env factories whose later envs differ from the first one. Trainers build a probe env to resolve
// the policy mapping and size the policies, then their worker's sub-envs with further calls; a
// factory that changes its agents after the first call made PPO index past its per-agent arrays
// (a heap overflow, aborting with "double free or corruption"). Each such env is now a
// ConfigError naming the env and the first difference.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "phantom/env.hpp"
#include "support/error_message.hpp"
#include "tabular_envs.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_learning_trainer.hpp"
#include "trainers/sampling/rollout_worker.hpp"
#include "trainers/worker_test_policies.hpp"

namespace {

using phantom::PhantomEnv;
using test_support::message_of;

/// Observes zeros, ignores its actions, is paid nothing; its spaces are given.
class Guesser : public phantom::StrategicAgent {
 public:
  Guesser(std::string id, phantom::SpacePtr obs, phantom::SpacePtr act)
      : StrategicAgent(std::move(id), std::move(obs), std::move(act)) {}
  bool encode_observation(phantom::Context&, float* out) override {
    std::fill_n(out, observation_space()->flat_size(), 0.0f);
    return true;
  }
  void decode_action(phantom::Context&, const float*) override {}
  double compute_reward(phantom::Context&) override { return 0.0; }
};

/// The same spaces, another class.
class OtherGuesser : public Guesser {
 public:
  using Guesser::Guesser;
};

/// One agent of an env: its id, whether it is an OtherGuesser, its spaces.
struct Member {
  std::string id;
  bool other_class = false;
  phantom::SpacePtr obs = phantom::box(-1, 1, {1});
  phantom::SpacePtr act = phantom::discrete(2);
};

std::unique_ptr<PhantomEnv> env_of(const std::vector<Member>& members) {
  auto net = std::make_unique<phantom::Network>();
  for (const Member& m : members) {
    if (m.other_class) {
      net->emplace<OtherGuesser>(m.id, m.obs, m.act);
    } else {
      net->emplace<Guesser>(m.id, m.obs, m.act);
    }
  }
  return std::make_unique<PhantomEnv>(std::move(net), 8);
}

/// A factory whose first env has agents a and b, and every later one `later`.
phantom::EnvFactory changing_factory(std::vector<Member> later) {
  auto calls = std::make_shared<int>(0);
  std::vector<Member> first = {{"a"}, {"b"}};
  return [calls, first, later](const phantom::EnvConfig&) {
    return env_of((*calls)++ == 0 ? first : later);
  };
}

/// A later env and the difference the error must name.
struct Variant {
  std::vector<Member> later;
  std::string difference;
};

const std::vector<Variant>& variants() {
  static const std::vector<Variant> v = {
      {{{"a"}, {"c"}}, "strategic agent 1 is 'c', expected 'b'"},
      {{{"a"}}, "it has 1 strategic agent, expected 2 (missing: 'b')"},
      {{{"a"}, {"b"}, {"c"}}, "it has 3 strategic agents, expected 2 (extra: 'c')"},
      {{{"b"}, {"a"}}, "strategic agent 0 is 'b', expected 'a' (the same agents in another order"},
      {{{"a"}, {"b", true}}, "strategic agent 1 ('b') is a (anonymous namespace)::OtherGuesser"},
      {{{"a"}, {"b", false, phantom::box(-1, 1, {3})}},
       "strategic agent 1 ('b') has observation space Box(-1, 1, (3,)), expected "
       "Box(-1, 1, (1,))"},
      {{{"a", false, phantom::box(-1, 1, {1}), phantom::discrete(5)}, {"b"}},
       "strategic agent 0 ('a') has action space Discrete(5), expected Discrete(2)"},
  };
  return v;
}

phantom::TrainOptions guess_run() {
  phantom::TrainOptions run;
  run.iterations = 1;
  run.seed = 3;
  run.show_progress = false;
  run.policies.add("guesser", phantom::agents_of_type<Guesser>());
  run.policies_to_train = {"guesser"};
  return run;
}

phantom::PpoOptions small_ppo() {
  phantom::PpoOptions o;
  o.num_envs = 2;
  o.steps_per_env = 8;
  o.minibatches = 1;
  o.network.hidden = {4};
  return o;
}

// Reproducer: the heap overflow of a factory whose envs after the first have other agents.
TEST(EnvFactoryMismatch, PpoTrainerRejectsLaterEnvsThatDifferFromTheFirst) {
  for (const Variant& v : variants()) {
    SCOPED_TRACE("expected: " + v.difference);
    phantom::PpoTrainer trainer(small_ppo());
    const std::string m = message_of<phantom::ConfigError>(
        [&] { trainer.train(changing_factory(v.later), {}, guess_run()); });
    EXPECT_HAS(
        m, "ppo trainer: sub-env 0 differs from the first env the factory built: " + v.difference);
  }
}

TEST(EnvFactoryMismatch, TheSameFactoryWithoutTheChangeTrains) {
  phantom::PpoTrainer trainer(small_ppo());
  EXPECT_EQ(trainer.train(changing_factory({{"a"}, {"b"}}), {}, guess_run()).iterations, 1);
}

TEST(EnvFactoryMismatch, QLearningTrainerRejectsALaterEnvWithAnotherAgent) {
  auto calls = std::make_shared<int>(0);
  phantom::EnvFactory factory = [calls](const phantom::EnvConfig&) {
    tabular::ChainOptions chain;
    chain.walkers = (*calls)++ == 0 ? 2 : 3;
    return tabular::make_chain_env(chain);
  };
  phantom::TrainOptions run;
  run.iterations = 1;
  run.show_progress = false;
  run.policies.add("walkers", phantom::agents_of_type<tabular::ChainWalker>());
  run.policies_to_train = {"walkers"};
  phantom::QLearningTrainer trainer(phantom::QLearningOptions{});
  EXPECT_HAS(message_of<phantom::ConfigError>([&] { trainer.train(factory, {}, run); }),
             "qlearning trainer: sub-env 0 differs from the first env the factory built: it has "
             "3 strategic agents, expected 2 (extra: 'W3')");
}

TEST(EnvFactoryMismatch, RolloutWorkerRejectsASubEnvThatDiffersFromSubEnvZero) {
  phantom::WorkerEnvFactory make = [](const phantom::EnvContext& ctx) {
    return env_of({{"a"}, {"b", ctx.vector_index == 2}});
  };
  phantom::RolloutWorkerOptions o;
  o.num_envs = 3;
  phantom::PolicyMappingFn to_p = [](const std::string&, const phantom::Episode&) {
    return std::string("p");
  };
  const std::string m = message_of<phantom::ConfigError>([&] {
    phantom::RolloutWorker worker(
        make,
        phantom::PolicyMap{
            {"p", std::make_shared<worker_test::FixedLogitsPolicy>(
                      phantom::box(-1, 1, {1}), phantom::discrete(2), std::vector<float>{0, 0})}},
        to_p, o);
  });
  EXPECT_HAS(m,
             "RolloutWorker: sub-env 2 differs from the first env the factory built: "
             "strategic agent 1 ('b') is a (anonymous namespace)::OtherGuesser");
}

}  // namespace
