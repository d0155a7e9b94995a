// Evaluation's modes: parallel to training ("one behind", and the same results on every run and
// for every thread count), the automatic duration, a custom evaluation, always_attach, and env
// failures (an error naming where, or dropped episodes with ignore_worker_failures).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/test_files.hpp"
#include "evaluation_runs.hpp"
#include "nn/thread_pool.hpp"
#include "support/error_message.hpp"
#include "support/sign_env.hpp"
#include "trainers/ppo/ppo_policy.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/qlearning/q_table_policy.hpp"

namespace {

using test_support::make_sign_env;
using test_support::SignGuesser;

using evaluation_test::kEpisodeSteps;
using evaluation_test::run_options;
using evaluation_test::small_options;
using evaluation_test::train;

// Every column but the wall clock, cell by cell (NaN: an empty cell).
void expect_same_rows(const phantom::CsvTable& a, const phantom::CsvTable& b) {
  ASSERT_EQ(a.header, b.header);
  for (const std::string& column : a.header) {
    if (column == "wall_seconds") continue;
    SCOPED_TRACE(column);
    const std::vector<double> x = a.numbers(column), y = b.numbers(column);
    ASSERT_EQ(x.size(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::isnan(x[i])) {
        EXPECT_TRUE(std::isnan(y[i])) << "row " << i;
      } else {
        EXPECT_EQ(x[i], y[i]) << "row " << i;
      }
    }
  }
}

// A custom evaluation that reports the sum of the weights the evaluation workers act with.
void report_weights(phantom::EvaluationContext& context) {
  auto* policy = dynamic_cast<phantom::TrainablePolicy*>(context.worker(0).get_policy("guesser"));
  ASSERT_NE(policy, nullptr);
  nn::StateDict weights;
  policy->get_weights(weights, "");
  double sum = 0.0;
  for (const std::string& name : weights.names()) {
    if (name == ".count") continue;  // the number of tensors
    const nn::Tensor& t = weights.tensor(name);
    for (int64_t k = 0; k < t.numel(); ++k) sum += static_cast<double>(t.data()[k]);
  }
  context.set("weight_sum", sum);
  context.sample(0);
}

phantom::TrainOptions weight_reporting(const std::string& dir, bool parallel) {
  phantom::TrainOptions t = run_options(4, dir);
  t.evaluation.interval = 1;
  t.evaluation.parallel_to_training = parallel;
  t.evaluation.custom = report_weights;
  t.evaluation.custom_columns = {"weight_sum"};
  return t;
}

// Parallel evaluation after iteration k acts with the weights sequential evaluation saw after
// iteration k - 1 (training is the same in both runs).
TEST(EvaluationModes, ParallelEvaluationActsWithTheWeightsFromBeforeTheStep) {
  analysis_test::ScratchDir tmp;
  const phantom::CsvTable sequential = train(weight_reporting(tmp.file("seq"), false));
  const phantom::CsvTable parallel = train(weight_reporting(tmp.file("par"), true));
  const std::vector<double> after = sequential.numbers("evaluation/weight_sum");
  const std::vector<double> behind = parallel.numbers("evaluation/weight_sum");
  ASSERT_EQ(after.size(), 4u);
  ASSERT_EQ(behind.size(), 4u);
  for (std::size_t k = 1; k < 4; ++k) EXPECT_EQ(behind[k], after[k - 1]) << "iteration " << k + 1;
  EXPECT_NE(behind[0], after[0]);  // the initial weights: training changes them
  // The custom evaluation's episode fills the usual columns too.
  EXPECT_EQ(parallel.numbers("evaluation/episodes")[0], 1.0);
  EXPECT_EQ(sequential.numbers("policy/guesser/reward_mean"),
            parallel.numbers("policy/guesser/reward_mean"));
}

// The same rows on every run and whatever the thread count; training as without evaluation.
TEST(EvaluationModes, ParallelEvaluationIsDeterministicAndNeverChangesTraining) {
  analysis_test::ScratchDir tmp;
  auto options = [&](const std::string& dir) {
    phantom::TrainOptions t = run_options(4, tmp.file(dir));
    t.evaluation.interval = 1;
    t.evaluation.duration = 3;
    t.evaluation.num_workers = 2;
    t.evaluation.explore = true;
    t.evaluation.parallel_to_training = true;
    return t;
  };
  nn::set_num_threads(1);
  const phantom::CsvTable one = train(options("one"));
  nn::set_num_threads(2);
  const phantom::CsvTable two = train(options("two"));
  const phantom::CsvTable again = train(options("again"));
  nn::set_num_threads(0);
  expect_same_rows(one, two);
  expect_same_rows(two, again);
  EXPECT_EQ(one.numbers("evaluation/episodes"), std::vector<double>(4, 3.0));

  phantom::TrainOptions plain = run_options(4, tmp.file("plain"));
  const phantom::CsvTable without = train(plain);
  for (const std::string& column : without.header) {
    if (column == "wall_seconds") continue;
    SCOPED_TRACE(column);
    EXPECT_EQ(without.numbers(column), one.numbers(column));
  }
}

// Automatic: one round, every evaluation worker once.
TEST(EvaluationModes, AutomaticDurationIsOneRoundOfEveryWorker) {
  analysis_test::ScratchDir tmp;
  phantom::TrainOptions t = run_options(2, tmp.file("episodes"));
  t.evaluation.interval = 1;
  t.evaluation.parallel_to_training = true;
  t.evaluation.duration = phantom::EvaluationOptions::automatic;
  t.evaluation.num_workers = 3;
  EXPECT_EQ(train(t).numbers("evaluation/episodes"), std::vector<double>(2, 3.0));

  t.results_dir = tmp.file("steps");
  t.evaluation.unit = phantom::EvaluationUnit::timesteps;
  t.evaluation.num_envs = 2;
  EXPECT_EQ(train(t).numbers("evaluation/env_steps"), std::vector<double>(2, 3.0 * 10 * 2));

  t.evaluation.parallel_to_training = false;
  phantom::PpoTrainer trainer(small_options());
  EXPECT_HAS(
      test_support::message_of<phantom::ConfigError>([&] { trainer.train(make_sign_env, {}, t); }),
      "duration = automatic sizes evaluation to a training step: it needs parallel_to_training");
}

TEST(EvaluationModes, ACustomEvaluationMustReportSomethingItDeclared) {
  analysis_test::ScratchDir tmp;
  phantom::TrainOptions t = run_options(1, tmp.file("runs"));
  t.evaluation.interval = 1;
  t.evaluation.custom = [](phantom::EvaluationContext&) {};
  phantom::PpoTrainer trainer(small_options());
  EXPECT_HAS(
      test_support::message_of<phantom::ValueError>([&] { trainer.train(make_sign_env, {}, t); }),
      "evaluation after iteration 1: the custom evaluation sampled no episode and set no value");

  t.evaluation.custom = [](phantom::EvaluationContext& c) { c.set("score", 1.0); };
  EXPECT_HAS(
      test_support::message_of<phantom::ConfigError>([&] { trainer.train(make_sign_env, {}, t); }),
      "the custom evaluation set 'score', which is not in EvaluationOptions::custom_columns");

  t.evaluation.custom_columns = {"score", "score"};
  EXPECT_HAS(
      test_support::message_of<phantom::ConfigError>([&] { trainer.train(make_sign_env, {}, t); }),
      "custom_columns entry 1 ('score') is empty or repeated");

  // A name the evaluation's own columns already use.
  t.evaluation.custom_columns = {"score", "env_steps"};
  EXPECT_HAS(
      test_support::message_of<phantom::ConfigError>([&] { trainer.train(make_sign_env, {}, t); }),
      "custom_columns entry 'env_steps' would be column 'evaluation/env_steps', "
      "which the evaluation already reports");

  t.evaluation.custom_columns = {"score"};
  const phantom::CsvTable csv = train(t);
  EXPECT_EQ(csv.numbers("evaluation/score"), std::vector<double>{1.0});
  EXPECT_TRUE(std::isnan(csv.numbers("evaluation/episodes")[0]) ||
              csv.numbers("evaluation/episodes")[0] == 0.0);
}

// Rows between evaluations repeat the last one's cells, also after a resume from a checkpoint
// taken between two evaluations.
TEST(EvaluationModes, AlwaysAttachRepeatsTheLastEvaluationAcrossAResume) {
  analysis_test::ScratchDir tmp;
  auto options = [&](const std::string& dir) {
    phantom::TrainOptions t = run_options(6, tmp.file(dir));
    t.evaluation.interval = 3;
    t.evaluation.duration = 2;
    t.evaluation.always_attach = true;
    t.checkpoint_every = 1;
    return t;
  };
  phantom::PpoTrainer uninterrupted(small_options());
  const auto expected = uninterrupted.train(make_sign_env, {}, options("full"));
  const phantom::CsvTable full = phantom::read_csv(expected.run_dir + "/metrics.csv");
  const std::vector<double> r = full.numbers("evaluation/policy/guesser/reward_mean");
  ASSERT_EQ(r.size(), 6u);
  EXPECT_TRUE(std::isnan(r[0]) && std::isnan(r[1]));  // nothing to attach yet
  EXPECT_EQ(r[3], r[2]);
  EXPECT_EQ(r[4], r[2]);
  EXPECT_FALSE(std::isnan(r[5]));

  phantom::PpoTrainer first(small_options());
  const auto part = first.train(make_sign_env, {}, options("crashed"));
  for (const char* gone : {"checkpoint-000005.bin", "checkpoint-000006.bin"})
    std::filesystem::remove(part.run_dir + "/" + gone);
  phantom::PpoTrainer second(small_options());
  phantom::TrainOptions again = run_options(6, "");
  again.evaluation = options("x").evaluation;
  const auto resumed = second.resume(part.run_dir, make_sign_env, {}, again);
  expect_same_rows(full, phantom::read_csv(resumed.run_dir + "/metrics.csv"));
}

// The seeds of the episodes FailingSignEnv failed, in order (evaluation runs them one at a time).
std::vector<uint64_t> failed_seeds;

// The sign env, failing at step 5 of every episode whose seed is a multiple of `every`.
class FailingSignEnv : public phantom::PhantomEnv {
 public:
  FailingSignEnv(std::unique_ptr<phantom::Network> net, uint64_t every)
      : PhantomEnv(std::move(net), 16), every_(every) {}
  const phantom::StepResult& reset(std::optional<uint64_t> seed) override {
    seed_ = seed.value_or(0);
    return PhantomEnv::reset(seed);
  }
  const phantom::StepResult& step(const phantom::Actions& actions) override {
    if (seed_ % every_ == 0 && current_step() == 4) {
      failed_seeds.push_back(seed_);
      throw std::runtime_error("boom in the episode of seed " + std::to_string(seed_));
    }
    return PhantomEnv::step(actions);
  }

 private:
  uint64_t every_;
  uint64_t seed_ = 0;
};

// The training env is the sign env; the evaluation env (config "fail_every" > 0) fails.
std::unique_ptr<phantom::PhantomEnv> make_failing_env(const phantom::EnvConfig& config) {
  const int64_t every = config.has("fail_every") ? config.integer("fail_every") : 0;
  if (every == 0) return make_sign_env(config);
  auto net = std::make_unique<phantom::Network>();
  net->emplace<SignGuesser>("a");
  net->emplace<SignGuesser>("b");
  return std::make_unique<FailingSignEnv>(std::move(net), static_cast<uint64_t>(every));
}

phantom::TrainOptions failing_evaluation(const std::string& dir, int64_t every) {
  phantom::TrainOptions t = run_options(2, dir);
  t.evaluation.interval = 1;
  t.evaluation.duration = 6;
  t.evaluation.num_workers = 2;
  phantom::EnvConfig failing;
  failing.set("fail_every", static_cast<float>(every));
  t.evaluation.env_config = failing;
  return t;
}

TEST(EvaluationModes, AnEnvFailureNamesTheWorkerSubEnvEpisodeSeedAndStep) {
  phantom::TrainOptions t = failing_evaluation("", 1);  // every episode fails
  phantom::PpoTrainer trainer(small_options());
  const std::string m =
      test_support::message_of<phantom::EnvError>([&] { trainer.train(make_failing_env, {}, t); });
  EXPECT_HAS(m, "evaluation after iteration 1: evaluation worker 1, sub-env 0, episode seed ");
  EXPECT_HAS(m, ", step 5: boom in the episode of seed ");
  // The seed named is the one the env received.
  const std::string named = m.substr(m.find("episode seed ") + 13);
  const std::string received = m.substr(m.find("of seed ") + 8);
  EXPECT_EQ(named.substr(0, named.find(',')), received);
}

TEST(EvaluationModes, IgnoredFailuresAreDroppedCountedAndReproducible) {
  analysis_test::ScratchDir tmp;
  phantom::TrainOptions t = failing_evaluation(tmp.file("c"), 3);
  t.evaluation.ignore_worker_failures = true;
  failed_seeds.clear();
  const phantom::CsvTable c = train(t, make_failing_env);
  std::vector<uint64_t> seeds = failed_seeds;
  phantom::TrainOptions u = failing_evaluation(tmp.file("d"), 3);
  u.evaluation.ignore_worker_failures = true;
  const phantom::CsvTable d = train(u, make_failing_env);
  expect_same_rows(c, d);
  EXPECT_EQ(c.numbers("evaluation/episodes"), std::vector<double>(2, 6.0));
  EXPECT_EQ(c.numbers("evaluation/env_steps"), std::vector<double>(2, 6.0 * kEpisodeSteps));
  const std::vector<double> failed = c.numbers("evaluation/failed_episodes");
  EXPECT_GT(failed[0] + failed[1], 0.0);  // a third of the seeds fail
  // Every failure was counted, and a rebuilt worker never replayed the episode that failed.
  EXPECT_EQ(static_cast<double>(seeds.size()), failed[0] + failed[1]);
  std::sort(seeds.begin(), seeds.end());
  EXPECT_EQ(std::adjacent_find(seeds.begin(), seeds.end()), seeds.end());
}

TEST(EvaluationModes, TooManyIgnoredFailuresEndTheRun) {
  phantom::TrainOptions t = failing_evaluation("", 1);
  t.evaluation.ignore_worker_failures = true;
  t.evaluation.max_failed_episodes = 4;
  phantom::PpoTrainer trainer(small_options());
  EXPECT_HAS(
      test_support::message_of<phantom::EnvError>([&] { trainer.train(make_failing_env, {}, t); }),
      "(more than EvaluationOptions::max_failed_episodes = 4 episodes failed)");
}

// A training step that fails while a parallel evaluation runs: its error is reported, and the
// evaluation is waited for (nothing of it outlives the run).
TEST(EvaluationModes, ATrainingFailureDuringAParallelEvaluationIsReported) {
  phantom::TrainOptions t = run_options(2, "");
  t.evaluation.interval = 1;
  t.evaluation.parallel_to_training = true;
  t.evaluation.env_config = phantom::EnvConfig{};
  phantom::EnvConfig failing;
  failing.set("fail_every", 1.0f);
  phantom::PpoTrainer trainer(small_options());
  EXPECT_HAS(test_support::message_of<std::runtime_error>(
                 [&] { trainer.train(make_failing_env, failing, t); }),
             "boom in the episode of seed");
}

}  // namespace

namespace {

// A snapshot keeps the values it was taken with while the original learns; a clone follows.
TEST(EvaluationModes, ASnapshotOwnsItsParametersAndACloneSharesThem) {
  phantom::QTablePolicy original(phantom::discrete(3), phantom::discrete(2), "q");
  original.q(1, 1) = 0.5;
  auto snapshot = std::dynamic_pointer_cast<phantom::QTablePolicy>(original.snapshot());
  auto clone = std::dynamic_pointer_cast<phantom::QTablePolicy>(original.clone());
  ASSERT_TRUE(snapshot && clone);
  original.q(1, 1) = 2.0;
  EXPECT_EQ(snapshot->q(1, 1), 0.5);
  EXPECT_EQ(clone->q(1, 1), 2.0);

  nn::Rng init(3);
  auto net = std::make_shared<phantom::ActorCritic>(phantom::box(-1, 1, {2}), phantom::discrete(2),
                                                    phantom::ActorCriticConfig{}, init);
  phantom::PpoPolicy ppo(net);
  auto frozen = std::dynamic_pointer_cast<phantom::PpoPolicy>(ppo.snapshot());
  ASSERT_TRUE(frozen);
  EXPECT_NE(frozen->network(), ppo.network());
  nn::StateDict before, after, copied;
  ppo.get_weights(before, "");
  net->parameters()[0].data()[0] += 1.0f;  // as an update would
  ppo.get_weights(after, "");
  frozen->get_weights(copied, "");
  EXPECT_EQ(copied.tensor(".0").data()[0], before.tensor(".0").data()[0]);
  EXPECT_NE(copied.tensor(".0").data()[0], after.tensor(".0").data()[0]);

  // A learning policy that cannot copy its parameters says so: null, not a sharing clone.
  struct Opaque : phantom::QTablePolicy {
    using QTablePolicy::QTablePolicy;
    std::shared_ptr<phantom::Policy> snapshot() const override {
      return TrainablePolicy::snapshot();
    }
  };
  EXPECT_EQ(Opaque(phantom::discrete(3), phantom::discrete(2)).snapshot(), nullptr);
}

}  // namespace
