// The text form of a PolicyMapping (docs/CONFIG.md): every form, comments, continuation lines,
// quoting, the round trip through to_text(), and parse errors with their line and column.
#include <gtest/gtest.h>

#include "phantom/policy_mapping.hpp"
#include "support/error_message.hpp"
#include "support/policy_test_env.hpp"

namespace {

using phantom::AgentSelector;
using phantom::ConfigError;
using phantom::PolicyMapping;
using test_support::message_of;

std::string parse_error(const std::string& text) {
  return message_of<ConfigError>([&] { PolicyMapping::parse(text, "policies.txt"); });
}

TEST(PolicyMappingText, AllSixForms) {
  PolicyMapping m = PolicyMapping::parse(
      "# the six forms of Python Phantom's Trainer\n"
      "p1 = type Seller\n"
      "p2 = ids S1, S2\n"
      "p3 = constant : type Seller\n"
      "p4 = constant : type Seller with value = 2, label = \"two units\"\n"
      "p5 = constant : ids B1\n"
      "p6 = constant : ids B1, B2 with value = -1\n");
  const auto& e = m.entries();
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e[0].policy_id, "p1");
  EXPECT_EQ(e[0].kind, "");
  EXPECT_EQ(e[0].agents.kind(), AgentSelector::Kind::type);
  EXPECT_EQ(e[0].agents.type_name(), "Seller");
  EXPECT_EQ(e[1].agents.ids(), (std::vector<std::string>{"S1", "S2"}));
  EXPECT_EQ(e[2].kind, "constant");
  EXPECT_TRUE(e[2].config.empty());
  EXPECT_EQ(e[3].config.get_int("value"), 2);
  EXPECT_EQ(e[3].config.get_string("label"), "two units");
  EXPECT_EQ(e[3].config.policy_id(), "p4");
  EXPECT_EQ(e[4].agents.ids(), std::vector<std::string>{"B1"});
  EXPECT_EQ(e[5].config.get_double("value"), -1.0);
}

TEST(PolicyMappingText, CommentsBlankLinesContinuationAndQuotes) {
  PolicyMapping m = PolicyMapping::parse(
      "\n"
      "   # leading comment\n"
      "\"buyers and sellers\" = ids S1,   # a line may end after a comma\n"
      "                              \"B 1\",\n"
      "\n"
      "                              S2 # trailing comment\n"
      "\r\n"
      "odd = \"my kind\" : type \"Odd<int, 2>\" with \"a key\" = \"say \\\"hi\\\"\\n\"\n");
  const auto& e = m.entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].policy_id, "buyers and sellers");
  EXPECT_EQ(e[0].agents.ids(), (std::vector<std::string>{"S1", "B 1", "S2"}));
  EXPECT_EQ(e[1].kind, "my kind");
  EXPECT_EQ(e[1].agents.type_name(), "Odd<int, 2>");
  EXPECT_EQ(e[1].config.get_string("a key"), "say \"hi\"\n");
}

// `;` separates entries like a line break, for a mapping given on a command line.
TEST(PolicyMappingText, SemicolonSeparatesEntries) {
  PolicyMapping m = PolicyMapping::parse("a = ids S1;b = constant : type Buyer with v = 1 ; ;");
  ASSERT_EQ(m.entries().size(), 2u);
  EXPECT_EQ(m.entries()[1].config.get_int("v"), 1);
  EXPECT_HAS(parse_error("a = ids S1; b type B"), "policies.txt:1:15: expected '=', found 'type'");
  EXPECT_HAS(parse_error("a = ids S1, S2 x; b = type B"),
             "policies.txt:1:16: expected ',', 'with' or end of line, found 'x'");
  EXPECT_HAS(parse_error("a = ids ;"), "policies.txt:1:9: expected an agent id, found ';'");
  PolicyMapping quoted;
  quoted.add("a;b", phantom::agent_ids({"x;y"}));
  EXPECT_EQ(quoted.to_text(), "\"a;b\" = ids \"x;y\"\n");
  EXPECT_EQ(PolicyMapping::parse(quoted.to_text()).entries()[0].agents.ids()[0], "x;y");
}

// Keywords are keywords only where the grammar expects one: a kind, class or id may be named
// "type", "ids" or "with".
TEST(PolicyMappingText, KeywordsAsNames) {
  PolicyMapping m = PolicyMapping::parse(
      "type = type : type with with with = with\n"
      "ids = ids : ids with, ids with ids = type\n");
  const auto& e = m.entries();
  EXPECT_EQ(e[0].policy_id, "type");
  EXPECT_EQ(e[0].kind, "type");
  EXPECT_EQ(e[0].agents.type_name(), "with");
  EXPECT_EQ(e[0].config.get_string("with"), "with");
  EXPECT_EQ(e[1].kind, "ids");
  EXPECT_EQ(e[1].agents.ids(), (std::vector<std::string>{"with", "ids"}));
  EXPECT_EQ(e[1].config.get_string("ids"), "type");
  EXPECT_EQ(PolicyMapping::parse(m.to_text()).to_text(), m.to_text());
}

TEST(PolicyMappingText, RoundTrip) {
  PolicyMapping m;
  m.add("sellers", phantom::agents_of_type<test_support::Seller>());
  m.add("learners", phantom::agent_ids({"L1", "L 2"}), {{"lr", "0.001"}});
  m.add("fixed", "constant", phantom::agent_ids({"B1"}), {{"value", "1"}, {"note", "a, b = c"}});
  m.add("empty value", "constant", phantom::agents_of_type_named("Buyer"), {{"tag", ""}});
  std::string text = m.to_text();
  EXPECT_EQ(text,
            "sellers = type Seller\n"
            "learners = ids L1, \"L 2\" with lr = 0.001\n"
            "fixed = constant : ids B1 with value = 1, note = \"a, b = c\"\n"
            "\"empty value\" = constant : type Buyer with tag = \"\"\n");
  PolicyMapping back = PolicyMapping::parse(text);
  ASSERT_EQ(back.entries().size(), 4u);
  EXPECT_EQ(back.to_text(), text);
  EXPECT_EQ(back.entries()[2].config.get_string("note"), "a, b = c");
  EXPECT_EQ(back.entries()[1].agents.ids()[1], "L 2");
  EXPECT_EQ(PolicyMapping::parse("").entries().size(), 0u);
  EXPECT_EQ(PolicyMapping().to_text(), "");
}

// A parsed mapping resolves exactly like the one built in code.
TEST(PolicyMappingText, ResolvesLikeTheBuilder) {
  auto env = test_support::make_market_env();
  phantom::PolicyRegistry registry;
  registry.add("constant",
               [](phantom::SpacePtr o, phantom::SpacePtr a, const phantom::PolicyConfig&) {
                 return std::make_shared<test_support::ConstantPolicy>(o, a, 0.0f);
               });
  PolicyMapping m = PolicyMapping::parse(
      "sellers = type Seller\n"
      "buyers = constant : ids B2, B1\n");
  phantom::ResolvedPolicies r = m.resolve(*env, "ppo", {"sellers"}, registry);
  EXPECT_EQ(r.policy_of_position, (std::vector<int>{0, 1, 0, 1}));
  EXPECT_EQ(r.policies[1].agent_ids, (std::vector<std::string>{"B1", "B2"}));
}

TEST(PolicyMappingText, ParseErrorsGiveLineAndColumn) {
  EXPECT_HAS(parse_error("a = type A\nb type B\n"), "policies.txt:2:3: expected '=', found 'type'");
  EXPECT_HAS(parse_error("a = \n"),
             "policies.txt:1:5: expected 'type', 'ids' or a policy kind followed by ':', found end "
             "of line");
  EXPECT_HAS(parse_error("a = k : S1\n"), "policies.txt:1:9: expected 'type' or 'ids', found 'S1'");
  EXPECT_HAS(parse_error("a = type\n"),
             "policies.txt:1:9: expected a class name, found end of line");
  EXPECT_HAS(parse_error("a = ids"), "policies.txt:1:8: expected an agent id, found end of input");
  EXPECT_HAS(parse_error("a = ids S1, = S2"), "policies.txt:1:13: expected an agent id, found '='");
  EXPECT_HAS(parse_error("a = type A B\n"),
             "policies.txt:1:12: expected 'with' or end of line, found 'B'");
  EXPECT_HAS(parse_error("a = ids A B\n"),
             "policies.txt:1:11: expected ',', 'with' or end of line, found 'B'");
  EXPECT_HAS(parse_error("a = type A with x\n"),
             "policies.txt:1:18: expected '=', found end of line");
  EXPECT_HAS(parse_error("a = type A with x = \n"),
             "policies.txt:1:21: expected a value for config key 'x', found end of line");
  EXPECT_HAS(parse_error("a = type A with x = 1 y = 2\n"),
             "policies.txt:1:23: expected ',' or end of line, found 'y'");
  EXPECT_HAS(parse_error("= type A"), "policies.txt:1:1: expected a policy id, found '='");
  EXPECT_HAS(parse_error("\"\" = type A"), "policies.txt:1:1: a policy id must not be empty");
  EXPECT_HAS(parse_error("a = \"\" : type A"), "policies.txt:1:5: a policy kind must not be empty");
}

TEST(PolicyMappingText, SemanticErrorsGiveLineAndColumn) {
  EXPECT_HAS(parse_error("a = type A\n\n  a = type B\n"),
             "policies.txt:3:3: policy 'a' is defined twice (first on line 1)");
  EXPECT_HAS(parse_error("a = ids S1, S2,\n  S1\n"),
             "policies.txt:2:3: agent 'S1' is listed twice in policy 'a'");
  EXPECT_HAS(parse_error("a = type A with x = 1, x = 2\n"),
             "policies.txt:1:24: config key 'x' is repeated in policy 'a'");
}

TEST(PolicyMappingText, LexicalErrorsGiveLineAndColumn) {
  EXPECT_HAS(parse_error("a = ids \"S1\n"), "policies.txt:1:9: unterminated string");
  EXPECT_HAS(parse_error("a = ids \"S1"), "policies.txt:1:9: unterminated string");
  EXPECT_HAS(parse_error("a = ids \"S\\q\"\n"), "policies.txt:1:11: unknown escape in string");
  // The default source name.
  EXPECT_HAS(message_of<ConfigError>([] { PolicyMapping::parse("a b"); }),
             "<policy mapping>:1:3: expected '='");
}

}  // namespace
