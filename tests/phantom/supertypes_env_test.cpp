// Supertypes managed by an env (Python Phantom's tests/test_supertypes_env.py). The C++ env draws
// nothing at construction, so values Python has after construction appear after the first reset.
#include <gtest/gtest.h>

#include <algorithm>

#include "phantom/env.hpp"
#include "phantom/stochastic_network.hpp"
#include "support/mock_sampler.hpp"

namespace {

using phantom::Context;
using test_support::CountingSampler;

struct MockType : phantom::Supertype {
  phantom::Field type_value{this, "type_value", 0.0f};
};

class MockStrategic : public phantom::StrategicAgent {
 public:
  explicit MockStrategic(std::string id)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), phantom::box(0, 1, {1})) {
    set_supertype(std::make_shared<MockType>());
  }
  bool encode_observation(Context& ctx, float* out) override {
    out[0] = static_cast<float>(ctx.env_view().proportion_time_elapsed);
    return true;
  }
  void decode_action(Context&, const float*) override {}
  double compute_reward(Context&) override { return 0.0; }
  float type_value() const { return type<MockType>().type_value.value(); }
};

// Python's MockEnv: a1, a2 strategic, a3 plain, a triangle of connections, 5 steps.
std::unique_ptr<phantom::PhantomEnv> make_env() {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<MockStrategic>("a1");
  net->emplace<MockStrategic>("a2");
  net->emplace<phantom::Agent>("a3");
  net->add_connections_from({{"a1", "a2"}, {"a2", "a3"}, {"a3", "a1"}});
  return std::make_unique<phantom::PhantomEnv>(std::move(net), 5);
}

MockStrategic& agent(phantom::PhantomEnv& env, const std::string& id) {
  return dynamic_cast<MockStrategic&>(env[id]);
}

// test_agent_supertypes_in_env_1: supertype objects given to the env.
TEST(SupertypesEnvTest, AgentSupertypeObjects) {
  auto env = make_env();
  auto s1 = std::make_shared<CountingSampler>(0.0f);
  auto s2 = std::make_shared<CountingSampler>(10.0f);
  auto t1 = std::make_shared<MockType>();
  auto t2 = std::make_shared<MockType>();
  t1->type_value = s1;
  t2->type_value = s2;
  env->set_agent_supertype("a1", t1);
  env->set_agent_supertype("a2", t2);

  EXPECT_EQ(env->managed_samplers(), (std::vector<phantom::Sampler*>{s1.get(), s2.get()}));
  EXPECT_EQ(env->operator[]("a1").supertype(), t1.get());
  EXPECT_EQ(t1->type_value.source().sampler().get(), s1.get());
  EXPECT_TRUE(t1->managed());

  env->reset();
  EXPECT_EQ(agent(*env, "a1").type_value(), 1.0f);
  EXPECT_EQ(agent(*env, "a2").type_value(), 11.0f);
  env->reset();
  EXPECT_EQ(agent(*env, "a1").type_value(), 2.0f);
  EXPECT_EQ(agent(*env, "a2").type_value(), 12.0f);
}

// test_agent_supertypes_in_env_2: the dict form sets fields of the agent's own supertype.
TEST(SupertypesEnvTest, AgentSupertypeDictForm) {
  auto env = make_env();
  auto s1 = std::make_shared<CountingSampler>(0.0f);
  auto s2 = std::make_shared<CountingSampler>(10.0f);
  phantom::Supertype* own = env->operator[]("a1").supertype();
  env->set_agent_supertype("a1", {{"type_value", s1}});
  env->set_agent_supertype("a2", {{"type_value", s2}});
  EXPECT_EQ(env->operator[]("a1").supertype(), own);
  EXPECT_EQ(own->field("type_value").source().sampler().get(), s1.get());
  env->reset();
  EXPECT_EQ(agent(*env, "a1").type_value(), 1.0f);
  EXPECT_EQ(agent(*env, "a2").type_value(), 11.0f);
  env->reset();
  EXPECT_EQ(agent(*env, "a1").type_value(), 2.0f);
  EXPECT_EQ(agent(*env, "a2").type_value(), 12.0f);
}

// test_agent_supertypes_in_env_bad: an unknown field (or agent, or an agent without a supertype).
TEST(SupertypesEnvTest, AgentSupertypeErrors) {
  auto env = make_env();
  EXPECT_THROW(env->set_agent_supertype("a1", {{"wrong", 1.0f}}), phantom::ConfigError);
  EXPECT_THROW(env->set_agent_supertype("zz", {{"type_value", 1.0f}}), phantom::EnvError);
  EXPECT_THROW(env->set_agent_supertype("zz", std::make_shared<MockType>()), phantom::EnvError);
  EXPECT_THROW(env->set_agent_supertype("a3", {{"type_value", 1.0f}}), phantom::ConfigError);
}

// A sampler shared by two managed supertypes is drawn once per reset: both see one value.
TEST(SupertypesEnvTest, SharedSamplerDrawnOncePerReset) {
  auto env = make_env();
  auto s = std::make_shared<CountingSampler>(0.0f);
  env->set_agent_supertype("a1", {{"type_value", s}});
  env->set_agent_supertype("a2", {{"type_value", s}});
  EXPECT_EQ(env->managed_samplers().size(), 1u);
  env->reset();
  env->reset();
  EXPECT_EQ(s->draws(), 2);
  EXPECT_EQ(agent(*env, "a1").type_value(), 2.0f);
  EXPECT_EQ(agent(*env, "a2").type_value(), 2.0f);
}

// Unmanaged supertypes still sample on reset, from the env's generator: reproducible by seed.
TEST(SupertypesEnvTest, UnmanagedSupertypesAreReproducibleFromTheSeed) {
  auto run = [](uint64_t seed) {
    auto env = make_env();
    dynamic_cast<MockType*>(env->operator[]("a1").supertype())->type_value =
        phantom::uniform(0.0f, 1.0f);
    env->reset(seed);
    return agent(*env, "a1").type_value();
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}

struct EnvType : phantom::Supertype {
  phantom::Field type_value{this, "type_value", 0.0f};
};

// test_env_supertype_in_env_1 and _2: the env's own supertype; env_type() exists after reset.
TEST(SupertypesEnvTest, EnvSupertypeObjectAndDictForm) {
  for (bool dict_form : {false, true}) {
    auto env = make_env();
    auto s1 = std::make_shared<CountingSampler>(0.0f);
    auto st = std::make_shared<EnvType>();
    if (dict_form) {
      env->set_env_supertype(st);
      env->set_env_supertype({{"type_value", s1}});
    } else {
      st->type_value = s1;
      env->set_env_supertype(st);
    }
    EXPECT_EQ(env->managed_samplers(), (std::vector<phantom::Sampler*>{s1.get()}));
    EXPECT_EQ(env->env_type(), nullptr);
    EXPECT_EQ(env->env_supertype(), st.get());
    EXPECT_THROW(env->env_type<EnvType>(), phantom::ConfigError);
    env->reset();
    EXPECT_EQ(env->env_type<EnvType>().type_value.value(), 1.0f);
    env->reset();
    EXPECT_EQ(env->env_type<EnvType>().type_value.value(), 2.0f);
  }
}

// test_env_supertype_in_env_bad.
TEST(SupertypesEnvTest, EnvSupertypeErrors) {
  auto env = make_env();
  EXPECT_THROW(env->set_env_supertype({{"xxx", 0.0f}}), phantom::ConfigError);  // none yet
  env->set_env_supertype(std::make_shared<EnvType>());
  EXPECT_THROW(env->set_env_supertype({{"xxx", 0.0f}}), phantom::ConfigError);
  env->reset();
  EXPECT_THROW(env->env_type<MockType>(), phantom::ConfigError);  // wrong type
}

// The env supertype's samplers are drawn before the agents', in the order they were given.
TEST(SupertypesEnvTest, DrawOrderEnvFirstThenAgentsInGivenOrder) {
  auto env = make_env();
  auto se = std::make_shared<CountingSampler>(0.0f);
  auto s1 = std::make_shared<CountingSampler>(0.0f);
  auto s2 = std::make_shared<CountingSampler>(0.0f);
  env->set_agent_supertype("a2", {{"type_value", s2}});
  env->set_agent_supertype("a1", {{"type_value", s1}});
  env->set_env_supertype(std::make_shared<EnvType>());
  env->set_env_supertype({{"type_value", se}});
  EXPECT_EQ(env->managed_samplers(),
            (std::vector<phantom::Sampler*>{se.get(), s2.get(), s1.get()}));
}

// test_env_type_passed_to_agent: an env view carrying a supertype value, read by an agent.
struct ParamView : phantom::EnvView {
  float supertype_param = 0.0f;
};

class ParamEnv : public phantom::PhantomEnv {
 public:
  using PhantomEnv::PhantomEnv;

 protected:
  const phantom::EnvView& update_view() override {
    fill_env_view(view_);
    const phantom::Supertype* t = env_type();
    view_.supertype_param = t ? t->field("type_value").data()[0] : 0.0f;
    return view_;
  }

 private:
  ParamView view_;
};

class ParamReader : public phantom::Agent {
 public:
  using Agent::Agent;
  void generate_messages(Context& ctx) override {
    param = ctx.env_view<ParamView>().supertype_param;
  }
  float param = -1.0f;
};

TEST(SupertypesEnvTest, EnvTypeReachesAgentsThroughTheView) {
  auto net = std::make_unique<phantom::StochasticNetwork>();
  auto& reader = net->emplace<ParamReader>("a");
  ParamEnv env(std::move(net), 5);
  env.set_env_supertype(std::make_shared<EnvType>());
  env.set_env_supertype({{"type_value", std::make_shared<CountingSampler>(0.0f)}});
  env.reset();
  env.step(env.make_actions());
  EXPECT_EQ(reader.param, 1.0f);
  env.reset();
  env.step(env.make_actions());
  EXPECT_EQ(reader.param, 2.0f);
}

// Many managed agents sharing samplers (a market of thousands of agents is collected at every
// reset, so repeats are found without scanning the list): each sampler is listed once, at its
// first appearance in the order env supertype, then agents in the order they were first managed;
// managing an agent again keeps its place.
TEST(SupertypesEnvTest, ManySharedSamplersAreListedOnceInFirstAppearanceOrder) {
  auto net = std::make_unique<phantom::Network>();
  const int agents = 60;
  for (int i = 0; i < agents; ++i) net->emplace<MockStrategic>("m" + std::to_string(i));
  phantom::PhantomEnv env(std::move(net), 5);
  std::vector<std::shared_ptr<CountingSampler>> pool;
  for (int k = 0; k < 7; ++k) pool.push_back(std::make_shared<CountingSampler>(k * 100.0f));
  // Agent i (managed in the order i * 13 mod 60) draws from pool[(i * i) % 7].
  std::vector<phantom::Sampler*> expected;
  for (int k = 0; k < agents; ++k) {
    int i = (k * 13) % agents;
    phantom::Sampler* sampler = pool[static_cast<std::size_t>((i * i) % 7)].get();
    env.set_agent_supertype("m" + std::to_string(i),
                            {{"type_value", pool[static_cast<std::size_t>((i * i) % 7)]}});
    if (std::find(expected.begin(), expected.end(), sampler) == expected.end()) {
      expected.push_back(sampler);
    }
  }
  env.set_agent_supertype("m0", {{"type_value", pool[0]}});  // already managed: keeps its place
  EXPECT_EQ(env.managed_samplers(), expected);
  env.reset(1);
  for (std::size_t k = 0; k < pool.size(); ++k) {
    bool used = std::find(expected.begin(), expected.end(), pool[k].get()) != expected.end();
    EXPECT_EQ(pool[k]->draws(), used ? 1 : 0) << "sampler " << k;
  }
  for (int i = 0; i < agents; ++i) {
    // Every agent of a shared sampler holds its one draw (start + 1).
    float drawn = static_cast<float>((i * i) % 7) * 100.0f + 1.0f;
    EXPECT_EQ(agent(env, "m" + std::to_string(i)).type_value(), drawn) << "agent m" << i;
  }
}

}  // namespace
