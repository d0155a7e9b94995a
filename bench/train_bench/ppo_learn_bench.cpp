// PPO learning cost per row as the batch grows: what many agents on one shared policy do to the
// update. M agents sampling 512 steps each give a batch of 512 x M rows, learned in 4 epochs of 4
// minibatches (CleanRL's CartPole settings), so a minibatch holds 128 x M rows. The counter is
// rows learned per second (rows x epochs); it should stay flat as M grows.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>

#include "nn/rng.hpp"
#include "phantom/space.hpp"
#include "trainers/ppo/ppo_policy.hpp"
#include "trainers/sampling/sample_batch.hpp"

namespace {

/// A postprocessed batch of `rows` CartPole-shaped rows (4 observation values, 2 actions) with
/// random contents drawn from a fixed seed.
phantom::SampleBatch random_batch(int64_t rows) {
  namespace col = phantom::columns;
  phantom::SampleBatch b = phantom::SampleBatch::with_standard_columns(4, 1);
  b.add_column(col::kAdvantages, 1, phantom::ColumnType::float32);
  b.add_column(col::kValueTargets, 1, phantom::ColumnType::float32);
  b.resize(rows);
  nn::Rng rng(7);
  float* obs = b.f32(col::kObs);
  for (int64_t i = 0; i < rows * 4; ++i) obs[i] = rng.uniform(-1.0f, 1.0f);
  float* actions = b.f32(col::kActions);
  float* logp = b.f32(col::kActionLogp);
  float* adv = b.f32(col::kAdvantages);
  float* targets = b.f32(col::kValueTargets);
  float* values = b.f32(col::kVfPreds);
  for (int64_t r = 0; r < rows; ++r) {
    actions[r] = static_cast<float>(rng.uniform_int(0, 2));
    logp[r] = -0.69f + rng.uniform(-0.05f, 0.05f);
    adv[r] = rng.uniform(-1.0f, 1.0f);
    values[r] = rng.uniform(0.0f, 10.0f);
    targets[r] = values[r] + adv[r];
  }
  return b;
}

void BM_PpoLearnRows(benchmark::State& state) {
  const int64_t agents = state.range(0);
  const int64_t rows = 512 * agents;
  nn::Rng init(1);
  auto net = std::make_shared<phantom::ActorCritic>(
      phantom::box(-1e6f, 1e6f, {4}), phantom::discrete(2), phantom::ActorCriticConfig{}, init);
  phantom::PpoOptions options;  // 4 epochs x 4 minibatches
  phantom::PpoPolicy policy(net, nullptr, options, nn::Rng(3));
  phantom::SampleBatch batch = random_batch(rows);
  phantom::LearnerStats stats;
  policy.learn_on_batch(batch, stats);  // warm-up: buffers grow
  for (auto _ : state) policy.learn_on_batch(batch, stats);
  state.counters["rows/s"] = benchmark::Counter(
      static_cast<double>(rows * options.epochs) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PpoLearnRows)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
