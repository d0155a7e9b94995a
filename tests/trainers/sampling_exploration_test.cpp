// Exploration strategies and schedules of the sampling layer: the reference numbers for epsilon
// and noise schedules, masking, per-worker epsilons, the explore flag, the random warm-up phase,
// the log-prob contract, determinism, save/load and config errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "nn/distributions.hpp"
#include "nn/serialize.hpp"
#include "support/error_message.hpp"
#include "trainers/sampling/epsilon_greedy.hpp"
#include "trainers/sampling/exploration.hpp"
#include "trainers/sampling/gaussian_noise.hpp"
#include "trainers/sampling/schedule.hpp"
#include "trainers/sampling/stochastic_sampling.hpp"

namespace {

using test_support::message_of;

constexpr float kMasked = std::numeric_limits<float>::lowest();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

nn::Tensor tensor(const std::vector<float>& values, nn::Shape shape) {
  return nn::Tensor::from_vector(values, shape);
}

// `rows` copies of one row of values.
nn::Tensor repeated(const std::vector<float>& row, int64_t rows) {
  std::vector<float> all;
  for (int64_t b = 0; b < rows; ++b) all.insert(all.end(), row.begin(), row.end());
  return tensor(all, nn::Shape{rows, static_cast<int64_t>(row.size())});
}

// Actions and log-probs of one call, log-probs pre-filled with NaN so "wrote 0" is checked.
struct Output {
  std::vector<float> actions;
  std::vector<float> logp;
};

Output act(phantom::Exploration& ex, const nn::Distribution& dist, int64_t t, bool explore,
           nn::Rng& rng) {
  Output out{std::vector<float>(static_cast<std::size_t>(dist.batch_size() * dist.action_dim())),
             std::vector<float>(static_cast<std::size_t>(dist.batch_size()), kNaN)};
  ex.get_exploration_action(dist, t, explore, rng, out.actions.data(), out.logp.data());
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool same_rng(const nn::Rng& a, const nn::Rng& b) {
  const nn::Rng::State &x = a.state(), &y = b.state();
  return x.seed == y.seed && x.stream == y.stream && x.block == y.block && x.used == y.used;
}

void expect_all_zero(const std::vector<float>& logp) {
  for (float v : logp) EXPECT_EQ(v, 0.0f);
}

phantom::PolicyConfig config_for(const std::string& policy,
                                 std::initializer_list<std::pair<std::string, std::string>> kv) {
  phantom::PolicyConfig c(kv);
  c.set_policy_id(policy);
  return c;
}

// ---- Schedules ---------------------------------------------------------------------------------

TEST(Schedule, PiecewiseInterpolatesInsideAndIsTheOutsideValueElsewhere) {
  phantom::PiecewiseSchedule s({{0, 1.0}, {10, 0.0}, {20, 4.0}}, 7.0);
  EXPECT_EQ(s.value(-1), 7.0);  // before the first endpoint: outside, not the first value
  EXPECT_EQ(s.value(0), 1.0);
  EXPECT_EQ(s.value(5), 0.5);
  EXPECT_EQ(s.value(10), 0.0);
  EXPECT_EQ(s.value(15), 2.0);
  EXPECT_EQ(s.value(20), 7.0);  // at the last endpoint: outside
  EXPECT_EQ(s.value(1000), 7.0);
}

TEST(Schedule, PiecewiseAllowsRepeatedTimestepsAsAJump) {
  phantom::PiecewiseSchedule s({{0, 1.0}, {5, 1.0}, {5, 3.0}, {10, 3.0}}, 0.0);
  EXPECT_EQ(s.value(4), 1.0);
  EXPECT_EQ(s.value(5), 3.0);
}

TEST(Schedule, PiecewiseRejectsUnsortedOrMissingEndpoints) {
  std::string m = message_of<phantom::ConfigError>([] {
    phantom::PiecewiseSchedule({{0, 1.0}, {10, 0.5}, {5, 0.0}}, 0.0);
  });
  EXPECT_HAS(m, "ascending");
  EXPECT_HAS(m, "endpoint 2 (t = 5)");
  EXPECT_HAS(message_of<phantom::ConfigError>([] { phantom::PiecewiseSchedule({}, 0.0); }),
             "at least one endpoint");
}

TEST(Schedule, PolynomialLinearAndConstant) {
  phantom::PolynomialSchedule quad(100, 0.1, 1.0, 2.0);
  EXPECT_DOUBLE_EQ(quad.value(0), 1.0);
  EXPECT_DOUBLE_EQ(quad.value(50), 0.1 + 0.9 * 0.25);
  EXPECT_DOUBLE_EQ(quad.value(100), 0.1);
  EXPECT_DOUBLE_EQ(quad.value(5000), 0.1);  // min(t, T)
  phantom::LinearSchedule line(100, 0.0, 1.0);
  EXPECT_DOUBLE_EQ(line.value(25), 0.75);
  EXPECT_DOUBLE_EQ(line.value(100), 0.0);
  EXPECT_EQ(phantom::ConstantSchedule(0.3).value(-7), 0.3);
  EXPECT_HAS(message_of<phantom::ConfigError>([] { phantom::LinearSchedule(0, 0.0, 1.0); }),
             "schedule_timesteps = 0");
  EXPECT_HAS(
      message_of<phantom::ConfigError>([] { phantom::PolynomialSchedule(10, 0.0, 1.0, 0.0); }),
      "power = 0");
}

// ---- deterministic_action ----------------------------------------------------------------------

TEST(DeterministicAction, CategoricalTakesTheFirstLargestLogit) {
  nn::Categorical d(tensor({1, 3, 3, 5, -1, 5}, nn::Shape{2, 3}));
  float a[2];
  phantom::deterministic_action(d, a);
  EXPECT_EQ(a[0], 1.0f);
  EXPECT_EQ(a[1], 0.0f);
  std::vector<float> mode = d.mode().to_vector();
  EXPECT_EQ(mode, std::vector<float>(a, a + 2));
}

TEST(DeterministicAction, MultiCategoricalTakesEachComponentsArgmax) {
  // nvec {2, 3}: row 0 = [0.1, 0.9 | 4, 4, 1], row 1 = [2, -2 | 0, 0, 3].
  nn::MultiCategorical d(tensor({0.1f, 0.9f, 4, 4, 1, 2, -2, 0, 0, 3}, nn::Shape{2, 5}), {2, 3});
  std::vector<float> a(4);
  phantom::deterministic_action(d, a.data());
  EXPECT_EQ(a, (std::vector<float>{1, 0, 0, 2}));
  EXPECT_EQ(a, d.mode().to_vector());
}

TEST(DeterministicAction, DiagGaussianIsTheMean) {
  nn::DiagGaussian d(tensor({0.5f, -2.0f, 3.25f, 0.0f}, nn::Shape{2, 2}),
                     tensor({0.0f, 1.0f}, nn::Shape{2}));
  std::vector<float> a(4);
  phantom::deterministic_action(d, a.data());
  EXPECT_EQ(a, (std::vector<float>{0.5f, -2.0f, 3.25f, 0.0f}));
}

TEST(DeterministicAction, BernoulliIsOneWhereTheLogitIsPositive) {
  nn::Bernoulli d(tensor({0.5f, 0.0f, -0.1f}, nn::Shape{1, 3}));
  std::vector<float> a(3);
  phantom::deterministic_action(d, a.data());
  EXPECT_EQ(a, (std::vector<float>{1, 0, 0}));  // a logit of exactly 0 gives 0
  EXPECT_EQ(a, d.mode().to_vector());
}

// ---- EpsilonGreedy (reference case 1: the schedule) ------------------------------------------

TEST(EpsilonGreedy, EpsilonFollowsTheReferenceSchedule) {
  phantom::EpsilonGreedyOptions o;
  o.initial_epsilon = 1.0;
  o.final_epsilon = 0.02;
  o.epsilon_timesteps = 10000;
  phantom::EpsilonGreedy ex({phantom::discrete(4)}, o);
  EXPECT_NEAR(ex.epsilon(0), 1.0, 1e-12);
  EXPECT_NEAR(ex.epsilon(2500), 0.755, 1e-12);
  EXPECT_NEAR(ex.epsilon(5000), 0.51, 1e-12);
  EXPECT_NEAR(ex.epsilon(9999), 0.020098, 1e-12);
  EXPECT_NEAR(ex.epsilon(10000), 0.02, 1e-12);
  EXPECT_NEAR(ex.epsilon(-5), 0.02, 1e-12);  // before the first endpoint: the final value

  o.warmup_timesteps = 2000;
  phantom::EpsilonGreedy warm({phantom::discrete(4)}, o);
  EXPECT_NEAR(warm.epsilon(1000), 1.0, 1e-12);
  EXPECT_NEAR(warm.epsilon(7000), 0.51, 1e-12);
  EXPECT_NEAR(warm.epsilon(12000), 0.02, 1e-12);

  phantom::EpsilonGreedy defaults({phantom::discrete(4)});
  EXPECT_NEAR(defaults.epsilon(50000), 0.525, 1e-12);
}

TEST(EpsilonGreedy, FactoryReadsTheScheduleOptions) {
  auto ex = phantom::make_exploration(config_for("q", {{"type", "EpsilonGreedy"},
                                                       {"final_epsilon", "0.02"},
                                                       {"epsilon_timesteps", "10000"},
                                                       {"warmup_timesteps", "2000"}}),
                                      {phantom::discrete(4)});
  auto* eg = dynamic_cast<phantom::EpsilonGreedy*>(ex.get());
  ASSERT_NE(eg, nullptr);
  EXPECT_STREQ(ex->name(), "EpsilonGreedy");
  EXPECT_NEAR(eg->epsilon(7000), 0.51, 1e-12);
}

// ---- EpsilonGreedy (reference case 2: masking) ----------------------------------------------

TEST(EpsilonGreedy, RandomActionsAreUniformOverTheUnmaskedActions) {
  phantom::EpsilonGreedyOptions o;
  o.initial_epsilon = o.final_epsilon = 1.0;
  phantom::EpsilonGreedy ex({phantom::discrete(4)}, o);
  const int64_t draws = 30000;
  nn::Categorical q(repeated({0.0f, kMasked, 0.0f, 0.0f}, draws));
  nn::Rng rng(7);
  Output out = act(ex, q, 0, true, rng);
  int counts[4] = {0, 0, 0, 0};
  for (float a : out.actions) counts[static_cast<int>(a)]++;
  EXPECT_EQ(counts[1], 0);
  // Each allowed action is a Binomial(30000, 1/3) count: mean 10000, standard deviation
  // sqrt(30000 * 1/3 * 2/3) = 81.6. 5 standard deviations (408) leave a false-failure chance
  // below 1e-6, and still catch any real bias of more than about 1.4 %.
  for (int a : {0, 2, 3}) EXPECT_NEAR(counts[a], 10000, 408) << "action " << a;
  expect_all_zero(out.logp);
}

TEST(EpsilonGreedy, NeverChoosesAMaskedActionAndIgnoresMaskedQValues) {
  phantom::EpsilonGreedyOptions o;
  o.initial_epsilon = o.final_epsilon = 0.5;
  phantom::EpsilonGreedy ex({phantom::discrete(3)}, o);
  const float inf = std::numeric_limits<float>::infinity();
  // Per row a different mask; -inf masks too. Greedy picks 2, 0, 1 among the allowed ones.
  nn::Categorical rows(
      tensor({kMasked, -5.0f, 1.0f, 3.0f, kMasked, -inf, -1.0f, 0.5f, kMasked}, nn::Shape{3, 3}));
  nn::Rng rng(11);
  for (int call = 0; call < 2000; ++call) {
    Output out = act(ex, rows, call, true, rng);
    EXPECT_NE(out.actions[0], 0.0f);
    EXPECT_EQ(out.actions[1], 0.0f);  // the only allowed action of row 1
    EXPECT_NE(out.actions[2], 2.0f);
  }
  Output greedy = act(ex, rows, 0, false, rng);
  EXPECT_EQ(greedy.actions, (std::vector<float>{2, 0, 1}));
}

TEST(EpsilonGreedy, RejectsARowWithNoAllowedActionAndNonCategoricals) {
  phantom::EpsilonGreedy ex({phantom::discrete(2)});
  nn::Rng rng;
  nn::Categorical all_masked(tensor({0, 1, kMasked, kMasked}, nn::Shape{2, 2}));
  EXPECT_HAS(message_of<phantom::ValueError>([&] { act(ex, all_masked, 0, true, rng); }),
             "row 1 has no allowed action");
  phantom::EpsilonGreedy unbound({});
  nn::DiagGaussian gauss(tensor({0.0f}, nn::Shape{1, 1}), tensor({0.0f}, nn::Shape{1}));
  std::string m = message_of<phantom::ValueError>([&] { act(unbound, gauss, 0, true, rng); });
  EXPECT_HAS(m, "EpsilonGreedy");
  EXPECT_HAS(m, "DiagGaussian");
}

// ---- PerWorkerEpsilonGreedy (reference case 3) ----------------------------------------------

TEST(PerWorkerEpsilonGreedy, FixedEpsilonPerWorker) {
  const double expected[] = {0.0, 0.4, 0.0471556, 0.0055591, 0.00065536};
  const double tolerance[] = {0.0, 1e-15, 5e-8, 5e-8, 1e-15};
  for (int i = 0; i <= 4; ++i) {
    phantom::PerWorkerEpsilonGreedy ex({phantom::discrete(2), i, 4});
    EXPECT_NEAR(ex.epsilon(0), expected[i], tolerance[i]) << "worker " << i;
    EXPECT_NEAR(ex.epsilon(123456), expected[i], tolerance[i]) << "worker " << i;
  }
  // One remote worker: the denominator is 1 instead of 0.
  EXPECT_DOUBLE_EQ(phantom::PerWorkerEpsilonGreedy::worker_epsilon(1, 1), 0.4);
  // No remote workers: the annealed schedule of the options.
  phantom::PerWorkerEpsilonGreedy local({phantom::discrete(2), 0, 0});
  EXPECT_NEAR(local.epsilon(50000), 0.525, 1e-12);
  EXPECT_HAS(message_of<phantom::ConfigError>([] {
               phantom::PerWorkerEpsilonGreedy({phantom::discrete(2), 5, 4});
             }),
             "worker_index = 5 with num_workers = 4");
}

TEST(PerWorkerEpsilonGreedy, TheLocalWorkerIsAlwaysGreedy) {
  phantom::PerWorkerEpsilonGreedy ex({phantom::discrete(3), 0, 4});
  nn::Categorical q(repeated({0.0f, 2.0f, 1.0f}, 1000));
  nn::Rng rng(3);
  Output out = act(ex, q, 0, true, rng);
  for (float a : out.actions) EXPECT_EQ(a, 1.0f);
}

// ---- The explore flag (reference case 4) ----------------------------------------------------

TEST(ExploreFlag, TrueSamplesAndFalseTakesTheDeterministicAction) {
  phantom::StochasticSampling ex({phantom::discrete(3)});
  nn::Categorical cat(repeated({0.0f, 0.5f, 0.2f}, 200));
  nn::Rng rng(5);
  nn::Rng before = rng;
  Output det = act(ex, cat, 0, false, rng);
  EXPECT_TRUE(same_rng(rng, before));  // explore = false draws nothing
  for (float a : det.actions) EXPECT_EQ(a, 1.0f);
  expect_all_zero(det.logp);

  nn::Rng copy = rng;
  Output sampled = act(ex, cat, 1, true, rng);
  EXPECT_EQ(sampled.actions, cat.sample(copy).to_vector());
  int non_mode = 0;
  for (float a : sampled.actions) non_mode += a != 1.0f;
  EXPECT_GT(non_mode, 50);  // P(not 1) = 0.57 per row: stochastic

  phantom::StochasticSampling cont({phantom::box(-10, 10, {2})});
  nn::DiagGaussian gauss(tensor({0.25f, -0.5f}, nn::Shape{1, 2}),
                         tensor({0.0f, 0.0f}, nn::Shape{2}));
  EXPECT_EQ(act(cont, gauss, 0, false, rng).actions, (std::vector<float>{0.25f, -0.5f}));
  copy = rng;
  EXPECT_EQ(act(cont, gauss, 0, true, rng).actions, gauss.sample(copy).to_vector());
}

TEST(ExploreFlag, FalseIsDeterministicForEveryClass) {
  nn::Categorical q(tensor({0.0f, 3.0f, 1.0f}, nn::Shape{1, 3}));
  nn::DiagGaussian gauss(tensor({0.25f}, nn::Shape{1, 1}), tensor({0.0f}, nn::Shape{1}));
  phantom::EpsilonGreedyOptions always;
  always.initial_epsilon = always.final_epsilon = 1.0;
  phantom::EpsilonGreedy eg({phantom::discrete(3)}, always);
  phantom::SoftQ soft({phantom::discrete(3)}, {100.0});
  phantom::Random random_d({phantom::discrete(3)});
  phantom::GaussianNoise noise({phantom::box(-1, 1, {1})});
  phantom::OrnsteinUhlenbeckNoise ou({phantom::box(-1, 1, {1})});
  phantom::Random random_c({phantom::box(-1, 1, {1})});
  nn::Rng rng(9);
  nn::Rng before = rng;
  for (int64_t t : {0, 5000, 50000}) {
    for (phantom::Exploration* ex : std::vector<phantom::Exploration*>{&eg, &soft, &random_d}) {
      Output out = act(*ex, q, t, false, rng);
      EXPECT_EQ(out.actions[0], 1.0f) << ex->name();
      expect_all_zero(out.logp);
    }
    for (phantom::Exploration* ex : std::vector<phantom::Exploration*>{&noise, &ou, &random_c}) {
      Output out = act(*ex, gauss, t, false, rng);
      EXPECT_EQ(out.actions[0], 0.25f) << ex->name();
      expect_all_zero(out.logp);
    }
  }
  EXPECT_TRUE(same_rng(rng, before));
  EXPECT_EQ(ou.ou_state()[0], 0.0f);
}

// ---- StochasticSampling (reference case 5) --------------------------------------------------

TEST(StochasticSampling, RandomPhaseThenSamplesWithTheRealLogProb) {
  phantom::SpacePtr space = phantom::discrete(4);
  phantom::StochasticSampling ex({space}, {3});
  nn::Categorical cat(tensor({3.0f, 0.0f, 1.0f, -1.0f, 0.0f, 0.0f, 2.0f, 0.5f}, nn::Shape{2, 4}));
  nn::Rng rng(21);
  for (int64_t t = 0; t < 3; ++t) {
    nn::Rng copy = rng;
    Output out = act(ex, cat, t, true, rng);
    EXPECT_EQ(out.actions[0], space->sample(copy)[0]) << "t = " << t;
    EXPECT_EQ(out.actions[1], space->sample(copy)[0]) << "t = " << t;
    expect_all_zero(out.logp);
    EXPECT_EQ(ex.last_timestep(), t);
  }
  nn::Rng copy = rng;
  Output out = act(ex, cat, 3, true, rng);
  nn::Tensor expected = cat.sample(copy);
  EXPECT_EQ(out.actions, expected.to_vector());
  std::vector<float> logp = cat.log_prob(tensor(out.actions, nn::Shape{2})).to_vector();
  EXPECT_EQ(out.logp, logp);
  EXPECT_LT(out.logp[0], 0.0f);
}

TEST(StochasticSampling, IsTheDefaultAndNeedsASpaceOnlyForARandomPhase) {
  auto ex = phantom::make_exploration(config_for("p", {}), {});
  EXPECT_STREQ(ex->name(), "StochasticSampling");
  std::string m = message_of<phantom::ConfigError>([] {
    phantom::make_exploration(config_for("p", {{"random_timesteps", "10"}}), {});
  });
  EXPECT_HAS(m, "policy 'p'");
  EXPECT_HAS(m, "StochasticSampling needs the action space");
}

TEST(StochasticSampling, AddsTheStartOfADiscreteSpace) {
  phantom::SpacePtr space = phantom::discrete(3, 5);
  phantom::StochasticSampling ex({space}, {1});
  nn::Categorical cat(repeated({0.0f, 1.0f, 0.5f}, 50));
  nn::Rng rng(2);
  Output random = act(ex, cat, 0, true, rng);
  for (float a : random.actions) EXPECT_TRUE(space->contains(&a)) << a;
  Output sampled = act(ex, cat, 1, true, rng);
  std::vector<float> index;
  for (float a : sampled.actions) {
    EXPECT_TRUE(space->contains(&a)) << a;
    index.push_back(a - 5.0f);
  }
  EXPECT_EQ(sampled.logp, cat.log_prob(tensor(index, nn::Shape{50})).to_vector());
  EXPECT_EQ(act(ex, cat, 1, false, rng).actions[0], 6.0f);
  phantom::EpsilonGreedy eg({space});
  for (float a : act(eg, cat, 0, true, rng).actions) EXPECT_TRUE(space->contains(&a)) << a;
}

TEST(Exploration, RejectsADistributionThatDoesNotFitTheActionSpace) {
  nn::Rng rng;
  phantom::StochasticSampling ex({phantom::discrete(4)});
  nn::Categorical three(tensor({0, 0, 0}, nn::Shape{1, 3}));
  EXPECT_HAS(message_of<phantom::ShapeError>([&] { act(ex, three, 0, true, rng); }),
             "Categorical over 3 categories does not fit action space Discrete(4)");
  phantom::GaussianNoise noise({phantom::box(-1, 1, {2})});
  nn::DiagGaussian wide(tensor({0, 0, 0}, nn::Shape{1, 3}), tensor({0, 0, 0}, nn::Shape{3}));
  std::string m = message_of<phantom::ShapeError>([&] { act(noise, wide, 0, true, rng); });
  EXPECT_HAS(m, "GaussianNoise");
  EXPECT_HAS(m, "DiagGaussian with 3 floats");
}

// ---- SoftQ ---------------------------------------------------------------------------------

TEST(SoftQ, SamplesLogitsDividedByTheTemperature) {
  phantom::SoftQ ex({phantom::discrete(2)}, {0.5});
  EXPECT_EQ(ex.temperature(), 0.5);
  nn::Categorical q(repeated({0.0f, 1.0f}, 4000));
  nn::Categorical tempered(repeated({0.0f, 2.0f}, 4000));
  nn::Rng rng(4), copy = rng;
  Output out = act(ex, q, 0, true, rng);
  EXPECT_EQ(out.actions, tempered.sample(copy).to_vector());
  EXPECT_EQ(out.logp, tempered.log_prob(tensor(out.actions, nn::Shape{4000})).to_vector());
  // P(1) = sigmoid(2) = 0.881 at temperature 0.5 (0.731 at temperature 1); the standard
  // deviation of the fraction over 4000 rows is 0.005.
  double ones = 0;
  for (float a : out.actions) ones += a;
  EXPECT_NEAR(ones / 4000.0, 0.8808, 0.025);
}

TEST(SoftQ, ExtremeTemperaturesAreGreedyOrUniform) {
  nn::Categorical q(repeated({0.0f, 1.0f, 0.5f}, 3000));
  nn::Rng rng(8);
  phantom::SoftQ cold({phantom::discrete(3)}, {0.001});
  for (float a : act(cold, q, 0, true, rng).actions) EXPECT_EQ(a, 1.0f);
  phantom::SoftQ hot({phantom::discrete(3)}, {1000.0});
  int counts[3] = {0, 0, 0};
  for (float a : act(hot, q, 0, true, rng).actions) counts[static_cast<int>(a)]++;
  // Nearly uniform: each count ~ Binomial(3000, 1/3), standard deviation 25.8; 5 of them.
  for (int c : counts) EXPECT_NEAR(c, 1000, 130);
}

TEST(SoftQ, WorksOnMultiCategoricalAndRejectsOtherDistributions) {
  phantom::SoftQ ex({phantom::multi_discrete({2, 3})}, {2.0});
  nn::MultiCategorical q(tensor({0, 1, 2, 0, 4}, nn::Shape{1, 5}), {2, 3});
  nn::MultiCategorical tempered(tensor({0, 0.5f, 1, 0, 2}, nn::Shape{1, 5}), {2, 3});
  nn::Rng rng(1), copy = rng;
  Output out = act(ex, q, 0, true, rng);
  EXPECT_EQ(out.actions, tempered.sample(copy).to_vector());
  EXPECT_EQ(out.logp, tempered.log_prob(tensor(out.actions, nn::Shape{1, 2})).to_vector());
  EXPECT_EQ(act(ex, q, 0, false, rng).actions, (std::vector<float>{1, 2}));

  phantom::SoftQ unbound({});
  nn::Bernoulli bits(tensor({0.0f}, nn::Shape{1, 1}));
  EXPECT_HAS(message_of<phantom::ValueError>([&] { act(unbound, bits, 0, true, rng); }),
             "SoftQ needs a Categorical or MultiCategorical, got a Bernoulli");
}

TEST(SoftQ, RejectsANonPositiveTemperatureAndContinuousSpaces) {
  for (const char* bad : {"0", "-1", "nan"}) {
    std::string m = message_of<phantom::ConfigError>([&] {
      phantom::make_exploration(config_for("q", {{"type", "SoftQ"}, {"temperature", bad}}),
                                {phantom::discrete(2)});
    });
    EXPECT_HAS(m, "policy 'q'");
    EXPECT_HAS(m, std::string("temperature = ") + bad);
  }
  EXPECT_HAS(message_of<phantom::ConfigError>([] { phantom::SoftQ({phantom::box(0, 1, {1})}); }),
             "SoftQ needs a Discrete or MultiDiscrete action space, got Box");
}

// ---- Random --------------------------------------------------------------------------------

TEST(Random, DrawsEachRowFromTheActionSpace) {
  phantom::SpacePtr space = phantom::multi_discrete({3, 2});
  phantom::Random ex({space});
  nn::MultiCategorical d(repeated({9, 0, 0, 9, 0}, 3), {3, 2});
  nn::Rng rng(6), copy = rng;
  Output out = act(ex, d, 0, true, rng);
  std::vector<float> expected;
  for (int b = 0; b < 3; ++b) {
    std::vector<float> row = space->sample(copy);
    expected.insert(expected.end(), row.begin(), row.end());
  }
  EXPECT_EQ(out.actions, expected);
  expect_all_zero(out.logp);
  EXPECT_HAS(message_of<phantom::ConfigError>([] { phantom::Random({}); }),
             "Random needs the action space");
}

// ---- GaussianNoise (reference case 6) -------------------------------------------------------

TEST(GaussianNoise, ScaleFollowsTheReferenceSchedule) {
  phantom::GaussianNoise ex({phantom::box(-1, 1, {1})});  // R = 1000, S = 10000
  EXPECT_NEAR(ex.scale(1000), 1.0, 1e-12);
  EXPECT_NEAR(ex.scale(6000), 0.51, 1e-12);
  EXPECT_NEAR(ex.scale(11000), 0.02, 1e-12);
  EXPECT_NEAR(ex.scale(500), 0.02, 1e-12);  // during the random phase: the outside value
}

TEST(GaussianNoise, ActionsNeverLeaveTheBox) {
  phantom::SpacePtr space = phantom::box({-1.0f, 0.0f}, {1.0f, 5.0f}, {2});
  phantom::GaussianNoiseOptions o;
  o.stddev = 1.0;  // large against the box, so clipping happens often
  phantom::GaussianNoise ex({space}, o);
  nn::DiagGaussian mean(repeated({0.95f, 0.1f}, 1000), tensor({0, 0}, nn::Shape{2}));
  nn::Rng rng(12);
  int clipped_high = 0, clipped_low = 0;
  for (int64_t t : {0, 999, 1000, 6000, 11000}) {
    Output out = act(ex, mean, t, true, rng);
    for (std::size_t i = 0; i < out.actions.size(); i += 2) {
      EXPECT_TRUE(space->contains(&out.actions[i])) << out.actions[i] << ", " << out.actions[i + 1];
      clipped_high += out.actions[i] == 1.0f;
      clipped_low += out.actions[i + 1] == 0.0f;
    }
    expect_all_zero(out.logp);
  }
  EXPECT_GT(clipped_high, 100);
  EXPECT_GT(clipped_low, 100);
}

TEST(GaussianNoise, AddsScaledGaussianNoiseAfterTheRandomPhase) {
  phantom::SpacePtr space = phantom::box(-100, 100, {2});
  phantom::GaussianNoise ex({space});  // stddev 0.1
  nn::DiagGaussian mean(tensor({1.0f, -2.0f}, nn::Shape{1, 2}), tensor({0, 0}, nn::Shape{2}));
  nn::Rng rng(13), copy = rng;
  Output random = act(ex, mean, 999, true, rng);
  EXPECT_EQ(random.actions, space->sample(copy));  // t < 1000: the space's own sample
  Output out = act(ex, mean, 6000, true, rng);
  double s = 0.51 * 0.1;
  float n0 = copy.normal(), n1 = copy.normal();
  EXPECT_EQ(out.actions[0], static_cast<float>(1.0 + s * n0));
  EXPECT_EQ(out.actions[1], static_cast<float>(-2.0 + s * n1));
  EXPECT_HAS(
      message_of<phantom::ConfigError>([] { phantom::GaussianNoise({phantom::discrete(2)}); }),
      "GaussianNoise needs a Box action space, got Discrete(2)");
}

// ---- OrnsteinUhlenbeckNoise ------------------------------------------------------------------

TEST(OrnsteinUhlenbeckNoise, StepsTheProcessAndScalesByTheRange) {
  // Element 0 has range 4, element 1 is unbounded above (its range counts as 1).
  phantom::SpacePtr space =
      phantom::box({-2.0f, 0.0f}, {2.0f, std::numeric_limits<float>::infinity()}, {2});
  phantom::OrnsteinUhlenbeckNoiseOptions o;
  o.random_timesteps = 0;
  o.scale_timesteps = 100;
  phantom::OrnsteinUhlenbeckNoise ex({space}, o);
  nn::DiagGaussian mean(tensor({0.5f, 3.0f}, nn::Shape{1, 2}), tensor({0, 0}, nn::Shape{2}));
  nn::Rng rng(14), copy = rng;
  double state[2] = {0.0, 0.0};
  const double range[2] = {4.0, 1.0};
  const float det[2] = {0.5f, 3.0f};
  for (int64_t t : {0, 50, 100}) {
    double scale = ex.scale(t);
    Output out = act(ex, mean, t, true, rng);
    for (int j = 0; j < 2; ++j) {
      double kick = scale * static_cast<double>(copy.normal());
      state[j] = static_cast<float>(state[j] + (0.15 * -state[j] + 0.2 * kick));
      double noise = scale * 0.1 * state[j] * range[j];
      float expected = static_cast<float>(static_cast<double>(det[j]) + noise);
      EXPECT_EQ(out.actions[static_cast<std::size_t>(j)],
                std::min(std::max(expected, j == 0 ? -2.0f : 0.0f),
                         j == 0 ? 2.0f : std::numeric_limits<float>::infinity()))
          << "t = " << t << ", element " << j;
      EXPECT_EQ(ex.ou_state()[static_cast<std::size_t>(j)], static_cast<float>(state[j]));
    }
    expect_all_zero(out.logp);
  }
  EXPECT_NE(ex.ou_state()[0], 0.0f);
}

TEST(OrnsteinUhlenbeckNoise, AdvancesOncePerRowAndIsNotResetByEpisodes) {
  phantom::SpacePtr space = phantom::box(-1, 1, {1});
  phantom::OrnsteinUhlenbeckNoiseOptions o;
  o.random_timesteps = 0;
  phantom::OrnsteinUhlenbeckNoise batched({space}, o), single({space}, o);
  nn::DiagGaussian two(tensor({0.1f, -0.3f}, nn::Shape{2, 1}), tensor({0}, nn::Shape{1}));
  nn::DiagGaussian first(tensor({0.1f}, nn::Shape{1, 1}), tensor({0}, nn::Shape{1}));
  nn::DiagGaussian second(tensor({-0.3f}, nn::Shape{1, 1}), tensor({0}, nn::Shape{1}));
  nn::Rng rng_a(15), rng_b(15);
  for (int call = 0; call < 3; ++call) {
    Output both = act(batched, two, call, true, rng_a);
    single.on_episode_end();
    single.on_episode_start();
    Output a = act(single, first, call, true, rng_b);
    Output b = act(single, second, call, true, rng_b);
    EXPECT_EQ(both.actions, (std::vector<float>{a.actions[0], b.actions[0]})) << "call " << call;
  }
  EXPECT_EQ(batched.ou_state(), single.ou_state());
  EXPECT_NE(single.ou_state()[0], 0.0f);
}

// ---- Determinism and save/load -----------------------------------------------------------------

TEST(Exploration, SameGeneratorStateGivesTheSameActions) {
  struct Case {
    phantom::PolicyConfig config;
    phantom::SpacePtr space;
    std::shared_ptr<nn::Distribution> dist;
  };
  auto cat = std::make_shared<nn::Categorical>(repeated({0.0f, 0.3f, -0.2f}, 64));
  auto gauss = std::make_shared<nn::DiagGaussian>(repeated({0.1f, -0.4f}, 64),
                                                  tensor({-1.0f, -1.0f}, nn::Shape{2}));
  std::vector<Case> cases = {
      {config_for("p", {{"type", "EpsilonGreedy"}, {"epsilon_timesteps", "100"}}),
       phantom::discrete(3), cat},
      {config_for("p", {{"type", "StochasticSampling"}}), phantom::discrete(3), cat},
      {config_for("p", {{"type", "SoftQ"}, {"temperature", "0.7"}}), phantom::discrete(3), cat},
      {config_for("p", {{"type", "Random"}}), phantom::discrete(3), cat},
      {config_for("p", {{"type", "GaussianNoise"}, {"random_timesteps", "2"}}),
       phantom::box(-1, 1, {2}), gauss},
      {config_for("p", {{"type", "OrnsteinUhlenbeckNoise"}, {"random_timesteps", "2"}}),
       phantom::box(-1, 1, {2}), gauss},
  };
  for (const Case& c : cases) {
    auto a = phantom::make_exploration(c.config, {c.space});
    auto b = phantom::make_exploration(c.config, {c.space});
    nn::Rng rng_a(99), rng_b(99), rng_c(100);
    bool differs = false;
    for (int64_t t = 0; t < 5; ++t) {
      Output x = act(*a, *c.dist, t, true, rng_a);
      Output y = act(*b, *c.dist, t, true, rng_b);
      EXPECT_TRUE(same_bits(x.actions, y.actions)) << a->name() << " t = " << t;
      EXPECT_TRUE(same_bits(x.logp, y.logp)) << a->name() << " t = " << t;
      Output z = act(*phantom::make_exploration(c.config, {c.space}), *c.dist, t, true, rng_c);
      differs = differs || !same_bits(x.actions, z.actions);
    }
    EXPECT_TRUE(differs) << a->name() << ": another seed should give other actions";
  }
}

TEST(Exploration, SaveLoadContinuesBitIdentically) {
  phantom::SpacePtr space = phantom::box(-1, 1, {3});
  phantom::OrnsteinUhlenbeckNoiseOptions o;
  o.random_timesteps = 2;
  o.scale_timesteps = 20;
  phantom::OrnsteinUhlenbeckNoise original({space}, o);
  nn::DiagGaussian mean(repeated({0.2f, -0.7f, 0.9f}, 2), tensor({0, 0, 0}, nn::Shape{3}));
  nn::Rng rng(31);
  for (int64_t t = 0; t < 6; ++t) act(original, mean, t, true, rng);

  nn::StateDict saved;
  original.save(saved, "policy.exploration");
  saved.set_rng("policy.rng", rng);
  std::vector<uint8_t> bytes = nn::encode_state_dict(saved);
  nn::StateDict loaded = nn::decode_state_dict(bytes.data(), bytes.size(), "memory");

  phantom::OrnsteinUhlenbeckNoise restored({space}, o);
  restored.load(loaded, "policy.exploration");
  nn::Rng restored_rng = loaded.get_rng("policy.rng");
  EXPECT_EQ(restored.last_timestep(), 5);
  EXPECT_EQ(restored.ou_state(), original.ou_state());
  for (int64_t t = 6; t < 12; ++t) {
    Output x = act(original, mean, t, true, rng);
    Output y = act(restored, mean, t, true, restored_rng);
    EXPECT_TRUE(same_bits(x.actions, y.actions)) << "t = " << t;
  }
  EXPECT_EQ(restored.ou_state(), original.ou_state());
}

TEST(Exploration, SavesTheLastTimestepOfEveryClass) {
  phantom::EpsilonGreedy eg({phantom::discrete(2)});
  nn::Categorical q(tensor({0, 1}, nn::Shape{1, 2}));
  nn::Rng rng;
  act(eg, q, 4321, true, rng);
  EXPECT_EQ(eg.last_timestep(), 4321);
  EXPECT_NEAR(eg.current_epsilon(), eg.epsilon(4321), 0.0);
  nn::StateDict d;
  eg.save(d, "ex");
  EXPECT_EQ(d.get_string("ex.type"), "EpsilonGreedy");
  phantom::EpsilonGreedy other({phantom::discrete(2)});
  other.load(d, "ex");
  EXPECT_EQ(other.last_timestep(), 4321);
}

TEST(Exploration, LoadRejectsAnotherClassOrAnotherShape) {
  phantom::EpsilonGreedy eg({phantom::discrete(2)});
  nn::StateDict d;
  eg.save(d, "ex");
  phantom::SoftQ soft({phantom::discrete(2)});
  std::string m = message_of<phantom::FormatError>([&] { soft.load(d, "ex"); });
  EXPECT_HAS(m, "saved by EpsilonGreedy");
  EXPECT_HAS(m, "into SoftQ");

  phantom::OrnsteinUhlenbeckNoise two({phantom::box(-1, 1, {2})});
  phantom::OrnsteinUhlenbeckNoise three({phantom::box(-1, 1, {3})});
  nn::StateDict ou;
  two.save(ou, "ex");
  EXPECT_HAS(message_of<phantom::FormatError>([&] { three.load(ou, "ex"); }), "ex.ou_state");
  EXPECT_EQ(three.last_timestep(), 0);  // a failed load changes nothing
}

// ---- Factory errors ----------------------------------------------------------------------------

TEST(MakeExploration, UnknownTypeNamesItAndListsTheValidOnes) {
  std::string m = message_of<phantom::ConfigError>([] {
    phantom::make_exploration(config_for("trader", {{"type", "EpsilonGredy"}}),
                              {phantom::discrete(2)});
  });
  EXPECT_HAS(m, "policy 'trader'");
  EXPECT_HAS(m, "'EpsilonGredy'");
  EXPECT_HAS(m,
             "EpsilonGreedy, PerWorkerEpsilonGreedy, StochasticSampling, SoftQ, Random, "
             "GaussianNoise, OrnsteinUhlenbeckNoise");
}

TEST(MakeExploration, UnknownKeysAndBadValuesNameThePolicyAndKey) {
  std::string m = message_of<phantom::ConfigError>([] {
    phantom::make_exploration(config_for("trader", {{"type", "EpsilonGreedy"}, {"epsilon", "1"}}),
                              {phantom::discrete(2)});
  });
  EXPECT_HAS(m, "policy 'trader'");
  EXPECT_HAS(m, "'epsilon'");
  EXPECT_HAS(m, "initial_epsilon");  // the known keys are listed

  m = message_of<phantom::ConfigError>([] {
    phantom::make_exploration(
        config_for("trader", {{"type", "GaussianNoise"}, {"scale_timesteps", "1e4"}}),
        {phantom::box(0, 1, {1})});
  });
  EXPECT_HAS(m, "policy 'trader'");
  EXPECT_HAS(m, "'scale_timesteps'");

  m = message_of<phantom::ConfigError>([] {
    phantom::make_exploration(
        config_for("trader", {{"type", "EpsilonGreedy"}, {"final_epsilon", "1.5"}}),
        {phantom::discrete(2)});
  });
  EXPECT_HAS(m, "policy 'trader': EpsilonGreedy: final_epsilon = 1.5");

  m = message_of<phantom::ConfigError>([] {
    phantom::make_exploration(config_for("trader", {{"type", "PerWorkerEpsilonGreedy"}}),
                              {phantom::box(0, 1, {1}), 1, 2});
  });
  EXPECT_HAS(m, "policy 'trader': PerWorkerEpsilonGreedy needs a Discrete action space");
}

TEST(MakeExploration, ReadsTheOptionsOfEachClass) {
  auto noise = phantom::make_exploration(config_for("c", {{"type", "GaussianNoise"},
                                                          {"random_timesteps", "10"},
                                                          {"scale_timesteps", "100"},
                                                          {"initial_scale", "2"},
                                                          {"final_scale", "1"},
                                                          {"stddev", "0.5"}}),
                                         {phantom::box(0, 1, {1})});
  EXPECT_DOUBLE_EQ(dynamic_cast<phantom::GaussianNoise&>(*noise).scale(60), 1.5);
  auto ou = phantom::make_exploration(config_for("c", {{"type", "OrnsteinUhlenbeckNoise"},
                                                       {"ou_theta", "0.3"},
                                                       {"ou_sigma", "0.1"},
                                                       {"ou_base_scale", "1"},
                                                       {"random_timesteps", "0"},
                                                       {"scale_timesteps", "10"},
                                                       {"initial_scale", "1"},
                                                       {"final_scale", "0"}}),
                                      {phantom::box(0, 1, {1})});
  EXPECT_DOUBLE_EQ(dynamic_cast<phantom::OrnsteinUhlenbeckNoise&>(*ou).scale(5), 0.5);
  auto soft = phantom::make_exploration(config_for("c", {{"type", "SoftQ"}, {"temperature", "3"}}),
                                        {phantom::discrete(2)});
  EXPECT_EQ(dynamic_cast<phantom::SoftQ&>(*soft).temperature(), 3.0);
  auto ss = phantom::make_exploration(
      config_for("c", {{"type", "StochasticSampling"}, {"random_timesteps", "7"}}),
      {phantom::discrete(2)});
  EXPECT_EQ(dynamic_cast<phantom::StochasticSampling&>(*ss).random_timesteps(), 7);
  auto pw = phantom::make_exploration(config_for("c", {{"type", "PerWorkerEpsilonGreedy"}}),
                                      {phantom::discrete(2), 4, 4});
  EXPECT_DOUBLE_EQ(dynamic_cast<phantom::EpsilonGreedy&>(*pw).epsilon(0),
                   0.4 * 0.4 * 0.4 * 0.4 * 0.4 * 0.4 * 0.4 * 0.4);
  EXPECT_STREQ(pw->name(), "PerWorkerEpsilonGreedy");
}

}  // namespace
