// Code written against one public header works: a Decoder built with phantom/decoder.hpp alone
// sends its messages inside an env. (That every public header compiles and links on its own is
// checked by building this program: tests/CMakeLists.txt links one generated translation unit
// per header into it.)
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "phantom/env.hpp"
#include "phantom/strategic_agent.hpp"
#include "tick_decoder.hpp"

namespace {

using install_test::Tick;

class TickReceiver : public phantom::Agent {
 public:
  explicit TickReceiver(std::string id) : Agent(std::move(id)) {
    on<Tick>([this](phantom::Context&, const phantom::Message<Tick>& m) {
      received.push_back(m.payload.value);
    });
  }
  std::vector<float> received;
};

TEST(StandaloneHeaders, DecoderWrittenAgainstDecoderHppSends) {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<phantom::StrategicAgent>(
      "A", std::make_shared<phantom::ConstantEncoder>(std::vector<int64_t>{1}, 0.0f),
      install_test::make_tick_decoder("R"), std::make_shared<phantom::ConstantReward>(0.0));
  TickReceiver& receiver = net->emplace<TickReceiver>("R");
  net->add_connection("A", "R");
  phantom::PhantomEnv env(std::move(net), 2);
  env.reset(1);
  phantom::Actions actions = env.make_actions();
  actions.set("A", {3.5f});
  env.step(actions);
  actions.set("A", {7.0f});
  env.step(actions);
  EXPECT_EQ(receiver.received, (std::vector<float>{3.5f, 7.0f}));
}

}  // namespace
