// Supertypes (Python Phantom's tests/test_supertype.py and test_agent.py::test_reset) and the
// ways the C++ port differs: fields with sources, managed sampling, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "phantom/agent.hpp"
#include "phantom/supertype.hpp"
#include "support/mock_sampler.hpp"

namespace {

using test_support::CountingSampler;

struct T : phantom::Supertype {
  phantom::Field a{this, "a", 1.0f};
  phantom::Field b{this, "b", 2.0f};
};

struct Many : phantom::Supertype {
  phantom::Field a{this, "a", 1};
  phantom::Field b{this, "b", 2.0};
  phantom::ArrayField c{this, "c", std::vector<float>{6, 7, 8}};
  phantom::ArrayField e{this, "e", std::vector<float>{15, 16, 17}};
};

class TypedAgent : public phantom::Agent {
 public:
  explicit TypedAgent(std::string id) : Agent(std::move(id)) {
    set_supertype(std::make_shared<T>());
  }
};

// test_base_supertype_sample: fixed values are kept; an (unmanaged) sampler is drawn once.
TEST(SupertypeTest, SampleKeepsFixedValuesAndDrawsSamplers) {
  nn::Rng rng(1);
  T fixed;
  fixed.sample(rng);
  EXPECT_EQ(fixed.a.value(), 1.0f);
  EXPECT_EQ(fixed.b.value(), 2.0f);

  T drawn;
  auto s = std::make_shared<CountingSampler>(0.0f);
  drawn.a = s;
  drawn.sample(rng);
  EXPECT_EQ(drawn.a.value(), 1.0f);
  drawn.sample(rng);
  EXPECT_EQ(drawn.a.value(), 2.0f);
  EXPECT_EQ(s->draws(), 2);
}

TEST(SupertypeTest, RealSamplersDrawFromTheGivenRng) {
  T x, y;
  x.a = phantom::uniform(0.0f, 1.0f);
  y.a = phantom::uniform(0.0f, 1.0f);
  nn::Rng r1(7), r2(7);
  x.sample(r1);
  y.sample(r2);
  EXPECT_EQ(x.a.value(), y.a.value());
  EXPECT_GE(x.a.value(), 0.0f);
  EXPECT_LT(x.a.value(), 1.0f);
}

// test_base_type_utilities: the observation space and the values that fit it.
TEST(SupertypeTest, ObsSpaceAndValues) {
  Many m;
  auto space = m.to_obs_space();
  auto inf = std::numeric_limits<float>::infinity();
  auto expected = phantom::dict_space({{"a", phantom::box(-inf, inf, {1})},
                                       {"b", phantom::box(-inf, inf, {1})},
                                       {"c", phantom::box(-inf, inf, {3})},
                                       {"e", phantom::box(-inf, inf, {3})}});
  EXPECT_EQ(*space, *expected) << space->to_string();
  std::vector<float> values = m.values();
  EXPECT_EQ(values, (std::vector<float>{1, 2, 6, 7, 8, 15, 16, 17}));
  EXPECT_TRUE(space->contains(values));
  EXPECT_EQ(m.flat_size(), 8u);

  auto bounded = m.to_obs_space(0.0f, 10.0f);
  EXPECT_FALSE(bounded->contains(values));  // 15..17 exceed the bound
}

TEST(SupertypeTest, FieldsInDeclarationOrderAndByName) {
  Many m;
  ASSERT_EQ(m.fields().size(), 4u);
  EXPECT_EQ(m.fields()[2]->name(), "c");
  EXPECT_EQ(m.field("e").flat_size(), 3u);
  EXPECT_EQ(m.to_string(), "Many(a=1, b=2, c=[6, 7, 8], e=[15, 16, 17])");
}

// The dict form ({"a": sampler}) is set(); an unknown name changes nothing and says what exists.
TEST(SupertypeTest, SetByNameIsAllOrNothing) {
  T t;
  auto s = std::make_shared<CountingSampler>(0.0f);
  t.set({{"a", s}, {"b", 5.0f}});
  EXPECT_EQ(t.a.source().sampler().get(), s.get());
  EXPECT_EQ(t.b.value(), 5.0f);
  try {
    t.set({{"b", 9.0f}, {"wrong", 1.0f}});
    FAIL() << "expected ConfigError";
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no field 'wrong'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("a, b"), std::string::npos) << e.what();
  }
  EXPECT_EQ(t.b.value(), 5.0f);  // untouched
}

TEST(SupertypeTest, SizeMismatchIsAnError) {
  Many m;
  const std::vector<float> two(2, 1.0f);
  EXPECT_THROW(m.c = two, phantom::ConfigError);
  EXPECT_THROW(m.a = two, phantom::ConfigError);
  EXPECT_THROW(
      m.a = std::make_shared<phantom::UniformArraySampler>(0.f, 1.f, std::vector<int64_t>{2}),
      phantom::ConfigError);
  m.c = std::make_shared<phantom::UniformArraySampler>(0.f, 1.f, std::vector<int64_t>{3});
  nn::Rng rng(3);
  m.sample(rng);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_LT(m.c.values()[i], 1.0f);
}

TEST(SupertypeTest, DuplicateFieldNameIsAnError) {
  struct Dup : phantom::Supertype {
    phantom::Field x{this, "x", 1.0f};
    phantom::Field y{this, "x", 2.0f};
  };
  EXPECT_THROW(Dup{}, phantom::ConfigError);
}

TEST(SupertypeTest, ValueBeforeSamplingAndRangesAreErrors) {
  T t;
  t.a = phantom::uniform(0.0f, 1.0f);
  EXPECT_THROW(t.a.value(), phantom::ValueError);  // not drawn yet
  t.b = phantom::linspace_range(0.0, 1.0, 3, "r");
  EXPECT_THROW(t.b.value(), phantom::ValueError);
  ASSERT_EQ(t.range_fields().size(), 1u);
  EXPECT_EQ(t.range_fields()[0]->name(), "b");
  nn::Rng rng(1);
  try {
    t.sample(rng);
    FAIL() << "a Range cannot be sampled";
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'b'"), std::string::npos) << e.what();
  }
}

// A managed supertype reads its samplers; its env draws them (see supertypes_env_test.cpp).
TEST(SupertypeTest, ManagedSupertypeDoesNotDraw) {
  T t;
  auto s = std::make_shared<CountingSampler>(0.0f);
  t.a = s;
  t.set_managed(true);
  nn::Rng rng(1);
  EXPECT_THROW(t.sample(rng), phantom::ValueError);  // never drawn
  s->sample(rng);
  t.sample(rng);
  t.sample(rng);
  EXPECT_EQ(t.a.value(), 1.0f);
  EXPECT_EQ(s->draws(), 1);
}

TEST(SupertypeTest, CollectSamplersIsUniqueAndOrdered) {
  T t;
  auto s1 = std::make_shared<CountingSampler>(0.0f);
  auto s2 = std::make_shared<CountingSampler>(0.0f);
  t.a = s2;
  t.b = s1;
  std::vector<phantom::Sampler*> out{s1.get()};
  t.collect_samplers(out);
  EXPECT_EQ(out, (std::vector<phantom::Sampler*>{s1.get(), s2.get()}));
}

// test_agent.py::test_reset: an agent's reset samples its supertype.
TEST(SupertypeTest, AgentResetSamplesItsSupertype) {
  TypedAgent agent("A");
  auto s = std::make_shared<CountingSampler>(1.0f);
  agent.type<T>().a = s;
  nn::Rng rng(1);
  agent.reset(rng);
  EXPECT_EQ(agent.type<T>().a.value(), 2.0f);
  EXPECT_EQ(agent.type<T>().b.value(), 2.0f);
}

TEST(SupertypeTest, AgentTypeErrorsNameTheAgent) {
  phantom::Agent plain("P");
  nn::Rng rng(1);
  plain.reset(rng);  // no supertype: nothing to sample
  try {
    plain.type<T>();
    FAIL();
  } catch (const phantom::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'P'"), std::string::npos) << e.what();
  }
  TypedAgent typed("Q");
  EXPECT_THROW(typed.type<Many>(), phantom::ConfigError);
}

}  // namespace
