// Non-finite values in training: a NaN or infinite reward or observation, or a loss that
// overflows, stops training with a TrainingError that says where it came from (before the
// iteration's checkpoint, so the newest checkpoint is the last good one), or, when asked, the
// batch is skipped and counted. Two agents with their own policies: only the faulty one's
// policy is affected.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"
#include "phantom/env.hpp"
#include "support/error_message.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_table_policy.hpp"

namespace {

namespace fs = std::filesystem;

constexpr int64_t kEpisodeSteps = 10;

// What the faulty agent does wrong, once: in episode `episode` (0-based, counted per env) at env
// step `step`.
struct Fault {
  enum Kind { nan_reward, nan_observation, huge_rewards } kind = nan_reward;
  int64_t episode = 0;
  int64_t step = 0;
};

// Observes (step / 10, 1), acts Discrete(2), is paid 1 per step. With a fault it reports a NaN
// reward or observation once, or (huge_rewards) is paid 3e38 per step from then on: finite
// floats whose discounted sums overflow.
class Agent : public phantom::StrategicAgent {
 public:
  Agent(std::string id, std::optional<Fault> fault)
      : StrategicAgent(std::move(id), phantom::box(-10.0f, 10.0f, {2}), phantom::discrete(2)),
        fault_(fault) {}

  void reset(nn::Rng& rng) override {
    StrategicAgent::reset(rng);
    ++episode_;
  }
  void decode_action(phantom::Context&, const float*) override {}
  bool encode_observation(phantom::Context& ctx, float* out) override {
    out[0] = static_cast<float>(ctx.env_view().current_step) / 10.0f;
    out[1] =
        faulty_now(ctx, Fault::nan_observation) ? std::numeric_limits<float>::quiet_NaN() : 1.0f;
    return true;
  }
  double compute_reward(phantom::Context& ctx) override {
    if (faulty_now(ctx, Fault::nan_reward)) return std::numeric_limits<double>::quiet_NaN();
    if (fault_ && fault_->kind == Fault::huge_rewards && episode_ >= fault_->episode) return 3e38;
    return 1.0;
  }

 private:
  bool faulty_now(phantom::Context& ctx, Fault::Kind kind) const {
    return fault_ && fault_->kind == kind && episode_ == fault_->episode &&
           ctx.env_view().current_step == fault_->step;
  }
  std::optional<Fault> fault_;
  int64_t episode_ = -1;
};

phantom::EnvFactory factory(Fault fault) {
  return [fault](const phantom::EnvConfig&) {
    auto net = std::make_unique<phantom::Network>();
    net->emplace<Agent>("steady", std::nullopt);
    net->emplace<Agent>("faulty", fault);
    return std::make_unique<phantom::PhantomEnv>(std::move(net), kEpisodeSteps);
  };
}

phantom::PpoOptions ppo_options() {
  phantom::PpoOptions o;
  o.num_envs = 1;
  o.steps_per_env = 20;  // two episodes per iteration
  o.minibatches = 2;
  o.network.hidden = {8};
  return o;
}

phantom::TrainOptions run_options(int iterations, const std::string& results_dir) {
  phantom::TrainOptions t;
  t.iterations = iterations;
  t.seed = 3;
  t.policies.add("calm", phantom::agent_ids({"steady"}));
  t.policies.add("wild", phantom::agent_ids({"faulty"}));
  t.policies_to_train = {"calm", "wild"};
  t.show_progress = false;
  t.results_dir = results_dir;
  t.checkpoint_every = 1;
  return t;
}

// The run directory under `base` (one experiment, one run).
std::string run_dir(const std::string& base) {
  for (const auto& experiment : fs::directory_iterator(base)) {
    for (const auto& run : fs::directory_iterator(experiment.path())) {
      if (run.is_directory()) return run.path().string();
    }
  }
  return "";
}

std::vector<std::string> checkpoints(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string name = f.path().filename().string();
    if (name.rfind("checkpoint-", 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Iteration 3 samples episodes 4 and 5: the NaN comes at step 6 of episode 4.
TEST(NonFinite, NanRewardStopsTrainingNamingIterationPolicyAgentAndStep) {
  analysis_test::ScratchDir tmp;
  phantom::PpoTrainer trainer(ppo_options());
  const std::string m = test_support::message_of<phantom::TrainingError>([&] {
    trainer.train(factory({Fault::nan_reward, 4, 6}), {}, run_options(5, tmp.file("runs")));
  });
  EXPECT_HAS(m,
             "ppo trainer: iteration 3: policy 'wild': non-finite reward (nan) from agent "
             "'faulty' at step 6 of episode 4 in sub-env 0");
  // Nothing of iteration 3 was written: two rows, and checkpoint 2 is the newest.
  const std::string dir = run_dir(tmp.file("runs"));
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(phantom::read_csv(dir + "/metrics.csv").rows.size(), 2u);
  const std::vector<std::string> saved = checkpoints(dir);
  ASSERT_FALSE(saved.empty());
  EXPECT_EQ(saved.back(), "checkpoint-000002.bin");
}

TEST(NonFinite, NanObservationIsNamedAndNeverEntersTheFilterStatistics) {
  phantom::PpoOptions o = ppo_options();
  o.normalize_observations = true;
  phantom::PpoTrainer trainer(o);
  phantom::TrainOptions t = run_options(2, "");
  EXPECT_HAS(test_support::message_of<phantom::TrainingError>([&] {
               trainer.train(factory({Fault::nan_observation, 1, 3}), {}, t);
             }),
             "iteration 1: policy 'wild': non-finite observation (nan) from agent 'faulty' at "
             "step 3 of episode 1");

  // Skipping instead: training goes on, the filter never saw the NaN.
  t.on_non_finite = phantom::NonFiniteAction::skip;
  phantom::PpoTrainer skipping(o);
  phantom::TrainingResults res = skipping.train(factory({Fault::nan_observation, 1, 3}), {}, t);
  EXPECT_EQ(res.iterations, 2);
  auto wild = std::dynamic_pointer_cast<phantom::PpoPolicy>(res.policies.at("wild"));
  ASSERT_TRUE(wild && wild->observation_filter());
  const auto& filter = dynamic_cast<const phantom::MeanStdFilter&>(*wild->observation_filter());
  EXPECT_GT(filter.rs().count(), 0);
  for (int64_t i = 0; i < 2; ++i) EXPECT_TRUE(std::isfinite(filter.rs().mean(i))) << i;
}

TEST(NonFinite, SkippingCountsTheSkippedBatchesAndTheOtherPolicyStillLearns) {
  analysis_test::ScratchDir tmp;
  phantom::PpoTrainer trainer(ppo_options());
  phantom::TrainOptions t = run_options(4, tmp.file("runs"));
  t.on_non_finite = phantom::NonFiniteAction::skip;
  phantom::TrainingResults res = trainer.train(factory({Fault::nan_reward, 4, 6}), {}, t);
  EXPECT_EQ(res.iterations, 4);
  const phantom::CsvTable csv = phantom::read_csv(res.run_dir + "/metrics.csv");
  EXPECT_EQ(csv.numbers("skipped_batches"), (std::vector<double>{0, 0, 1, 0}));
  // Iteration 3: the calm policy learned from its rows, the wild one did not.
  const std::vector<double> calm = csv.numbers("ppo/calm/transitions");
  const std::vector<double> wild = csv.numbers("ppo/wild/transitions");
  EXPECT_EQ(calm[2], 20.0);
  EXPECT_TRUE(std::isnan(wild[2]));
  EXPECT_EQ(wild[3], 20.0);
}

// Rewards of 3e38 are finite floats, but their discounted sums overflow: the inputs pass, the
// loss does not, and no update is applied with it.
TEST(NonFinite, AnOverflowingLossStopsTrainingBeforeTheUpdate) {
  phantom::PpoTrainer trainer(ppo_options());
  const std::string m = test_support::message_of<phantom::TrainingError>([&] {
    trainer.train(factory({Fault::huge_rewards, 0, 0}), {}, run_options(1, ""));
  });
  EXPECT_HAS(m, "ppo trainer: iteration 1: policy 'wild': non-finite loss (");
  EXPECT_HAS(m, "in epoch 1, minibatch 1 of 2");
  EXPECT_HAS(m, "scale the rewards down");
}

TEST(NonFinite, QTableUpdatesStopBeforeANonFiniteValueEntersTheTable) {
  phantom::QTablePolicy q(phantom::discrete(2), phantom::discrete(2));
  phantom::SampleBatch b = phantom::SampleBatch::with_standard_columns(1, 1);
  for (float reward : {1.0f, std::numeric_limits<float>::infinity()}) {
    const int64_t i = b.append_row();
    b.f32(phantom::columns::kRewards)[i] = reward;
    b.f32(phantom::columns::kTerminateds)[i] = 1.0f;
  }
  phantom::LearnerStats stats;
  EXPECT_HAS(test_support::message_of<phantom::TrainingError>([&] { q.learn_on_batch(b, stats); }),
             "non-finite Q-value update (target inf, value 0.1) in row 1 of 2");
  EXPECT_EQ(q.q(0, 0), 0.1);  // row 0 was applied, row 1 was not
}

}  // namespace
