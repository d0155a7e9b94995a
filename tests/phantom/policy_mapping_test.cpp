// PolicyMapping: the six forms of Python's Trainer policy mapping (its Trainer), resolution against
// an env, and every ConfigError resolve() raises, each naming its culprit.
#include "phantom/policy_mapping.hpp"

#include <gtest/gtest.h>

#include "supply_chain.hpp"
#include "support/error_message.hpp"
#include "support/policy_test_env.hpp"

namespace {

using phantom::agent_ids;
using phantom::agents_of_type;
using phantom::agents_of_type_named;
using phantom::ConfigError;
using phantom::PolicyMapping;
using phantom::ResolvedPolicies;
using test_support::Buyer;
using test_support::Market;
using test_support::message_of;
using test_support::Seller;

phantom::PolicyRegistry make_registry() {
  phantom::PolicyRegistry registry;
  registry.add("constant", [](phantom::SpacePtr obs, phantom::SpacePtr act,
                              const phantom::PolicyConfig& config) {
    config.check_known_keys({"value"});
    return std::make_shared<test_support::ConstantPolicy>(
        obs, act, static_cast<float>(config.get_double("value", 0.0)));
  });
  return registry;
}

class PolicyMappingTest : public ::testing::Test {
 protected:
  ResolvedPolicies resolve(const PolicyMapping& m, std::vector<std::string> to_train) {
    return m.resolve(*env, "ppo", to_train, registry);
  }
  std::string error(const PolicyMapping& m, std::vector<std::string> to_train) {
    return message_of<ConfigError>([&] { resolve(m, std::move(to_train)); });
  }

  std::unique_ptr<phantom::PhantomEnv> env = test_support::make_market_env();
  phantom::PolicyRegistry registry = make_registry();
};

// Form 1: agent type -> the trainer's policy. Non-strategic agents never need one.
TEST_F(PolicyMappingTest, TypeFormUsesTheTrainersPolicy) {
  PolicyMapping m;
  m.add("sellers", agents_of_type<Seller>());
  m.add("buyers", agents_of_type<Buyer>());
  ResolvedPolicies r = resolve(m, {"sellers"});
  ASSERT_EQ(r.policies.size(), 2u);
  const phantom::ResolvedPolicy& sellers = r.policies[0];
  EXPECT_EQ(sellers.id, "sellers");
  EXPECT_EQ(sellers.kind, "ppo");
  EXPECT_TRUE(sellers.of_trainer_kind);
  EXPECT_TRUE(sellers.trained);
  EXPECT_TRUE(sellers.config.empty());
  EXPECT_EQ(sellers.agent_ids, (std::vector<std::string>{"S1", "S2"}));
  EXPECT_EQ(sellers.strategic_positions, (std::vector<int>{0, 2}));
  EXPECT_EQ(sellers.observation_space->to_string(), "Box(0, 1, (2,))");
  EXPECT_EQ(sellers.action_space->to_string(), "Discrete(3)");
  EXPECT_FALSE(r.policies[1].trained);  // of the trainer's kind, but not trained
  EXPECT_EQ(r.policies[1].action_space->to_string(), "Discrete(2)");
  EXPECT_EQ(r.policy_of_position, (std::vector<int>{0, 1, 0, 1}));
  EXPECT_EQ(&r.policy_for(3), &r.policies[1]);
  EXPECT_EQ(r.index_of("buyers"), 1);
  EXPECT_EQ(r.index_of("nobody"), -1);
}

// Form 2: agent ids -> the trainer's policy. Agents come out in strategic-position order
// whatever the order they were listed in.
TEST_F(PolicyMappingTest, IdsFormUsesTheTrainersPolicyInPositionOrder) {
  PolicyMapping m;
  m.add("buyers", agent_ids({"B2", "B1"}));
  m.add("sellers", agent_ids({"S2", "S1"}));
  ResolvedPolicies r = resolve(m, {"buyers", "sellers"});
  EXPECT_EQ(r.policies[0].agent_ids, (std::vector<std::string>{"B1", "B2"}));
  EXPECT_EQ(r.policies[0].strategic_positions, (std::vector<int>{1, 3}));
  EXPECT_EQ(r.policies[1].strategic_positions, (std::vector<int>{0, 2}));
  EXPECT_EQ(r.policy_of_position, (std::vector<int>{1, 0, 1, 0}));
  EXPECT_TRUE(r.policies[0].trained && r.policies[1].trained);
}

// Forms 3 and 4: (kind, agent type) with and without a config.
TEST_F(PolicyMappingTest, KindAndTypeForms) {
  env = test_support::make_market_env(/*with_learner=*/true);
  PolicyMapping m;
  m.add("sellers", "constant", agents_of_type<Seller>());
  m.add("buyers", "constant", agents_of_type<Buyer>(), {{"value", "1"}});
  m.add("learner", agents_of_type<test_support::Learner>());
  ResolvedPolicies r = resolve(m, {"learner"});
  ASSERT_EQ(r.policies.size(), 3u);
  EXPECT_EQ(r.policies[0].kind, "constant");
  EXPECT_FALSE(r.policies[0].of_trainer_kind);
  EXPECT_FALSE(r.policies[0].trained);
  EXPECT_TRUE(r.policies[0].config.empty());
  EXPECT_EQ(r.policies[0].strategic_positions, (std::vector<int>{0, 2}));
  EXPECT_EQ(r.policies[1].config.get_double("value"), 1.0);
  EXPECT_EQ(r.policies[1].agent_ids, (std::vector<std::string>{"B1", "B2"}));
  EXPECT_EQ(r.policies[2].kind, "ppo");
  EXPECT_TRUE(r.policies[2].trained);
  EXPECT_EQ(r.policy_of_position, (std::vector<int>{0, 1, 0, 1, 2}));
}

// Forms 5 and 6: (kind, ids) with and without a config; a trainer policy beside them.
TEST_F(PolicyMappingTest, KindAndIdsForms) {
  PolicyMapping m;
  m.add("fixed_sellers", "constant", agent_ids({"S1", "S2"}));
  m.add("fixed_buyer", "constant", agent_ids({"B1"}), {{"value", "1"}});
  m.add("learner", agent_ids({"B2"}));
  ResolvedPolicies r = resolve(m, {"learner"});
  ASSERT_EQ(r.policies.size(), 3u);
  EXPECT_EQ(r.policies[0].kind, "constant");
  EXPECT_FALSE(r.policies[0].of_trainer_kind);
  EXPECT_FALSE(r.policies[0].trained);
  EXPECT_EQ(r.policies[1].config.get_string("value"), "1");
  EXPECT_EQ(r.policies[1].config.policy_id(), "fixed_buyer");
  EXPECT_TRUE(r.policies[2].trained);
  EXPECT_EQ(r.policy_of_position, (std::vector<int>{0, 1, 0, 2}));

  // The registry builds the non-trainer policies with the agents' spaces and the config.
  auto policies = phantom::create_registered_policies(r, registry);
  ASSERT_EQ(policies.size(), 3u);
  ASSERT_NE(policies[0], nullptr);
  ASSERT_NE(policies[1], nullptr);
  EXPECT_EQ(policies[2], nullptr);  // the trainer builds its own
  EXPECT_EQ(*policies[0]->action_space(), *phantom::discrete(3));
  EXPECT_EQ(static_cast<test_support::ConstantPolicy&>(*policies[1]).value, 1.0f);
  EXPECT_EQ(static_cast<test_support::ConstantPolicy&>(*policies[0]).value, 0.0f);
}

// A kind equal to the trainer's is the trainer's policy, and may be trained.
TEST_F(PolicyMappingTest, ExplicitTrainerKindIsTheTrainersPolicy) {
  PolicyMapping m;
  m.add("all", "ppo", agent_ids({"S1", "S2"}), {{"lr", "0.001"}});
  m.add("buyers", agents_of_type<Buyer>(), {{"lr", "0.01"}});
  ResolvedPolicies r = resolve(m, {"all", "buyers"});
  EXPECT_TRUE(r.policies[0].of_trainer_kind);
  EXPECT_EQ(r.policies[1].config.get_double("lr"), 0.01);
}

// agents_of_type<T>() includes subclasses (dynamic_cast); agents_of_type_named matches the
// exact class name only.
TEST_F(PolicyMappingTest, TypedSelectorIncludesSubclassesNamedDoesNot) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Seller>("S1");
  net->emplace<test_support::PremiumSeller>("P1");
  phantom::PhantomEnv two(std::move(net), 5);

  PolicyMapping typed;
  typed.add("sellers", agents_of_type<Seller>());
  EXPECT_EQ(typed.resolve(two, "ppo", {"sellers"}, registry).policies[0].agent_ids,
            (std::vector<std::string>{"S1", "P1"}));

  PolicyMapping named;
  named.add("sellers", agents_of_type_named("Seller"));
  EXPECT_HAS(message_of<ConfigError>([&] { named.resolve(two, "ppo", {"sellers"}, registry); }),
             "agent 'P1' takes actions but is not assigned a policy");
  named.add("premium", agents_of_type_named("PremiumSeller"));
  ResolvedPolicies r = named.resolve(two, "ppo", {"sellers"}, registry);
  EXPECT_EQ(r.policies[0].agent_ids, std::vector<std::string>{"S1"});
  EXPECT_EQ(r.policies[1].agent_ids, std::vector<std::string>{"P1"});
}

// A type selector that also matches non-strategic agents skips them (Python crashed).
TEST_F(PolicyMappingTest, TypeSelectorSkipsAgentsWithoutActions) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Market>("M");
  net->emplace<Seller>("S1");
  net->emplace<Seller>("S2");
  phantom::PhantomEnv sellers(std::move(net), 5);
  PolicyMapping m;
  m.add("everyone", agents_of_type<phantom::Agent>());
  ResolvedPolicies r = m.resolve(sellers, "ppo", {"everyone"}, registry);
  EXPECT_EQ(r.policies[0].agent_ids, (std::vector<std::string>{"S1", "S2"}));
}

// ---- Errors ----

TEST_F(PolicyMappingTest, EmptyPoliciesToTrain) {
  PolicyMapping m;
  m.add("all", agents_of_type<phantom::StrategicAgent>());
  std::string e = error(m, {});
  EXPECT_HAS(e, "policies_to_train is empty");
  EXPECT_HAS(e, "'ppo'");
}

TEST_F(PolicyMappingTest, PolicyToTrainOfAnotherKind) {
  PolicyMapping m;
  m.add("sellers", "constant", agents_of_type<Seller>());
  m.add("buyers", agents_of_type<Buyer>());
  std::string e = error(m, {"buyers", "sellers"});
  EXPECT_HAS(e, "policy 'sellers' in policies_to_train must be of the trainer's kind 'ppo'");
  EXPECT_HAS(e, "not 'constant'");
}

TEST_F(PolicyMappingTest, PolicyToTrainNotInTheMappingOrTwice) {
  PolicyMapping m;
  m.add("sellers", agents_of_type<Seller>());
  m.add("buyers", agents_of_type<Buyer>());
  std::string e = error(m, {"shops"});
  EXPECT_HAS(e, "policies_to_train names 'shops'");
  EXPECT_HAS(e, "policies: sellers, buyers");
  EXPECT_HAS(error(m, {"sellers", "sellers"}), "names policy 'sellers' twice");
  EXPECT_HAS(message_of<ConfigError>([&] { m.resolve(*env, "", {"sellers"}, registry); }),
             "trainer's kind is empty");
}

TEST_F(PolicyMappingTest, StrategicAgentWithoutPolicy) {
  PolicyMapping m;
  m.add("sellers", agents_of_type<Seller>());
  m.add("buyer", agent_ids({"B1"}));
  EXPECT_HAS(error(m, {"sellers"}), "agent 'B2' takes actions but is not assigned a policy");
}

TEST_F(PolicyMappingTest, UnknownAgentId) {
  PolicyMapping m;
  m.add("sellers", agent_ids({"S1", "S9"}));
  std::string e = error(m, {"sellers"});
  EXPECT_HAS(e, "policy 'sellers': unknown agent id 'S9'");
  EXPECT_HAS(e, "agents: M, S1, B1, S2, B2");
}

TEST_F(PolicyMappingTest, UnknownAgentType) {
  PolicyMapping m;
  m.add("sellers", agents_of_type_named("Sellr"));
  std::string e = error(m, {"sellers"});
  EXPECT_HAS(e, "policy 'sellers': no agent of type Sellr");
  EXPECT_HAS(e, "agent types: Market, Seller, Buyer");
}

TEST_F(PolicyMappingTest, AgentsWithoutActionsNeedNoPolicy) {
  PolicyMapping by_id;
  by_id.add("sellers", agents_of_type<Seller>());
  by_id.add("market", "constant", agent_ids({"M"}));
  by_id.add("buyers", agents_of_type<Buyer>());
  EXPECT_HAS(error(by_id, {"sellers"}), "policy 'market': agent 'M' (Market) takes no actions");

  PolicyMapping by_type;
  by_type.add("market", agents_of_type<Market>());
  EXPECT_HAS(error(by_type, {"market"}), "policy 'market': the agents of type Market (M)");
}

TEST_F(PolicyMappingTest, AgentMappedTwice) {
  PolicyMapping m;
  m.add("sellers", agents_of_type<Seller>());
  m.add("buyers", agents_of_type<Buyer>());
  m.add("special", "constant", agent_ids({"S2"}));
  EXPECT_HAS(error(m, {"sellers"}),
             "agent 'S2' is mapped twice: by policy 'sellers' and by policy 'special'");
}

TEST_F(PolicyMappingTest, SharedPolicyWithDifferentSpaces) {
  PolicyMapping m;
  m.add("traders", agent_ids({"S1", "B1"}));
  m.add("rest", "constant", agent_ids({"S2", "B2"}));
  std::string e = error(m, {"traders"});
  EXPECT_HAS(e, "policy 'traders': its agents 'S1' and 'B1' have different observation spaces");
  EXPECT_HAS(e, "Box(0, 1, (2,)) and Box(0, 1, (3,))");

  // Same observations, other actions.
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Seller>("S1");
  net->emplace<Seller>("S2", phantom::box(0, 1, {2}), phantom::discrete(4));
  phantom::PhantomEnv odd(std::move(net), 5);
  PolicyMapping sellers;
  sellers.add("sellers", agents_of_type<Seller>());
  std::string a =
      message_of<ConfigError>([&] { sellers.resolve(odd, "ppo", {"sellers"}, registry); });
  EXPECT_HAS(a,
             "its agents 'S1' and 'S2' have different action spaces (Discrete(3) and Discrete(4))");
}

TEST_F(PolicyMappingTest, UnknownPolicyKind) {
  PolicyMapping m;
  m.add("all", "constnat", agents_of_type<phantom::StrategicAgent>());
  std::string e = error(m, {"all"});
  EXPECT_HAS(e, "policy 'all': unknown policy kind 'constnat'");
  EXPECT_HAS(e, "known kinds: 'ppo' (the trainer's), constant");
}

TEST(PolicyMappingBuilder, RejectsBadEntries) {
  PolicyMapping m;
  m.add("a", agent_ids({"S1"}));
  EXPECT_HAS(message_of<ConfigError>([&] { m.add("a", agent_ids({"S2"})); }),
             "policy 'a' is defined twice");
  EXPECT_HAS(message_of<ConfigError>([&] { m.add("", agent_ids({"S2"})); }),
             "policy id must not be empty");
  EXPECT_HAS(message_of<ConfigError>([&] { m.add("b", "", agent_ids({"S2"})); }),
             "policy 'b' has an empty kind");
  EXPECT_HAS(message_of<ConfigError>([] { agent_ids({}); }), "list of agent ids is empty");
  EXPECT_HAS(message_of<ConfigError>([] {
               agent_ids({"S1", "S1"});
             }),
             "agent 'S1' is listed twice");
  EXPECT_EQ(m.entries().size(), 1u);
}

// The supply-chain example: the shop is its only strategic agent; the warehouse and customers
// take no actions and need no policy.
TEST(PolicyMappingSupplyChain, MapsTheShopByType) {
  auto env = supply_chain::make_env();
  phantom::PolicyRegistry registry;
  PolicyMapping m;
  m.add("shop", agents_of_type<supply_chain::ShopAgent>());
  ResolvedPolicies r = m.resolve(*env, "qlearning", {"shop"}, registry);
  ASSERT_EQ(r.policies.size(), 1u);
  EXPECT_EQ(r.policies[0].agent_ids, std::vector<std::string>{"SHOP"});
  EXPECT_EQ(r.policy_of_position, std::vector<int>{0});
  EXPECT_EQ(r.policies[0].observation_space->to_string(), "Box(0, 1, (3,))");
  EXPECT_EQ(r.policies[0].action_space->to_string(), "Box(0, 100, (1,))");

  PolicyMapping text = PolicyMapping::parse("shop = type ShopAgent\n");
  EXPECT_EQ(text.resolve(*env, "qlearning", {"shop"}, registry).policies[0].agent_ids,
            std::vector<std::string>{"SHOP"});

  PolicyMapping warehouse = PolicyMapping::parse("shop = type ShopAgent\nw = ids WAREHOUSE\n");
  EXPECT_HAS(
      message_of<ConfigError>([&] { warehouse.resolve(*env, "qlearning", {"shop"}, registry); }),
      "agent 'WAREHOUSE' (WarehouseAgent) takes no actions");
}

}  // namespace
