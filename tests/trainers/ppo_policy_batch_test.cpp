// PpoPolicy's batched acting: compute_actions() over a batch gives exactly compute_action()'s
// actions row by row (and advances each row's generator the same way), for every head, exploring
// or not; ActorCritic's per-row-generator act() agrees with the single-generator one; clones act
// like the original, also on several threads at once.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "trainers/ppo/ppo_policy.hpp"

namespace {

using phantom::ActorCritic;
using phantom::PpoPolicy;

// One network to test: its spaces and layout.
struct Case {
  std::string name;
  phantom::SpacePtr observation_space, action_space;
  bool shared_trunk = false;
  bool normalize = true;
};

// Every head (on Box observations, normalised), plus a shared trunk, a Discrete (one-hot)
// observation and no normaliser.
std::vector<Case> cases() {
  auto obs = phantom::box(-1, 1, {3});
  return {
      {"categorical", obs, phantom::discrete(4, 2)},
      {"diag gaussian", obs, phantom::box(-2, 2, {2})},
      {"multi-categorical", obs, phantom::multi_discrete({3, 2})},
      {"bernoulli", obs, phantom::multi_binary(3)},
      {"shared-trunk gaussian", obs, phantom::box(-1, 1, {2}), /*shared_trunk=*/true},
      {"discrete obs, no normaliser", phantom::discrete(5, 1), phantom::discrete(3), false,
       /*normalize=*/false},
  };
}

std::shared_ptr<ActorCritic> make_net(const Case& c, phantom::ActorCriticConfig config = {}) {
  config.shared_trunk = c.shared_trunk;
  // Far from uniform distributions (the default actor gain 0.01 gives near-equal logits), so
  // the tests see actions that differ from row to row.
  config.actor_output_gain = 1.0f;
  config.initial_log_std = -0.5f;
  nn::Rng init(11);
  return std::make_shared<ActorCritic>(c.observation_space, c.action_space, config, init);
}

std::shared_ptr<PpoPolicy> make_policy(const Case& c) {
  auto net = make_net(c);
  std::shared_ptr<phantom::ObservationFilter> filter;
  if (c.normalize) {
    // Statistics away from (0, 1), so filtering changes the observations.
    const int64_t size = c.observation_space->flat_size();
    filter = std::make_shared<phantom::MeanStdFilter>(
        size, phantom::MeanStdOptions{}, phantom::filter_passthrough_mask(*c.observation_space));
    nn::Rng rng(5);
    std::vector<float> rows(static_cast<std::size_t>(20 * size));
    for (float& x : rows) x = rng.uniform(-0.5f, 1.5f);
    filter->apply(rows.data(), 20, /*update=*/true);
  }
  return std::make_shared<PpoPolicy>(net, filter);
}

std::vector<float> observations(const phantom::Space& space, int64_t rows, uint64_t seed) {
  nn::Rng rng(seed);
  std::vector<float> obs(static_cast<std::size_t>(rows * space.flat_size()));
  for (int64_t r = 0; r < rows; ++r) space.sample(rng, obs.data() + r * space.flat_size());
  return obs;
}

// One generator per row, each on its own stream and part-way through a block (rows draw
// different numbers of words before), so a mix-up of rows or of draws shows.
std::vector<nn::Rng> generators(int64_t rows, uint64_t seed) {
  std::vector<nn::Rng> rngs;
  for (int64_t r = 0; r < rows; ++r) {
    rngs.emplace_back(seed, static_cast<uint64_t>(r));
    for (int64_t k = 0; k < r % 4; ++k) rngs.back().next_u32();
  }
  return rngs;
}

void expect_same_state(const nn::Rng& a, const nn::Rng& b, const std::string& where) {
  const nn::Rng::State &x = a.state(), &y = b.state();
  EXPECT_EQ(x.seed, y.seed) << where;
  EXPECT_EQ(x.stream, y.stream) << where;
  EXPECT_EQ(x.block, y.block) << where;
  EXPECT_EQ(x.used, y.used) << where;
  for (int k = 0; k < 4; ++k) EXPECT_EQ(x.buffer[k], y.buffer[k]) << where;
}

// Row-by-row actions of `policy` with copies of `rngs`, which end as compute_action left them.
std::vector<float> row_by_row(phantom::Policy& policy, const std::vector<float>& obs, int64_t rows,
                              std::vector<nn::Rng>& rngs) {
  int64_t o = policy.observation_space()->flat_size(), a = policy.action_space()->flat_size();
  std::vector<float> actions(static_cast<std::size_t>(rows * a));
  for (int64_t r = 0; r < rows; ++r) {
    policy.compute_action(obs.data() + r * o, actions.data() + r * a,
                          rngs[static_cast<std::size_t>(r)]);
  }
  return actions;
}

TEST(PpoPolicyBatch, BatchEqualsRowByRowForEveryHead) {
  const int64_t rows = 7;
  for (const Case& c : cases()) {
    for (bool explore : {true, false}) {
      std::string where = c.name + (explore ? ", exploring" : ", not exploring");
      auto policy = make_policy(c);
      policy->set_explore(explore);
      EXPECT_EQ(policy->deterministic(), !explore);
      std::vector<float> obs = observations(*c.observation_space, rows, 21);
      std::vector<nn::Rng> batch_rngs = generators(rows, 3), single_rngs = batch_rngs,
                           initial = batch_rngs;
      std::vector<float> batched(
          static_cast<std::size_t>(rows * policy->action_space()->flat_size()));
      policy->compute_actions(obs.data(), rows, batched.data(), batch_rngs.data());
      std::vector<float> single = row_by_row(*policy, obs, rows, single_rngs);
      EXPECT_EQ(batched, single) << where;  // bit-identical (no NaNs here)
      for (int64_t r = 0; r < rows; ++r) {
        auto i = static_cast<std::size_t>(r);
        expect_same_state(batch_rngs[i], single_rngs[i], where + ", row " + std::to_string(r));
        EXPECT_TRUE(policy->action_space()->contains(batched.data() +
                                                     r * policy->action_space()->flat_size()))
            << where;
        // Sampling draws; the most likely action draws nothing.
        EXPECT_EQ(batch_rngs[i].state().block == initial[i].state().block &&
                      batch_rngs[i].state().used == initial[i].state().used,
                  !explore)
            << where;
      }
      // The same batch again, now with grown buffers, gives the same actions.
      std::vector<nn::Rng> again = initial;
      std::vector<float> second(batched.size());
      policy->compute_actions(obs.data(), rows, second.data(), again.data());
      EXPECT_EQ(second, batched) << where;
    }
  }
}

TEST(PpoPolicyBatch, ExploringSamplesDifferentActionsForDifferentGenerators) {
  // Seven rows of one observation with seven generators: sampling must not give seven copies.
  Case c = cases()[0];
  auto policy = make_policy(c);
  const int64_t rows = 7;
  std::vector<float> one = observations(*c.observation_space, 1, 4), obs;
  for (int64_t r = 0; r < rows; ++r) obs.insert(obs.end(), one.begin(), one.end());
  std::vector<nn::Rng> rngs = generators(rows, 8);
  std::vector<float> actions(rows);
  policy->compute_actions(obs.data(), rows, actions.data(), rngs.data());
  bool all_same = true;
  for (float a : actions) all_same = all_same && a == actions[0];
  EXPECT_FALSE(all_same);
}

TEST(PpoPolicyBatch, ZeroRowsDoNothing) {
  auto policy = make_policy(cases()[0]);
  float action = -7.0f;
  policy->compute_actions(nullptr, 0, &action, nullptr);
  EXPECT_EQ(action, -7.0f);
}

// The per-row-generator act() with one row is the single-generator act(), for every output;
// with null values (the critic skipped) the actions and log-probabilities do not change.
TEST(ActorCriticPerRowGenerators, OneRowEqualsTheSingleGeneratorAct) {
  for (const Case& c : cases()) {
    auto net = make_net(c);
    std::vector<float> features(static_cast<std::size_t>(net->feature_size()));
    std::vector<float> obs = observations(*c.observation_space, 1, 9);
    net->write_features(obs.data(), features.data());
    for (bool deterministic : {false, true}) {
      std::string where = c.name + (deterministic ? ", mode" : ", sampled");
      nn::Rng single(6, 2), per_row = single, no_value_rng = single;
      single.next_u32();  // part-way through a block
      per_row.next_u32();
      no_value_rng.next_u32();
      std::vector<float> a1(static_cast<std::size_t>(net->action_size())), a2(a1.size()),
          a3(a1.size());
      float lp1 = 0, lp2 = 0, lp3 = 0, v1 = 0, v2 = 0;
      phantom::ActWorkspace ws;
      net->act(features.data(), 1, deterministic, single, {a1.data(), &lp1, &v1}, ws);
      net->act(features.data(), 1, deterministic, &per_row, {a2.data(), &lp2, &v2}, ws);
      EXPECT_EQ(a1, a2) << where;
      EXPECT_EQ(lp1, lp2) << where;
      EXPECT_EQ(v1, v2) << where;
      expect_same_state(single, per_row, where);
      net->act(features.data(), 1, deterministic, &no_value_rng, {a3.data(), &lp3, nullptr}, ws);
      EXPECT_EQ(a1, a3) << where;
      EXPECT_EQ(lp1, lp3) << where;
      expect_same_state(single, no_value_rng, where);
    }
  }
}

// A batch with per-row generators equals the rows acted on one at a time, log-probabilities and
// values included; and when all rows draw from one generator, the single-generator act() is
// the rows in order on that generator.
TEST(ActorCriticPerRowGenerators, BatchEqualsRowsOneAtATime) {
  const int64_t rows = 7;
  for (const Case& c : cases()) {
    auto net = make_net(c);
    int64_t f = net->feature_size(), a = net->action_size();
    std::vector<float> obs = observations(*c.observation_space, rows, 13);
    std::vector<float> features(static_cast<std::size_t>(rows * f));
    for (int64_t r = 0; r < rows; ++r)
      net->write_features(obs.data() + r * c.observation_space->flat_size(),
                          features.data() + r * f);
    std::vector<nn::Rng> batch_rngs = generators(rows, 17), single_rngs = batch_rngs;
    std::vector<float> actions(static_cast<std::size_t>(rows * a)), lp(rows), v(rows);
    phantom::ActWorkspace ws, ws1;
    net->act(features.data(), rows, false, batch_rngs.data(), {actions.data(), lp.data(), v.data()},
             ws);
    nn::Rng shared(19), shared_rows = shared;
    std::vector<float> shared_actions(actions.size()), shared_lp(rows), shared_v(rows);
    net->act(features.data(), rows, false, shared,
             {shared_actions.data(), shared_lp.data(), shared_v.data()}, ws);
    for (int64_t r = 0; r < rows; ++r) {
      auto i = static_cast<std::size_t>(r);
      std::vector<float> one(static_cast<std::size_t>(a));
      float one_lp = 0, one_v = 0;
      net->act(features.data() + r * f, 1, false, single_rngs[i], {one.data(), &one_lp, &one_v},
               ws1);
      EXPECT_EQ(one, std::vector<float>(actions.begin() + r * a, actions.begin() + (r + 1) * a))
          << c.name << ", row " << r;
      EXPECT_EQ(one_lp, lp[i]) << c.name;
      EXPECT_EQ(one_v, v[i]) << c.name;
      expect_same_state(batch_rngs[i], single_rngs[i], c.name);
      net->act(features.data() + r * f, 1, false, shared_rows, {one.data(), &one_lp, &one_v}, ws1);
      EXPECT_EQ(one, std::vector<float>(shared_actions.begin() + r * a,
                                        shared_actions.begin() + (r + 1) * a))
          << c.name << ", row " << r;
      EXPECT_EQ(one_lp, shared_lp[i]) << c.name;
    }
    expect_same_state(shared, shared_rows, c.name);
  }
}

TEST(PpoPolicyClone, ActsIdenticallyAndSharesTheNetwork) {
  const int64_t rows = 7;
  for (const Case& c : cases()) {
    for (bool explore : {true, false}) {
      std::string where = c.name + (explore ? ", exploring" : ", not exploring");
      auto policy = make_policy(c);
      policy->set_explore(explore);
      std::shared_ptr<phantom::Policy> clone = policy->clone();
      ASSERT_NE(clone, nullptr);
      auto& ppo_clone = dynamic_cast<PpoPolicy&>(*clone);
      EXPECT_EQ(ppo_clone.network(), policy->network()) << where;
      EXPECT_EQ(ppo_clone.observation_filter(), policy->observation_filter()) << where;
      EXPECT_EQ(ppo_clone.deterministic(), policy->deterministic()) << where;
      EXPECT_EQ(clone->observation_space(), policy->observation_space());
      EXPECT_EQ(clone->action_space(), policy->action_space());
      std::vector<float> obs = observations(*c.observation_space, rows, 23);
      std::vector<nn::Rng> rngs = generators(rows, 29), clone_rngs = rngs;
      std::vector<float> mine(static_cast<std::size_t>(rows * policy->action_space()->flat_size())),
          theirs(mine.size());
      policy->compute_actions(obs.data(), rows, mine.data(), rngs.data());
      clone->compute_actions(obs.data(), rows, theirs.data(), clone_rngs.data());
      EXPECT_EQ(mine, theirs) << where;
      for (std::size_t r = 0; r < rngs.size(); ++r)
        expect_same_state(rngs[r], clone_rngs[r], where);
      // Row by row too (compute_action goes through the clone's own workspace).
      std::vector<nn::Rng> again = generators(rows, 29);
      EXPECT_EQ(row_by_row(*clone, obs, rows, again), mine) << where;
    }
  }
}

// Clones acting at the same time on several threads give exactly the actions of one policy
// acting on the same batches one after another (run under TSan in CI: the network and
// normaliser are shared and must only be read).
TEST(PpoPolicyParallel, ClonesOnThreadsMatchSequentialUse) {
  const int threads = 4, batches = 25;
  const int64_t rows = 16;
  for (const Case& c : cases()) {
    auto policy = make_policy(c);
    const int64_t a = policy->action_space()->flat_size();
    // Thread t acts on its own observations with its own generators.
    auto batch_obs = [&](int t, int b) {
      return observations(*c.observation_space, rows,
                          1000 + static_cast<uint64_t>(t * batches + b));
    };
    auto batch_rngs = [&](int t) { return generators(rows, 500 + static_cast<uint64_t>(t)); };
    std::vector<std::vector<float>> expected(threads), got(threads);
    for (int t = 0; t < threads; ++t) {
      std::vector<nn::Rng> rngs = batch_rngs(t);
      for (int b = 0; b < batches; ++b) {
        // Batch sizes vary (1..rows) so the clones' buffers grow while others act.
        int64_t n = 1 + (t + b) % rows;
        std::vector<float> obs = batch_obs(t, b), out(static_cast<std::size_t>(n * a));
        policy->compute_actions(obs.data(), n, out.data(), rngs.data());
        expected[static_cast<std::size_t>(t)].insert(expected[static_cast<std::size_t>(t)].end(),
                                                     out.begin(), out.end());
      }
    }
    std::vector<std::shared_ptr<phantom::Policy>> clones;
    for (int t = 0; t < threads; ++t) clones.push_back(policy->clone());
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        std::vector<nn::Rng> rngs = batch_rngs(t);
        std::vector<float>& mine = got[static_cast<std::size_t>(t)];
        for (int b = 0; b < batches; ++b) {
          int64_t n = 1 + (t + b) % rows;
          std::vector<float> obs = batch_obs(t, b), out(static_cast<std::size_t>(n * a));
          clones[static_cast<std::size_t>(t)]->compute_actions(obs.data(), n, out.data(),
                                                               rngs.data());
          mine.insert(mine.end(), out.begin(), out.end());
        }
      });
    }
    for (std::thread& th : pool) th.join();
    for (int t = 0; t < threads; ++t) {
      EXPECT_EQ(got[static_cast<std::size_t>(t)], expected[static_cast<std::size_t>(t)])
          << c.name << ", thread " << t;
    }
  }
}

}  // namespace
