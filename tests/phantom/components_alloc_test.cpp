// A steady-state episode of an agent made of components (chained and dict encoders, a chained
// decoder sending messages, a lambda reward) allocates nothing.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "phantom/env.hpp"
#include "support/counting_allocator.hpp"

namespace {

using phantom::Context;

struct Ping {
  float value;
};

class StepEncoder : public phantom::Encoder {
 public:
  const phantom::SpacePtr& observation_space() const override { return space_; }
  bool encode(Context& ctx, float* out) override {
    out[0] = static_cast<float>(ctx.env_view().current_step);
    return ctx.env_view().current_step % 2 == 0;  // every other step the slice is zeroed
  }

 private:
  phantom::SpacePtr space_ = phantom::box(0, 1000, {1});
};

class PingDecoder : public phantom::Decoder {
 public:
  explicit PingDecoder(std::string to) : to_(std::move(to)) {}
  const phantom::SpacePtr& action_space() const override { return space_; }
  void decode(Context& ctx, const float* action) override {
    if (to_index_ < 0) to_index_ = ctx.network().index_of(to_);
    ctx.send(to_index_, Ping{action[0]});
  }

 private:
  std::string to_;
  phantom::AgentIndex to_index_ = -1;
  phantom::SpacePtr space_ = phantom::box(0, 100, {1});
};

class Receiver : public phantom::Agent {
 public:
  explicit Receiver(std::string id) : Agent(std::move(id)) {
    on<Ping>([this](Context&, const phantom::Message<Ping>& m) { total += m.payload.value; });
  }
  double total = 0.0;
};

TEST(AllocComponents, SteadyStateEpisodeAllocatesNothing) {
  auto net = std::make_unique<phantom::Network>();
  auto encoder =
      phantom::chain(std::make_shared<StepEncoder>(),
                     {std::make_shared<phantom::ConstantEncoder>(std::vector<int64_t>{2}, 1.0f),
                      std::make_shared<phantom::DictEncoder>(
                          std::vector<std::pair<std::string, phantom::EncoderPtr>>{
                              {"step", std::make_shared<StepEncoder>()},
                              {"empty", std::make_shared<phantom::EmptyEncoder>()}})});
  auto decoder = phantom::chain(
      std::make_shared<PingDecoder>("R"),
      {std::make_shared<phantom::EmptyDecoder>(), std::make_shared<PingDecoder>("R")});
  auto reward = std::make_shared<phantom::LambdaReward>(
      [](Context& ctx) { return static_cast<double>(ctx.env_view().current_step); });
  net->emplace<phantom::StrategicAgent>("A", encoder, decoder, reward);
  net->emplace<Receiver>("R");
  net->add_connection("A", "R");
  phantom::PhantomEnv env(std::move(net), 20);
  phantom::Actions actions = env.make_actions();
  auto episode = [&](uint64_t seed) {
    env.reset(seed);
    while (!env.done()) {
      float* a = actions.set(0);
      a[0] = 1.0f;
      a[1] = 2.0f;
      env.step(actions);
    }
  };
  episode(1);  // buffers grow here
  long n = alloc_counter::allocations_during([&] {
    for (uint64_t seed = 2; seed < 6; ++seed) episode(seed);
  });
  EXPECT_EQ(n, 0);
}

}  // namespace
