// EnvSignature: the first difference between an env's strategic agents and a reference env's,
// in the order code relies on them (position, id, class, observation space, action space).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "phantom/env.hpp"
#include "phantom/env_signature.hpp"
#include "support/error_message.hpp"
#include "support/policy_test_env.hpp"

namespace {

using phantom::EnvSignature;
using phantom::PhantomEnv;
using test_support::Buyer;
using test_support::Learner;
using test_support::message_of;
using test_support::PremiumSeller;
using test_support::Seller;

/// An agent of an env under test: a class and its id (and a Seller's spaces).
struct Member {
  enum Kind { seller, premium_seller, buyer, learner } kind;
  std::string id;
  phantom::SpacePtr obs = phantom::box(0, 1, {2});
  phantom::SpacePtr act = phantom::discrete(3);
};

std::unique_ptr<PhantomEnv> env_of(const std::vector<Member>& members) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<test_support::Market>("M");  // not strategic: not part of the signature
  for (const Member& m : members) {
    switch (m.kind) {
      case Member::seller:
        net->emplace<Seller>(m.id, m.obs, m.act);
        break;
      case Member::premium_seller:
        net->emplace<PremiumSeller>(m.id, m.obs, m.act);
        break;
      case Member::buyer:
        net->emplace<Buyer>(m.id);
        break;
      case Member::learner:
        net->emplace<Learner>(m.id);
        break;
    }
  }
  return std::make_unique<PhantomEnv>(std::move(net), 10);
}

const std::vector<Member> kFirst = {{Member::seller, "S1"}, {Member::buyer, "B1"}};

TEST(EnvSignature, AnEnvWithTheSameAgentsMatches) {
  EnvSignature first(*env_of(kFirst));
  EXPECT_EQ(first.difference(*env_of(kFirst)), "");
  first.check(*env_of(kFirst), "test", "env 1");  // no throw
}

TEST(EnvSignature, NamesTheFirstDifference) {
  struct Case {
    std::vector<Member> got;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{{Member::seller, "S1"}, {Member::buyer, "B2"}}, "strategic agent 1 is 'B2', expected 'B1'"},
      {{{Member::buyer, "B1"}, {Member::seller, "S1"}},
       "strategic agent 0 is 'B1', expected 'S1' (the same agents in another order: 'B1', "
       "'S1')"},
      {{{Member::seller, "S1"}}, "it has 1 strategic agent, expected 2 (missing: 'B1')"},
      {{{Member::seller, "S1"}, {Member::buyer, "B1"}, {Member::buyer, "B2"}},
       "it has 3 strategic agents, expected 2 (extra: 'B2')"},
      {{}, "it has 0 strategic agents, expected 2 (missing: 'S1', 'B1')"},
      // Same spaces, another class (a subclass, and an unrelated one).
      {{{Member::premium_seller, "S1"}, {Member::buyer, "B1"}},
       "strategic agent 0 ('S1') is a test_support::PremiumSeller, expected a "
       "test_support::Seller"},
      {{{Member::learner, "S1"}, {Member::buyer, "B1"}},
       "strategic agent 0 ('S1') is a test_support::Learner, expected a test_support::Seller"},
      {{{Member::seller, "S1", phantom::box(0, 1, {3})}, {Member::buyer, "B1"}},
       "strategic agent 0 ('S1') has observation space Box(0, 1, (3,)), expected "
       "Box(0, 1, (2,))"},
      {{{Member::seller, "S1", phantom::box(0, 1, {2}), phantom::discrete(4)},
        {Member::buyer, "B1"}},
       "strategic agent 0 ('S1') has action space Discrete(4), expected Discrete(3)"},
  };
  EnvSignature first(*env_of(kFirst));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ", expected: " + cases[i].expected);
    EXPECT_EQ(first.difference(*env_of(cases[i].got)), cases[i].expected);
  }
}

TEST(EnvSignature, CheckThrowsAConfigErrorNamingTheCallerTheEnvAndTheDifference) {
  EnvSignature first(*env_of(kFirst));
  const std::string m = message_of<phantom::ConfigError>([&] {
    first.check(*env_of({{Member::seller, "S1"}}), "ppo trainer", "sub-env 3");
  });
  EXPECT_EQ(m,
            "ppo trainer: sub-env 3 differs from the first env the factory built: it has 1 "
            "strategic agent, expected 2 (missing: 'B1'); every env of one factory must have the "
            "first env's strategic agents (ids, classes, observation and action spaces) in the "
            "same order");
}

}  // namespace
