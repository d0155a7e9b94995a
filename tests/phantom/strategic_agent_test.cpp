// StrategicAgent built from an Encoder, a Decoder and a RewardFunction: spaces, the errors for
// missing pieces, reset propagation, and an agent made of components running inside a PhantomEnv.
#include "phantom/strategic_agent.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "phantom/env.hpp"
#include "phantom/error.hpp"

namespace {

using phantom::Context;
using phantom::StrategicAgent;

struct Ping {
  float value;
};

// Observes [current_step, resets].
class StepEncoder : public phantom::Encoder {
 public:
  const phantom::SpacePtr& observation_space() const override { return space_; }
  bool encode(Context& ctx, float* out) override {
    out[0] = static_cast<float>(ctx.env_view().current_step);
    out[1] = static_cast<float>(resets);
    return true;
  }
  void reset(nn::Rng&) override { ++resets; }
  int resets = 0;

 private:
  phantom::SpacePtr space_ = phantom::box(0, 1000, {2});
};

// Sends Ping{action[0]} to `to` when action[1] > 0.5.
class PingDecoder : public phantom::Decoder {
 public:
  explicit PingDecoder(std::string to) : to_(std::move(to)) {}
  const phantom::SpacePtr& action_space() const override { return space_; }
  void decode(Context& ctx, const float* action) override {
    if (action[1] > 0.5f) ctx.send(to_, Ping{action[0]});
  }
  void reset(nn::Rng&) override { ++resets; }
  int resets = 0;

 private:
  std::string to_;
  phantom::SpacePtr space_ = phantom::box(0, 100, {2});
};

class CountingReward : public phantom::RewardFunction {
 public:
  double reward(Context& ctx) override {
    return 10.0 * static_cast<double>(ctx.env_view().current_step);
  }
  void reset(nn::Rng&) override { ++resets; }
  int resets = 0;
};

class Receiver : public phantom::Agent {
 public:
  explicit Receiver(std::string id) : Agent(std::move(id)) {
    on<Ping>(
        [this](Context&, const phantom::Message<Ping>& m) { received.push_back(m.payload.value); });
  }
  std::vector<float> received;
};

// Catches the AgentError of `fn` and returns its message.
template <class Fn>
std::string agent_error(Fn fn) {
  try {
    fn();
  } catch (const phantom::AgentError& e) {
    return e.what();
  }
  return "(no AgentError)";
}

template <class Fn>
std::string config_error(Fn fn) {
  try {
    fn();
  } catch (const phantom::ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

TEST(StrategicAgentComponents, SpacesComeFromTheComponents) {
  auto enc = std::make_shared<StepEncoder>();
  auto dec = std::make_shared<PingDecoder>("R");
  auto rew = std::make_shared<phantom::ConstantReward>(1.0);
  StrategicAgent agent("A", enc, dec, rew);
  EXPECT_EQ(agent.observation_space(), enc->observation_space());
  EXPECT_EQ(agent.action_space(), dec->action_space());
  EXPECT_EQ(agent.encoder(), enc);
  EXPECT_EQ(agent.decoder(), dec);
  EXPECT_EQ(agent.reward_function(), rew);
  Context ctx;
  EXPECT_EQ(agent.compute_reward(ctx), 1.0);
}

TEST(StrategicAgentComponents, MissingSpaceIsAConfigError) {
  auto enc = std::make_shared<StepEncoder>();
  auto dec = std::make_shared<PingDecoder>("R");
  std::string msg = config_error([&] { StrategicAgent("A", nullptr, dec, nullptr); });
  EXPECT_NE(msg.find("'A'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no observation space"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Encoder"), std::string::npos) << msg;
  msg = config_error([&] { StrategicAgent("B", enc, nullptr, nullptr); });
  EXPECT_NE(msg.find("'B'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no action space"), std::string::npos) << msg;
  // An explicit space that disagrees with the component's.
  msg = config_error([&] {
    StrategicAgent("C",
                   StrategicAgent::Components{enc, dec, nullptr, phantom::box(0, 1, {2}), nullptr});
  });
  EXPECT_NE(msg.find("differs"), std::string::npos) << msg;
  // The spaces-only constructor needs both.
  msg = config_error([] { StrategicAgent("E", nullptr, phantom::box(0, 1, {1})); });
  EXPECT_EQ(msg, "StrategicAgent 'E': observation and action spaces must both be given");
  msg = config_error([] { StrategicAgent("F", phantom::box(0, 1, {1}), phantom::SpacePtr()); });
  EXPECT_EQ(msg, "StrategicAgent 'F': observation and action spaces must both be given");
  // An explicit space equal to the component's is fine.
  StrategicAgent ok(
      "D", StrategicAgent::Components{enc, dec, nullptr, phantom::box(0, 1000, {2}), nullptr});
  EXPECT_EQ(*ok.observation_space(), *enc->observation_space());
}

TEST(StrategicAgentComponents, MissingComponentIsAnAgentError) {
  // Spaces given explicitly, no components at all.
  StrategicAgent agent(
      "A", StrategicAgent::Components{nullptr, nullptr, nullptr, phantom::box(0, 1, {1}),
                                      phantom::box(0, 1, {1})});
  Context ctx;
  float buf[1] = {0.0f};
  EXPECT_EQ(agent_error([&] { agent.encode_observation(ctx, buf); }),
            "agent 'A' has no Encoder set and does not override encode_observation");
  EXPECT_EQ(agent_error([&] { agent.decode_action(ctx, buf); }),
            "agent 'A' has no Decoder set and does not override decode_action");
  EXPECT_EQ(agent_error([&] { agent.compute_reward(ctx); }),
            "agent 'A' has no RewardFunction set and does not override compute_reward");
}

TEST(StrategicAgentComponents, MissingRewardFunctionInsideAnEnv) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<StrategicAgent>("A", std::make_shared<StepEncoder>(),
                               std::make_shared<PingDecoder>("R"), nullptr);
  net->emplace<Receiver>("R");
  net->add_connection("A", "R");
  phantom::PhantomEnv env(std::move(net), 3);
  env.reset(1);  // observing needs only the encoder
  phantom::Actions actions = env.make_actions();
  actions.set("A", {1.0f, 0.0f});
  EXPECT_THROW(env.step(actions), phantom::AgentError);
}

TEST(StrategicAgentComponents, ResetResetsTheComponents) {
  auto enc = std::make_shared<StepEncoder>();
  auto dec = std::make_shared<PingDecoder>("R");
  auto rew = std::make_shared<CountingReward>();
  StrategicAgent agent("A", enc, dec, rew);
  nn::Rng rng(0);
  agent.reset(rng);
  EXPECT_EQ(enc->resets, 1);
  EXPECT_EQ(dec->resets, 1);
  EXPECT_EQ(rew->resets, 1);
  // Chained components reset their parts through the agent too.
  auto e1 = std::make_shared<StepEncoder>();
  auto e2 = std::make_shared<StepEncoder>();
  StrategicAgent chained("B", phantom::chain(e1, e2), dec, nullptr);
  chained.reset(rng);
  EXPECT_EQ(e1->resets, 1);
  EXPECT_EQ(e2->resets, 1);
  EXPECT_EQ(dec->resets, 2);
}

// A subclass with state of its own calls the base reset, which resets the components.
class Counter : public StrategicAgent {
 public:
  Counter(std::string id, phantom::EncoderPtr enc, phantom::DecoderPtr dec)
      : StrategicAgent(std::move(id), std::move(enc), std::move(dec), nullptr) {}
  double compute_reward(Context&) override { return static_cast<double>(++count); }
  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    count = 0;
  }
  int count = 0;
};

TEST(StrategicAgentComponents, RunsInsideAnEnv) {
  auto enc = std::make_shared<StepEncoder>();
  auto dec = std::make_shared<PingDecoder>("R");
  auto rew = std::make_shared<CountingReward>();
  auto net = std::make_unique<phantom::Network>();
  // A: every piece a component; its observation is a chain of the step encoder and a constant.
  auto constant = std::make_shared<phantom::ConstantEncoder>(std::vector<int64_t>{1}, 7.0f);
  net->emplace<StrategicAgent>("A", phantom::chain(enc, constant), dec, rew);
  // B: components plus an overridden compute_reward and reset.
  auto enc_b = std::make_shared<StepEncoder>();
  Counter& b = net->emplace<Counter>("B", enc_b, std::make_shared<PingDecoder>("R"));
  Receiver& r = net->emplace<Receiver>("R");
  net->add_connection("A", "R");
  net->add_connection("B", "R");
  phantom::PhantomEnv env(std::move(net), 3);

  const phantom::StepResult& first = env.reset(1);
  EXPECT_EQ(enc->resets, 1);
  EXPECT_EQ(dec->resets, 1);
  EXPECT_EQ(rew->resets, 1);
  EXPECT_EQ(enc_b->resets, 1);
  ASSERT_TRUE(first.observed(0));
  EXPECT_EQ(first.observation_vector(0), (std::vector<float>{0, 1, 7}));
  EXPECT_EQ(first.observation_vector(1), (std::vector<float>{0, 1}));

  phantom::Actions actions = env.make_actions();
  actions.set("A", {3.5f, 1.0f});
  actions.set("B", {9.0f, 0.0f});  // B sends nothing
  const phantom::StepResult& s1 = env.step(actions);
  EXPECT_EQ(r.received, (std::vector<float>{3.5f}));
  EXPECT_EQ(s1.observation_vector(0), (std::vector<float>{1, 1, 7}));
  EXPECT_EQ(s1.reward(0), 10.0);
  EXPECT_EQ(s1.reward(1), 1.0);

  actions.set("A", {4.0f, 1.0f});
  actions.set("B", {5.0f, 1.0f});
  const phantom::StepResult& s2 = env.step(actions);
  EXPECT_EQ(r.received, (std::vector<float>{3.5f, 4.0f, 5.0f}));
  EXPECT_EQ(s2.observation_vector(0), (std::vector<float>{2, 1, 7}));
  EXPECT_EQ(s2.reward(0), 20.0);
  EXPECT_EQ(s2.reward(1), 2.0);

  // A new episode resets the components again, and B's own state.
  const phantom::StepResult& again = env.reset(2);
  EXPECT_EQ(enc->resets, 2);
  EXPECT_EQ(dec->resets, 2);
  EXPECT_EQ(rew->resets, 2);
  EXPECT_EQ(b.count, 0);
  EXPECT_EQ(again.observation_vector(0), (std::vector<float>{0, 2, 7}));
}

}  // namespace
