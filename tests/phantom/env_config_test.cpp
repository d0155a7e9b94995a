// EnvConfig: entries, typed getters, ranges, an EnvFactory, and the text form with its errors.
#include "phantom/env_config.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "phantom/env.hpp"
#include "phantom/sampler.hpp"
#include "supply_chain.hpp"
#include "support/error_message.hpp"

namespace {

using phantom::ConfigError;
using phantom::EnvConfig;
using phantom::FieldSource;
using test_support::message_of;

std::string parse_error(const std::string& text) {
  return message_of<ConfigError>([&] { EnvConfig::parse(text, "env.cfg"); });
}

TEST(EnvConfigTest, EntriesAndTypedGetters) {
  EnvConfig c{{"steps", 100}, {"rate", 0.5}, {"weights", std::vector<float>{0.25f, 0.75f}}};
  c.set("price", phantom::uniform(1.0f, 2.0f));
  c.set("rate", 0.25);  // replaces, keeps its place
  EXPECT_EQ(c.names(), (std::vector<std::string>{"steps", "rate", "weights", "price"}));
  EXPECT_TRUE(c.has("price"));
  EXPECT_FALSE(c.has("cost"));
  EXPECT_EQ(c.number("rate"), 0.25f);
  EXPECT_EQ(c.number("cost", 3.0f), 3.0f);
  EXPECT_EQ(c.integer("steps"), 100);
  EXPECT_EQ(c.integer("cost", 7), 7);
  EXPECT_EQ(c.array("weights"), (std::vector<float>{0.25f, 0.75f}));
  EXPECT_EQ(c.array("cost", {1.0f}), std::vector<float>{1.0f});
  EXPECT_EQ(c.source("price").kind(), FieldSource::Kind::sampler);
  EXPECT_EQ(c.find("cost"), nullptr);
}

TEST(EnvConfigTest, GetterErrorsNameTheEntry) {
  EnvConfig c{{"rate", 0.5}, {"weights", std::vector<float>{1, 2}}};
  c.set("price", phantom::uniform(1.0f, 2.0f));
  EXPECT_HAS(message_of<ConfigError>([&] { c.number("cost"); }),
             "env config: no entry 'cost' (entries: rate, weights, price)");
  EXPECT_HAS(message_of<ConfigError>([&] { c.number("weights"); }),
             "env config entry 'weights' is an array ([1, 2]), not a fixed number");
  EXPECT_HAS(message_of<ConfigError>([&] { c.number("price", 1.0f); }),
             "env config entry 'price' is a sampler (<UniformFloatSampler");
  EXPECT_HAS(message_of<ConfigError>([&] { c.array("rate"); }),
             "env config entry 'rate' is a number (0.5), not a fixed array");
  EXPECT_HAS(message_of<ConfigError>([&] { c.integer("rate"); }),
             "env config entry 'rate' = 0.5 is not an integer");
  EXPECT_HAS(message_of<ConfigError>([] {
               EnvConfig{{"a", 1}, {"a", 2}};
             }),
             "env config entry 'a' is given twice");
  EXPECT_HAS(message_of<ConfigError>([&] { c.set("", 1); }), "must not be empty");
}

TEST(EnvConfigTest, Ranges) {
  EnvConfig c{{"steps", 10}};
  EXPECT_FALSE(c.contains_ranges());
  c.check_no_ranges("QLearningTrainer::train");
  auto cost = phantom::linspace_range(0, 1, 5, "cost");
  c.set("cost", cost);
  c.set("noise", phantom::normal(0.0f, 1.0f));
  c.set("stock", phantom::uniform_range(0, 10, 5));
  EXPECT_TRUE(c.contains_ranges());
  auto ranges = c.range_entries();
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].first, "cost");
  EXPECT_EQ(ranges[0].second, cost);
  EXPECT_EQ(ranges[1].first, "stock");
  std::string e = message_of<ConfigError>([&] { c.check_no_ranges("QLearningTrainer::train"); });
  EXPECT_HAS(e,
             "QLearningTrainer::train: env config entry 'cost' is a range (<LinspaceRange "
             "name='cost'>)");
  EXPECT_HAS(e, "rollout");
}

// An EnvFactory builds an env from a config (here the supply chain, which takes no parameters
// but its length).
TEST(EnvConfigTest, EnvFactory) {
  phantom::EnvFactory factory = [](const EnvConfig& c) {
    auto env = supply_chain::make_env();
    EXPECT_EQ(c.integer("steps", 100), 20);
    return env;
  };
  std::unique_ptr<phantom::PhantomEnv> env = factory(EnvConfig{{"steps", 20}});
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->strategic_agent_ids(), std::vector<std::string>{"SHOP"});
}

// ---- Text form ----

TEST(EnvConfigText, ParsesEveryKindOfValue) {
  EnvConfig c = EnvConfig::parse(
      "# supply chain\n"
      "steps = 100\n"
      "rate = -2.5e-1   # a comment\n"
      "weights = [0.5, 0.25,\n"
      "           0.25]\n"
      "none = []\n"
      "price = uniform(1, 2)\n"
      "clipped = uniform(0, 1, clip_high = 0.5)\n"
      "noise = normal(0, 0.1, clip_low = -1, clip_high = 1)\n"
      "orders = uniform_int(0, 4)\n"
      "cost = linspace(0, 1, 5)\n"
      "stock = arange(0, 100, 10, name = \"initial stock\")\n"
      "unit = arange(1, 3, unit_array = true)\n"
      "\"odd name\" = inf\n");
  EXPECT_EQ(c.integer("steps"), 100);
  EXPECT_EQ(c.number("rate"), -0.25f);
  EXPECT_EQ(c.array("weights"), (std::vector<float>{0.5f, 0.25f, 0.25f}));
  EXPECT_TRUE(c.array("none").empty());
  auto price = std::dynamic_pointer_cast<phantom::UniformFloatSampler>(c.source("price").sampler());
  ASSERT_NE(price, nullptr);
  EXPECT_EQ(price->low(), 1.0f);
  EXPECT_EQ(price->high(), 2.0f);
  auto clipped =
      std::dynamic_pointer_cast<phantom::UniformFloatSampler>(c.source("clipped").sampler());
  EXPECT_EQ(clipped->clip().high, 0.5f);
  EXPECT_FALSE(clipped->clip().low.has_value());
  auto noise = std::dynamic_pointer_cast<phantom::NormalSampler>(c.source("noise").sampler());
  ASSERT_NE(noise, nullptr);
  EXPECT_EQ(noise->sigma(), 0.1f);
  EXPECT_EQ(noise->clip().low, -1.0f);
  auto orders = std::dynamic_pointer_cast<phantom::UniformIntSampler>(c.source("orders").sampler());
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->high(), 4);
  const phantom::Range& cost = *c.source("cost").range();
  EXPECT_EQ(cost.values(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1}));
  EXPECT_EQ(cost.name(), "cost");  // named after the entry
  EXPECT_EQ(c.source("stock").range()->name(), "initial stock");
  EXPECT_EQ(c.source("stock").range()->size(), 10u);
  EXPECT_TRUE(c.source("unit").range()->unit_array());
  EXPECT_EQ(c.source("unit").range()->values(), (std::vector<float>{1, 2}));
  EXPECT_TRUE(std::isinf(c.number("odd name")));
}

TEST(EnvConfigText, SemicolonSeparatesEntries) {
  EnvConfig c = EnvConfig::parse("steps = 100; price = uniform(1, 2);weights = [1, 2]");
  EXPECT_EQ(c.names(), (std::vector<std::string>{"steps", "price", "weights"}));
  EXPECT_HAS(parse_error("a = 1; b"), "env.cfg:1:9: expected '=', found end of input");
  EXPECT_HAS(parse_error("a = 1 b = 2"), "env.cfg:1:7: expected end of line, found 'b'");
}

TEST(EnvConfigText, RoundTrip) {
  EnvConfig c{{"steps", 100}, {"rate", 0.1}, {"weights", std::vector<float>{0.5f, 1e-7f}}};
  c.set("price", phantom::uniform(1.0f, 2.5f, 1.25f));
  c.set("noise", phantom::normal(0.0f, 0.3f, std::nullopt, 1.0f));
  c.set("orders", phantom::uniform_int(0, 4, 1, 3));
  c.set("cost", phantom::linspace_range(0, 0.1, 3, "cost"));
  c.set("stock", phantom::uniform_range(0, 1, 0.1));  // no name
  c.set("unit", phantom::unit_array_linspace_range(1, 2, 2, "u"));
  std::string text = c.to_text();
  EXPECT_EQ(text,
            "steps = 100\n"
            "rate = 0.1\n"
            "weights = [0.5, 1e-07]\n"
            "price = uniform(1, 2.5, clip_low = 1.25)\n"
            "noise = normal(0, 0.3, clip_high = 1)\n"
            "orders = uniform_int(0, 4, clip_low = 1, clip_high = 3)\n"
            "cost = linspace(0, 0.1, 3)\n"
            "stock = arange(0, 1, 0.1, name = \"\")\n"
            "unit = linspace(1, 2, 2, name = u, unit_array = true)\n");
  EnvConfig back = EnvConfig::parse(text);
  EXPECT_EQ(back.to_text(), text);
  EXPECT_EQ(back.number("rate"), c.number("rate"));
  EXPECT_EQ(back.array("weights"), c.array("weights"));
  EXPECT_EQ(back.source("stock").range()->values(), c.source("stock").range()->values());
  EXPECT_EQ(back.source("stock").range()->name(), "");
}

TEST(EnvConfigText, ValuesWithoutATextForm) {
  EnvConfig c;
  c.set("lambda", phantom::lambda_sampler([](nn::Rng&) { return 1.0f; }));
  EXPECT_HAS(message_of<ConfigError>([&] { c.to_text(); }),
             "env config entry 'lambda': a LambdaSampler has no text form");
  EnvConfig a;
  a.set("array", phantom::uniform_array(0, 1, {3}));
  EXPECT_HAS(message_of<ConfigError>([&] { a.to_text(); }),
             "a UniformArraySampler has no text form");
}

TEST(EnvConfigText, SyntaxErrorsGiveLineAndColumn) {
  EXPECT_HAS(parse_error("a = 1\nb 2\n"), "env.cfg:2:3: expected '=', found '2'");
  EXPECT_HAS(parse_error("a = \n"),
             "env.cfg:1:5: expected a number, an array [...] or a sampler or range such as "
             "uniform(0, 1), found end of line");
  EXPECT_HAS(parse_error("a = abc\n"), "env.cfg:1:5: 'abc' is not a number");
  EXPECT_HAS(parse_error("a = \"1\"\n"), "env.cfg:1:5: expected a number, an array");
  EXPECT_HAS(parse_error("a = 1 2\n"), "env.cfg:1:7: expected end of line, found '2'");
  EXPECT_HAS(parse_error("a = [1, x]\n"), "env.cfg:1:9: 'x' is not a number");
  EXPECT_HAS(parse_error("a = [1 2]\n"), "env.cfg:1:8: expected ',' or ']', found '2'");
  EXPECT_HAS(parse_error("a = [1,\n"), "env.cfg:2:1: expected a number, found end of input");
  EXPECT_HAS(parse_error("a = uniform(0 1)\n"), "env.cfg:1:15: expected ',' or ')', found '1'");
  EXPECT_HAS(parse_error("a = uniform(0, 1\n"),
             "env.cfg:1:17: expected ',' or ')', found end of line");
  EXPECT_HAS(parse_error("a = \"unterminated\n"), "env.cfg:1:5: unterminated string");
}

TEST(EnvConfigText, CallErrorsGiveLineAndColumn) {
  EXPECT_HAS(parse_error("a = poisson(3)\n"),
             "env.cfg:1:5: unknown function 'poisson' (known: uniform, uniform_int, normal, "
             "linspace, arange)");
  EXPECT_HAS(parse_error("a = uniform(0)\n"),
             "env.cfg:1:5: uniform(low, high) takes 2 numbers, not 1");
  EXPECT_HAS(parse_error("a = arange(0)\n"),
             "env.cfg:1:5: arange(start, end[, step]) takes 2 or 3 numbers, not 1");
  EXPECT_HAS(parse_error("a = uniform(0, 1, name = x)\n"),
             "env.cfg:1:19: uniform() has no argument 'name' (it takes clip_low, clip_high)");
  EXPECT_HAS(parse_error("a = normal(0, 1, clip_low = 1, clip_low = 2)\n"),
             "env.cfg:1:32: argument 'clip_low' is repeated");
  EXPECT_HAS(parse_error("a = normal(0, clip_low = 1, 2)\n"),
             "env.cfg:1:29: expected a keyword argument (name = value)");
  EXPECT_HAS(parse_error("a = uniform_int(0, 2.5)\n"), "env.cfg:1:20: '2.5' is not an integer");
  EXPECT_HAS(parse_error("a = linspace(0, 1, 3, unit_array = yes)\n"),
             "env.cfg:1:36: expected true or false for 'unit_array', found 'yes'");
  // Parameters the sampler or range itself rejects, positioned at the call.
  EXPECT_HAS(parse_error("\n  a = uniform(2, 1)\n"), "env.cfg:2:7: UniformFloatSampler");
  EXPECT_HAS(parse_error("a = linspace(0, 1, 0)\n"), "env.cfg:1:5:");
  EXPECT_HAS(parse_error("a = arange(0, 1, 0)\n"), "env.cfg:1:5:");
}

TEST(EnvConfigText, NumberAndNameErrors) {
  EXPECT_HAS(parse_error("seed = 123456789\n"),
             "env.cfg:1:8: integer 123456789 is not exact in a float (beyond 2^24)");
  EXPECT_HAS(parse_error("big = 1e39\n"),
             "env.cfg:1:7: number 1e39 is beyond the range of a float");
  EXPECT_EQ(EnvConfig::parse("ok = 16777216\n").integer("ok"), 16777216);
  EXPECT_HAS(parse_error("seed = -123456789\n"), "env.cfg:1:8: integer -123456789 is not exact");
  EXPECT_HAS(parse_error("seed = 99999999999999999999\n"), "is not exact in a float");
}

// Found by fuzzing (env_config): integer() converted any whole float to int64, and 1e30 (now
// accepted in text as a rounded float, and always possible in code) is beyond an int64, which
// made the conversion undefined behaviour.
TEST(EnvConfig, IntegerBeyondAnInt64IsAConfigError) {
  EXPECT_HAS(message_of<ConfigError>([] {
               EnvConfig{{"x", 1e30f}}.integer("x");
             }),
             "env config entry 'x' = 1e+30 is beyond the range of a 64-bit integer");
  EXPECT_HAS(message_of<ConfigError>([] { EnvConfig::parse("x = 01e30").integer("x"); }),
             "is beyond the range of a 64-bit integer");
  EXPECT_HAS(message_of<ConfigError>([] {
               EnvConfig{{"x", 9223372036854775808.0f}}.integer("x");
             }),
             "is beyond the range of a 64-bit integer");
  EXPECT_EQ(EnvConfig({{"x", -9223372036854775808.0f}}).integer("x"), INT64_MIN);
}

// Found by fuzzing (env_config): a number beyond 2^24 that is not written as an integer is rounded
// to a float, and to_text() writes that float as its shortest text, "1.0077778e+12", which is an
// integer-valued decimal the float does not hold exactly. Parsing it again failed ("integer
// 1.0077778e+12 is not exact in a float"): only numbers written as integers must be exact.
TEST(EnvConfigText, ALargeRoundedNumberReadsBackFromItsText) {
  const EnvConfig c = EnvConfig::parse("p = 1007777777777.75\nq = [1.5e10, -3e9]\n");
  EXPECT_EQ(c.number("p"), 1007777777777.75f);
  const std::string text = c.to_text();
  EXPECT_HAS(text, "p = 1.0077778e+12");
  EnvConfig back = EnvConfig::parse(text, "to_text");
  EXPECT_EQ(back.to_text(), text);
  EXPECT_EQ(back.number("p"), c.number("p"));
  EXPECT_EQ(back.array("q"), c.array("q"));
  EXPECT_HAS(parse_error("a = 1\n# comment\na = 2\n"),
             "env.cfg:3:1: entry 'a' is defined twice (first on line 1)");
  EXPECT_HAS(parse_error("\"\" = 1\n"), "env.cfg:1:1: an entry name must not be empty");
  EXPECT_HAS(parse_error("= 1\n"), "env.cfg:1:1: expected an entry name, found '='");
  EXPECT_HAS(message_of<ConfigError>([] { EnvConfig::parse("x"); }),
             "<env config>:1:2: expected '=', found end of input");
}

// Numbers in config text are read strictly (nn/parse_number.hpp): the whole word is the number.
TEST(EnvConfigText, NumbersAreReadStrictly) {
  EXPECT_HAS(parse_error("a = +5\n"), "env.cfg:1:5: '+5' is not a number");
  EXPECT_HAS(parse_error("a = 0x10\n"), "env.cfg:1:5: '0x10' is not a number");
  EXPECT_HAS(parse_error("a = 1e999\n"), "env.cfg:1:5: '1e999' is out of range (beyond a double)");
  EXPECT_HAS(parse_error("a = linspace(0, 1, 1e3)\n"), "env.cfg:1:20: '1e3' is not an integer");
  EXPECT_HAS(parse_error("a = linspace(0, 1, 5.0)\n"), "env.cfg:1:20: '5.0' is not an integer");
  EXPECT_HAS(parse_error("a = uniform_int(0, 99999999999999999999)\n"),
             "env.cfg:1:20: '99999999999999999999' is out of range");
  EXPECT_EQ(EnvConfig::parse("a = 1e-400\n").number("a"), 0.0f);  // underflow reads as zero
}

// Reproducer: this arange looped about 7e13 times before it could fail. Now it is refused at once
// (the test's speed is the check), positioned at the call.
TEST(EnvConfigText, ARangeWhoseValuesCannotAdvanceIsRefusedAtOnce) {
  const std::string m = parse_error("x = arange(1e30, 1.00000000000000015e30, 1)\n");
  EXPECT_HAS(m, "env.cfg:1:5: UniformRange 'x': ");
  EXPECT_HAS(parse_error("x = arange(0, 1, 1e-9)\n"), "more than the 10000000 values");
  EXPECT_HAS(parse_error("x = linspace(0, 1, 10000001)\n"), "more than the 10000000 values");
}

}  // namespace
