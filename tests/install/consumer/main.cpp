// The installed package's smoke test: a tiny market written against the umbrella header, one
// hand-made step, then two PPO iterations. Prints what it checked; exits 1 if anything is off.
//
// A seller names a price in [0, 10]; a buyer with a budget of 6 buys one unit when the price is
// within it. The seller is rewarded with what it sold for.
#include <phantom/phantom.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

namespace {

struct Offer {
  float price;
};
struct Purchase {
  float price;
};

class Seller : public phantom::StrategicAgent {
 public:
  explicit Seller(std::string id)
      : StrategicAgent(std::move(id), phantom::box(0, 10, {1}), phantom::box(0, 10, {1})) {
    on<Purchase>([this](phantom::Context&, const phantom::Message<Purchase>& m) {
      revenue += m.payload.price;
    });
  }
  void pre_message_resolution(phantom::Context&) override { revenue = 0; }
  bool encode_observation(phantom::Context&, float* out) override {
    out[0] = last_price;
    return true;
  }
  void decode_action(phantom::Context& ctx, const float* action) override {
    last_price = action[0];
    ctx.send("BUYER", Offer{action[0]});
  }
  double compute_reward(phantom::Context&) override { return revenue; }
  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    last_price = revenue = 0;
  }
  float last_price = 0;
  float revenue = 0;
};

class Buyer : public phantom::Agent {
 public:
  explicit Buyer(std::string id) : Agent(std::move(id)) {
    on<Offer>([](phantom::Context& ctx, const phantom::Message<Offer>& m) {
      if (m.payload.price <= 6.0f) ctx.send(m.sender, Purchase{m.payload.price});
    });
  }
};

std::unique_ptr<phantom::PhantomEnv> make_market() {
  auto net = std::make_unique<phantom::Network>();
  net->emplace<Seller>("SELLER");
  net->emplace<Buyer>("BUYER");
  net->add_connection("SELLER", "BUYER");
  return std::make_unique<phantom::PhantomEnv>(std::move(net), 10);
}

bool check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  return ok;
}

}  // namespace

int main() {
  std::printf("phantom %s\n", phantom::version_string);
  bool ok = true;

  // One step by hand: a price within the budget sells, one above it does not.
  auto env = make_market();
  env->reset(1);
  phantom::Actions actions = env->make_actions();
  actions.set("SELLER", {5.0f});
  ok &= check(env->step(actions).reward(0) == 5.0, "a price of 5 sells for 5");
  actions.set("SELLER", {8.0f});
  ok &= check(env->step(actions).reward(0) == 0.0, "a price of 8 does not sell");

  // Two PPO iterations: the trainer, the sampling layer and the numeric kernels link and run.
  phantom::PpoOptions ppo;
  ppo.num_envs = 2;
  ppo.steps_per_env = 10;
  phantom::PpoTrainer trainer(ppo);
  phantom::TrainOptions run;
  run.iterations = 2;
  run.seed = 1;
  run.policies.add("seller", phantom::agent_ids({"SELLER"}));
  run.policies_to_train = {"seller"};
  run.show_progress = false;
  phantom::TrainingResults trained =
      trainer.train([](const phantom::EnvConfig&) { return make_market(); }, {}, run);
  ok &= check(
      trained.iterations == 2 && trained.env_steps == 40 && trained.policies.count("seller") == 1,
      "PPO trained the seller for 2 iterations of 20 steps");
  return ok ? 0 : 1;
}
