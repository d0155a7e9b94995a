// PolicyConfig's typed getters and the PolicyRegistry of policy kinds.
#include "phantom/policy_config.hpp"

#include <gtest/gtest.h>

#include "support/error_message.hpp"
#include "support/policy_test_env.hpp"

namespace {

using phantom::ConfigError;
using phantom::PolicyConfig;
using phantom::PolicyRegistry;
using test_support::message_of;

PolicyConfig sample_config() {
  PolicyConfig c{{"rate", "0.25"}, {"count", "-3"}, {"on", "true"}, {"off", "0"}, {"name", "a b"}};
  c.set_policy_id("fixed");
  return c;
}

TEST(PolicyConfigTest, TypedGetters) {
  PolicyConfig c = sample_config();
  EXPECT_EQ(c.get_double("rate"), 0.25);
  EXPECT_EQ(c.get_double("count"), -3.0);
  EXPECT_EQ(c.get_int("count"), -3);
  EXPECT_TRUE(c.get_bool("on"));
  EXPECT_FALSE(c.get_bool("off"));
  EXPECT_EQ(c.get_string("name"), "a b");
  EXPECT_EQ(c.size(), 5u);
  EXPECT_EQ(c.items()[2].first, "on");  // insertion order
}

TEST(PolicyConfigTest, DefaultsApplyOnlyToMissingKeys) {
  PolicyConfig c = sample_config();
  EXPECT_EQ(c.get_double("missing", 1.5), 1.5);
  EXPECT_EQ(c.get_int("missing", 7), 7);
  EXPECT_TRUE(c.get_bool("missing", true));
  EXPECT_EQ(c.get_string("missing", "x"), "x");
  EXPECT_EQ(c.get_double("rate", 1.5), 0.25);
  // A present but bad value is an error even with a default.
  EXPECT_HAS(message_of<ConfigError>([&] { c.get_int("rate", 1); }),
             "policy 'fixed': config key 'rate' = 0.25 is not an integer");
}

TEST(PolicyConfigTest, BadValuesNameThePolicyAndKey) {
  PolicyConfig c = sample_config();
  EXPECT_HAS(message_of<ConfigError>([&] { c.get_double("name"); }),
             "policy 'fixed': config key 'name' = \"a b\" is not a number");
  EXPECT_HAS(message_of<ConfigError>([&] { c.get_bool("rate"); }),
             "config key 'rate' = 0.25 is not a boolean");
  EXPECT_HAS(message_of<ConfigError>([&] { c.get_int("missing"); }),
             "policy 'fixed': missing config key 'missing'");
  PolicyConfig big{{"n", "99999999999999999999"}};
  EXPECT_HAS(message_of<ConfigError>([&] { big.get_int("n"); }), "is not an integer");
  EXPECT_HAS(message_of<ConfigError>([&] { big.get_int("n"); }), "policy config");  // no owner
}

TEST(PolicyConfigTest, SetReplacesAndRejectsRepeats) {
  PolicyConfig c{{"a", "1"}};
  c.set("a", "2");
  c.set("b", "3");
  EXPECT_EQ(c.get_int("a"), 2);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_HAS(message_of<ConfigError>([] {
               PolicyConfig{{"a", "1"}, {"a", "2"}};
             }),
             "config key 'a' is repeated");
  EXPECT_HAS(message_of<ConfigError>([&] { c.set("", "1"); }), "must not be empty");
}

TEST(PolicyConfigTest, CheckKnownKeys) {
  PolicyConfig c = sample_config();
  c.check_known_keys({"rate", "count", "on", "off", "name"});
  std::string e = message_of<ConfigError>([&] { c.check_known_keys({"rate", "count"}); });
  EXPECT_HAS(e, "policy 'fixed': unknown config key 'on'");
  EXPECT_HAS(e, "known keys: rate, count");
}

phantom::PolicyFactory constant_factory() {
  return [](phantom::SpacePtr obs, phantom::SpacePtr act, const PolicyConfig& config) {
    return std::make_shared<test_support::ConstantPolicy>(
        obs, act, static_cast<float>(config.get_double("value", 0.0)));
  };
}

TEST(PolicyRegistryTest, CreatesRegisteredKinds) {
  PolicyRegistry registry;
  registry.add("constant", constant_factory());
  registry.add("zero", constant_factory());
  EXPECT_TRUE(registry.has("constant"));
  EXPECT_FALSE(registry.has("ppo"));
  EXPECT_EQ(registry.kinds(), (std::vector<std::string>{"constant", "zero"}));
  PolicyConfig config{{"value", "2.5"}};
  auto policy = registry.create("constant", phantom::box(0, 1, {2}), phantom::discrete(3), config);
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(static_cast<test_support::ConstantPolicy&>(*policy).value, 2.5f);
  EXPECT_EQ(policy->observation_space()->to_string(), "Box(0, 1, (2,))");
}

TEST(PolicyRegistryTest, Errors) {
  PolicyRegistry registry;
  registry.add("constant", constant_factory());
  EXPECT_HAS(message_of<ConfigError>([&] { registry.add("constant", constant_factory()); }),
             "policy kind 'constant' is already registered");
  EXPECT_HAS(message_of<ConfigError>([&] { registry.add("", constant_factory()); }),
             "must have a name");
  EXPECT_HAS(message_of<ConfigError>([&] { registry.add("none", nullptr); }),
             "the factory of kind 'none' is empty");

  PolicyConfig config;
  config.set_policy_id("p");
  auto obs = phantom::box(0, 1, {2});
  auto act = phantom::discrete(3);
  std::string unknown = message_of<ConfigError>([&] { registry.create("cnst", obs, act, config); });
  EXPECT_HAS(unknown, "policy 'p': unknown policy kind 'cnst' (known kinds: constant)");

  registry.add("null", [](phantom::SpacePtr, phantom::SpacePtr, const PolicyConfig&) {
    return std::shared_ptr<phantom::Policy>();
  });
  EXPECT_HAS(message_of<ConfigError>([&] { registry.create("null", obs, act, config); }),
             "the factory of kind 'null' returned no policy for policy 'p'");

  // A factory that ignores the spaces it was given would act on the wrong number of floats.
  registry.add("wrong", [](phantom::SpacePtr o, phantom::SpacePtr, const PolicyConfig&) {
    return std::make_shared<test_support::ConstantPolicy>(o, phantom::discrete(5), 0.0f);
  });
  EXPECT_HAS(message_of<ConfigError>([&] { registry.create("wrong", obs, act, config); }),
             "built policy 'p' with spaces Box(0, 1, (2,)) -> Discrete(5)");
}

// Reproducer: get_int(" 5") and get_int("+5") were accepted (strtoll skips spaces and takes a
// sign). The whole value must be the number (nn/parse_number.hpp).
TEST(PolicyConfigTest, NumbersAreReadStrictly) {
  for (const char* text : {" 5", "+5", "5 ", "1e3", "0x5", ""}) {
    PolicyConfig c{{"n", text}};
    EXPECT_HAS(message_of<ConfigError>([&] { c.get_int("n"); }), "is not an integer");
  }
  for (const char* text : {" 5", "+5", "0x10", "1e999", "nan(1)", ""}) {
    PolicyConfig c{{"x", text}};
    EXPECT_HAS(message_of<ConfigError>([&] { c.get_double("x"); }), "is not a number");
  }
  PolicyConfig ok{{"n", "-5"}, {"x", "-1e3"}, {"tiny", "1e-400"}};
  EXPECT_EQ(ok.get_int("n"), -5);
  EXPECT_EQ(ok.get_double("x"), -1000.0);
  EXPECT_EQ(ok.get_double("tiny"), 0.0);
}

}  // namespace
