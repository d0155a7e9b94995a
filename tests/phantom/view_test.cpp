// Agent views and env views: snapshots taken when a step's contexts are built (Python Phantom's
// context_for / Context semantics), richer env views, the FSM stage, and the errors.
#include <gtest/gtest.h>

#include "phantom/env.hpp"
#include "phantom/fsm_env.hpp"

namespace {

using phantom::Context;

struct CashView {
  float cash;
  int observer_letter;  // which neighbour asked: views may depend on the observer
};

struct OtherView {
  double x;
};

// A strategic agent that never acts: it keeps episodes running (an env without strategic agents
// is done after one step, every one of its zero strategic agents having terminated).
class Idle : public phantom::StrategicAgent {
 public:
  explicit Idle(std::string id)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), phantom::box(0, 1, {1})) {}
  bool encode_observation(Context&, float* out) override {
    out[0] = 0.0f;
    return true;
  }
  void decode_action(Context&, const float*) override {}
  double compute_reward(Context&) override { return 0.0; }
};

// Shows its cash; spends some of it when it generates messages (after every view was taken).
class Holder : public phantom::Agent, public phantom::WithView<CashView> {
 public:
  Holder(std::string id, float cash) : Agent(std::move(id)), cash(cash) {}
  CashView view(const phantom::Agent& observer) const override { return {cash, observer.id()[0]}; }
  void generate_messages(Context&) override { cash -= 1.0f; }
  float cash;
};

// Records what it sees of its neighbours.
class Watcher : public phantom::Agent {
 public:
  using Agent::Agent;
  void generate_messages(Context& ctx) override {
    seen = ctx.view<CashView>("H") ? *ctx.view<CashView>("H") : CashView{-1, 0};
    quiet_view = ctx.view<CashView>("Q");
    step = ctx.env_view().current_step;
  }
  CashView seen{0, 0};
  const CashView* quiet_view = reinterpret_cast<const CashView*>(1);
  int64_t step = -1;
};

std::unique_ptr<phantom::PhantomEnv> make_env(Holder** holder, Watcher** watcher) {
  auto net = std::make_unique<phantom::Network>();
  *holder = &net->emplace<Holder>("H", 10.0f);  // acts before the watcher
  *watcher = &net->emplace<Watcher>("W");
  net->emplace<phantom::Agent>("Q");
  net->emplace<Idle>("S");
  net->add_connections_from({{"H", "W"}, {"W", "Q"}});
  return std::make_unique<phantom::PhantomEnv>(std::move(net), 3);
}

TEST(ViewTest, NeighboursSeeTheSnapshotFromTheStartOfTheStep) {
  Holder* h = nullptr;
  Watcher* w = nullptr;
  auto env = make_env(&h, &w);
  env->reset();
  env->step(env->make_actions());
  // H spent 1 before W acted, but W reads the view taken when the step began.
  EXPECT_EQ(h->cash, 9.0f);
  EXPECT_EQ(w->seen.cash, 10.0f);
  EXPECT_EQ(w->seen.observer_letter, 'W');
  EXPECT_EQ(w->quiet_view, nullptr);  // Q shows no view
  EXPECT_EQ(w->step, 1);
  env->step(env->make_actions());
  EXPECT_EQ(w->seen.cash, 9.0f);
}

TEST(ViewTest, ViewErrors) {
  Holder* h = nullptr;
  Watcher* w = nullptr;
  auto env = make_env(&h, &w);
  phantom::ContextSet contexts;
  contexts.clear(env->network());
  Context& ctx_q = contexts.add(env->network().index_of("Q"));
  Context& ctx_w = contexts.add(env->network().index_of("W"));
  EXPECT_EQ(ctx_w.view<CashView>("H")->cash, 10.0f);
  try {
    ctx_q.view<CashView>("H");  // not a neighbour of Q
    FAIL();
  } catch (const phantom::ViewError& e) {
    EXPECT_NE(std::string(e.what()).find("'Q'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'H'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ctx_q.view<CashView>("nobody"), phantom::ViewError);
  try {
    ctx_w.view<OtherView>("H");
    FAIL();
  } catch (const phantom::ViewError& e) {
    EXPECT_NE(std::string(e.what()).find("OtherView"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("CashView"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ctx_w.env_view<phantom::FSMEnvView>(), phantom::ViewError);
  EXPECT_EQ(ctx_w.env_view<phantom::EnvView>().current_step, 0);
}

// Views of neighbours that show none, before and after the first neighbour that shows one, and
// of an agent none of whose neighbours shows one; retaken at every step in the same memory.
TEST(ViewTest, NeighboursWithoutViewsBeforeAndAfterOneWithAView) {
  auto net = std::make_unique<phantom::Network>();
  auto& holder = net->emplace<Holder>("H", 10.0f);
  net->emplace<phantom::Agent>("P");
  net->emplace<phantom::Agent>("Q");
  net->emplace<phantom::Agent>("R");
  net->emplace<Holder>("K", 50.0f);
  // P's neighbours in connection order: Q and R (no views), H, R's twin K (a view).
  net->add_connections_from({{"P", "Q"}, {"P", "R"}, {"P", "H"}, {"P", "K"}, {"Q", "R"}});
  phantom::PhantomEnv env(std::move(net), 3);
  phantom::ContextSet contexts;
  for (int step = 0; step < 3; ++step) {
    contexts.clear(env.network());
    Context& q = contexts.add(env.network().index_of("Q"));  // neighbours P and R: no views
    Context& p = contexts.add(env.network().index_of("P"));
    EXPECT_EQ(p.view<CashView>("Q"), nullptr);
    EXPECT_EQ(p.view<CashView>("R"), nullptr);
    ASSERT_NE(p.view<CashView>("H"), nullptr);
    EXPECT_EQ(p.view<CashView>("H")->cash, 10.0f - static_cast<float>(step));
    EXPECT_EQ(p.view<CashView>("H")->observer_letter, 'P');
    ASSERT_NE(p.view<CashView>("K"), nullptr);
    EXPECT_EQ(p.view<CashView>("K")->cash, 50.0f);
    EXPECT_EQ(q.view<CashView>("P"), nullptr);
    EXPECT_EQ(q.view<CashView>("R"), nullptr);
    EXPECT_THROW(q.view<CashView>("H"), phantom::ViewError);  // still not a neighbour of Q
    holder.cash -= 1.0f;
  }
}

// A richer env view (SimpleMarketEnv's avg_price, in spirit).
struct MarketView : phantom::EnvView {
  double avg_price = 0.0;
};

class MarketEnv : public phantom::PhantomEnv {
 public:
  using PhantomEnv::PhantomEnv;
  double price = 4.0;

 protected:
  const phantom::EnvView& update_view() override {
    fill_env_view(view_);
    view_.avg_price = price * static_cast<double>(current_step());
    return view_;
  }

 private:
  MarketView view_;
};

class PriceReader : public phantom::Agent {
 public:
  using Agent::Agent;
  void generate_messages(Context& ctx) override {
    const auto& v = ctx.env_view<MarketView>();
    seen = v.avg_price;
    elapsed = v.proportion_time_elapsed;
  }
  double seen = -1.0, elapsed = -1.0;
};

TEST(ViewTest, RicherEnvView) {
  auto net = std::make_unique<phantom::Network>();
  auto& reader = net->emplace<PriceReader>("R");
  net->emplace<Idle>("S");
  MarketEnv env(std::move(net), 4);
  env.reset();
  env.step(env.make_actions());
  env.step(env.make_actions());
  EXPECT_EQ(reader.seen, 8.0);
  EXPECT_EQ(reader.elapsed, 0.5);
  EXPECT_EQ(dynamic_cast<const MarketView&>(env.view()).avg_price, 8.0);
  // Read as its base class, the same view.
  phantom::ContextSet contexts;
  contexts.clear(env.network(), &env.view());
  Context& ctx = contexts.add(env.network().index_of("R"));
  EXPECT_EQ(&ctx.env_view<phantom::EnvView>(), &env.view());
  EXPECT_EQ(ctx.env_view<MarketView>().avg_price, 8.0);
  EXPECT_THROW(ctx.env_view<phantom::FSMEnvView>(), phantom::ViewError);
}

class StageReader : public phantom::StrategicAgent {
 public:
  explicit StageReader(std::string id)
      : StrategicAgent(std::move(id), phantom::box(0, 1, {1}), phantom::box(0, 1, {1})) {}
  bool encode_observation(Context& ctx, float* out) override {
    stages.push_back(ctx.env_view<phantom::FSMEnvView>().stage);
    out[0] = 0.0f;
    return true;
  }
  void decode_action(Context&, const float*) override {}
  double compute_reward(Context&) override { return 0.0; }
  std::vector<std::string> stages;
};

// FSM envs show the current stage (Python's FSMEnvView), also at reset.
TEST(ViewTest, FsmViewShowsTheStage) {
  auto net = std::make_unique<phantom::Network>();
  auto& a = net->emplace<StageReader>("A");
  std::vector<phantom::FSMStage> stages = {{"odd", {"A"}, std::nullopt, {"even"}, {}},
                                           {"even", {"A"}, std::nullopt, {"odd"}, {}}};
  phantom::FiniteStateMachineEnv env(std::move(net), 3, "odd", stages);
  auto actions = env.make_actions();
  actions.set(0)[0] = 0.0f;
  env.reset();
  env.step(actions);
  env.step(actions);
  env.reset();
  // Observed at reset (odd), after step 1 (the contexts of step 1 were built in "odd"), ...
  ASSERT_GE(a.stages.size(), 4u);
  EXPECT_EQ(a.stages.front(), "odd");
  EXPECT_EQ(a.stages.back(), "odd");  // a new episode starts in the initial stage again
  bool saw_even = false;
  for (const auto& s : a.stages) saw_even = saw_even || s == "even";
  EXPECT_TRUE(saw_even);
}

}  // namespace
