// Tests of the rollout CSV exports (analysis/rollout_csv.hpp): the exact text of both files for a
// small hand-built rollout set, the `.partial` file and its rename on close(), header checks
// with messages naming the file and what differs, and a round trip through the CSV reader.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "analysis/rollout_csv.hpp"
#include "nn/error.hpp"
#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;
using analysis_test::error_message;
using analysis_test::read_all;
using analysis_test::ScratchDir;
using analysis_test::write_all;
using phantom::AgentRecord;
using phantom::ReducedMetric;
using phantom::Rollout;
using phantom::RolloutCsvWriter;
using phantom::RolloutMetricsCsvWriter;
using phantom::Step;

using Vec = std::vector<float>;

AgentRecord record(std::optional<Vec> obs, std::optional<Vec> action, std::optional<double> reward,
                   std::optional<bool> terminated, std::optional<bool> truncated) {
  AgentRecord r;
  r.observation = std::move(obs);
  r.action = std::move(action);
  r.reward = reward;
  r.terminated = terminated;
  r.truncated = truncated;
  return r;
}

Step step(int64_t i, std::string stage, std::vector<AgentRecord> agents) {
  Step s;
  s.i = i;
  s.stage = std::move(stage);
  s.agents = std::move(agents);
  return s;
}

// `r`'s header with other agents, and its steps when `keep_steps` (they must fit the sizes).
Rollout with_agents(const Rollout& r, const std::vector<std::string>& ids,
                    const std::vector<int64_t>& observation_sizes,
                    const std::vector<int64_t>& action_sizes, bool keep_steps = true) {
  Rollout out = r;
  out.set_agents(ids, observation_sizes, action_sizes);
  for (std::size_t i = 0; keep_steps && i < r.size(); ++i) out.append(r[i]);
  return out;
}

ReducedMetric metric(std::string name, std::optional<double> value,
                     std::vector<double> values = {}) {
  ReducedMetric m;
  m.name = std::move(name);
  m.value = value;
  m.values = std::move(values);
  return m;
}

// Two repeats of one grid point. Agent A has a 1-float observation and action, B 3 and 2; A is
// done after step 0 of rollout 0 (nothing recorded in step 1), B has no reward in step 0.
std::vector<Rollout> rollouts() {
  Rollout r0;
  r0.rollout_id = 0;
  r0.repeat_id = 0;
  r0.seed = 11;
  r0.params = {{"cost", 0.5f}, {"n", 2.0f}};
  r0.set_agents({"A", "B"}, {1, 3}, {1, 2});
  r0.append(step(0, "buy",
                 {record(Vec{0.1f}, Vec{1}, 0.5, false, false),
                  record(Vec{1, 2, 3}, std::nullopt, std::nullopt, false, false)}));
  r0.append(step(1, "pay, ship",
                 {AgentRecord{}, record(Vec{4, 5, 6}, Vec{0.25f, -1}, -2.0, true, false)}));
  r0.metrics = {metric("profit", 12.5), metric("stock", std::nullopt, {1, 2.5, 3}),
                metric("missing", std::nullopt)};

  Rollout r1 = r0;
  r1.rollout_id = 1;
  r1.repeat_id = 1;
  r1.seed = 12345678901234567890u;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  r1.set_agents({"A", "B"}, {1, 3}, {1, 2});
  r1.append(
      step(0, "buy",
           {record(Vec{1e-7f}, Vec{2}, 1.0 / 3.0, false, true),
            record(Vec{nan, inf, -0.0f}, std::nullopt, std::nullopt, std::nullopt, std::nullopt)}));
  r1.metrics = {metric("profit", -1.0), metric("stock", std::nullopt, {}),
                metric("missing", std::nullopt)};
  return {r0, r1};
}

const std::string kRolloutsHeader =
    "rollout_id,repeat_id,seed,cost,n,step,stage,agent,obs_0,obs_1,obs_2,action_0,action_1,"
    "reward,terminated,truncated\n";
const std::string kRollout0Rows =
    "0,0,11,0.5,2,0,buy,A,0.1,,,1,,0.5,0,0\n"
    "0,0,11,0.5,2,0,buy,B,1,2,3,,,,0,0\n"
    "0,0,11,0.5,2,1,\"pay, ship\",A,,,,,,,,\n"
    "0,0,11,0.5,2,1,\"pay, ship\",B,4,5,6,0.25,-1,-2,1,0\n";
const std::string kRollout1Rows =
    "1,1,12345678901234567890,0.5,2,0,buy,A,1e-07,,,2,,0.3333333333333333,0,1\n"
    "1,1,12345678901234567890,0.5,2,0,buy,B,nan,inf,-0,,,,,\n";

const std::string kMetricsCsv =
    "rollout_id,repeat_id,seed,cost,n,profit,stock,missing\n"
    "0,0,11,0.5,2,12.5,1 2.5 3,\n"
    "1,1,12345678901234567890,0.5,2,-1,,\n";

TEST(RolloutCsvWriter, WritesOneRowPerRolloutStepAndAgent) {
  ScratchDir dir;
  const std::string path = dir.file("rollouts.csv");
  phantom::write_rollouts_csv(path, rollouts());
  EXPECT_EQ(read_all(path), kRolloutsHeader + kRollout0Rows + kRollout1Rows);
  EXPECT_FALSE(fs::exists(path + ".partial"));
}

TEST(RolloutCsvWriter, AppendsToThePartialFileAndRenamesItOnClose) {
  ScratchDir dir;
  const std::string path = dir.file("rollouts.csv");
  write_all(path, "an older export\n");
  const std::vector<Rollout> rs = rollouts();
  RolloutCsvWriter writer(path);
  EXPECT_EQ(writer.path(), path);
  EXPECT_EQ(read_all(path + ".partial"), "");
  writer.write(rs[0]);
  // Each rollout is in the file as soon as write returns; the old export is left alone.
  EXPECT_EQ(read_all(path + ".partial"), kRolloutsHeader + kRollout0Rows);
  writer.write(rs[1]);
  EXPECT_EQ(read_all(path + ".partial"), kRolloutsHeader + kRollout0Rows + kRollout1Rows);
  EXPECT_EQ(read_all(path), "an older export\n");
  EXPECT_EQ(writer.rollouts(), 2u);
  EXPECT_EQ(writer.rows(), 6u);
  writer.close();
  EXPECT_FALSE(fs::exists(path + ".partial"));
  EXPECT_EQ(read_all(path), kRolloutsHeader + kRollout0Rows + kRollout1Rows);
  writer.close();  // a second close does nothing
  EXPECT_CONTAINS(error_message<phantom::Error>([&] { writer.write(rs[0]); }), "closed");
}

TEST(RolloutCsvWriter, WithoutCloseLeavesThePartialFile) {
  ScratchDir dir;
  const std::string path = dir.file("rollouts.csv");
  {
    RolloutCsvWriter writer(path);
    writer.write(rollouts()[0]);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(read_all(path + ".partial"), kRolloutsHeader + kRollout0Rows);
}

TEST(RolloutCsvWriter, NoRolloutsGiveAnEmptyFile) {
  ScratchDir dir;
  const std::string path = dir.file("rollouts.csv");
  phantom::write_rollouts_csv(path, {});
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(read_all(path), "");
}

TEST(RolloutCsvWriter, ARolloutThatDoesNotFitTheHeaderIsAConfigErrorAndWritesNothing) {
  ScratchDir dir;
  const std::string path = dir.file("rollouts.csv");
  const std::vector<Rollout> rs = rollouts();
  RolloutCsvWriter writer(path);
  writer.write(rs[0]);

  Rollout other_params = rs[1];
  other_params.params[1].name = "m";
  std::string message = error_message<phantom::ConfigError>([&] { writer.write(other_params); });
  EXPECT_CONTAINS(message, "rollouts CSV '" + path + "'");
  EXPECT_CONTAINS(message, "rollout 1 has params (cost, m)");
  EXPECT_CONTAINS(message, "the first rollout written, are for params (cost, n)");

  const Rollout other_agents = with_agents(rs[1], {"B", "A"}, {1, 3}, {1, 2});
  message = error_message<phantom::ConfigError>([&] { writer.write(other_agents); });
  EXPECT_CONTAINS(message, "rollout 1 has agents (B, A)");
  EXPECT_CONTAINS(message, "are for agents (A, B)");

  const Rollout larger = with_agents(rs[1], {"A", "B"}, {4, 3}, {1, 2}, false);
  message = error_message<phantom::ConfigError>([&] { writer.write(larger); });
  EXPECT_CONTAINS(message, "rollout 1: agent 'A' has observation size 4");
  EXPECT_CONTAINS(message, "hold 3 (obs_0..obs_2)");

  // A smaller space fits: its extra cells stay empty.
  const Rollout smaller = with_agents(rs[1], {"A", "B"}, {1, 3}, {1, 1});
  writer.write(smaller);
  writer.close();
  EXPECT_EQ(read_all(path), kRolloutsHeader + kRollout0Rows + kRollout1Rows);
}

TEST(RolloutCsvWriter, ARejectedRolloutWritesNothing) {
  ScratchDir dir;
  const std::string path = dir.file("rollouts.csv");
  RolloutCsvWriter writer(path);
  writer.write(rollouts()[0]);
  const Rollout larger = with_agents(rollouts()[1], {"A", "B"}, {1, 3}, {1, 3}, false);
  EXPECT_THROW(writer.write(larger), phantom::ConfigError);
  EXPECT_EQ(writer.rollouts(), 1u);
  EXPECT_EQ(read_all(path + ".partial"), kRolloutsHeader + kRollout0Rows);
  writer.write(rollouts()[1]);
  EXPECT_EQ(read_all(path + ".partial"), kRolloutsHeader + kRollout0Rows + kRollout1Rows);
}

TEST(RolloutCsvWriter, AParamNamedLikeAnotherColumnIsAConfigError) {
  ScratchDir dir;
  Rollout r = rollouts()[0];
  r.params[0].name = "reward";
  const std::string message = error_message<phantom::ConfigError>(
      [&] { phantom::write_rollouts_csv(dir.file("rollouts.csv"), {r}); });
  EXPECT_CONTAINS(message, "two columns would be named 'reward'");
}

TEST(RolloutCsvWriter, ReportsAFileItCannotCreate) {
  ScratchDir dir;
  const std::string path = dir.file("no/such/dir/rollouts.csv");
  const std::string message = error_message<phantom::Error>([&] { RolloutCsvWriter w(path); });
  EXPECT_CONTAINS(message, "rollouts CSV '" + path + "': cannot create '" + path + ".partial'");
}

TEST(RolloutCsvWriter, AFailedWriteIsReportedAndTheFileIsNeverRenamed) {
  // A .partial file that is a link to Linux's /dev/full: every write fails with "No space left
  // on device".
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  ScratchDir dir;
  const std::string path = dir.file("rollouts.csv");
  fs::create_symlink("/dev/full", path + ".partial");
  RolloutCsvWriter writer(path);
  const Rollout r = rollouts()[0];
  EXPECT_CONTAINS(error_message<phantom::Error>([&] { writer.write(r); }),
                  "rollouts CSV '" + path + "': cannot write '" + path + ".partial'");
  EXPECT_CONTAINS(error_message<phantom::Error>([&] { writer.write(r); }),
                  "an earlier write failed");
  EXPECT_CONTAINS(error_message<phantom::Error>([&] { writer.close(); }),
                  "the file is left as '" + path + ".partial'");
  EXPECT_FALSE(fs::exists(path));
}

TEST(RolloutCsvWriter, ReadsBackThroughTheCsvReader) {
  ScratchDir dir;
  const std::string path = dir.file("rollouts.csv");
  phantom::write_rollouts_csv(path, rollouts());
  const phantom::CsvTable table = phantom::read_csv(path);
  EXPECT_EQ(table.header.size(), 16u);
  ASSERT_EQ(table.rows.size(), 6u);
  EXPECT_EQ(table.rows[2][table.column("stage")], "pay, ship");
  EXPECT_EQ(table.rows[3][table.column("agent")], "B");

  const std::vector<double> seed = table.numbers("seed");
  EXPECT_EQ(seed[0], 11.0);
  const std::vector<double> reward = table.numbers("reward");
  EXPECT_EQ(reward[0], 0.5);
  EXPECT_TRUE(std::isnan(reward[1]));  // absent
  EXPECT_EQ(reward[4], 1.0 / 3.0);     // doubles round-trip exactly
  const std::vector<double> obs0 = table.numbers("obs_0");
  EXPECT_EQ(static_cast<float>(obs0[0]), 0.1f);  // floats too, at float precision
  EXPECT_EQ(static_cast<float>(obs0[4]), 1e-7f);
  EXPECT_TRUE(std::isnan(obs0[5]));
  EXPECT_TRUE(std::isinf(table.numbers("obs_1")[5]));
  const std::vector<double> action1 = table.numbers("action_1");
  EXPECT_EQ(action1[3], -1.0);
  EXPECT_TRUE(std::isnan(action1[0]));  // beyond A's action size
  EXPECT_EQ(table.numbers("terminated")[3], 1.0);
  EXPECT_EQ(table.numbers("n")[5], 2.0);
}

TEST(RolloutMetricsCsvWriter, WritesOneRowPerRolloutWithNoneMetricsAsSpaceSeparatedValues) {
  ScratchDir dir;
  const std::string path = dir.file("rollout_metrics.csv");
  phantom::write_rollout_metrics_csv(path, rollouts());
  EXPECT_EQ(read_all(path), kMetricsCsv);
  EXPECT_FALSE(fs::exists(path + ".partial"));

  const phantom::CsvTable table = phantom::read_csv(path);
  EXPECT_EQ(table.rows[0][table.column("stock")], "1 2.5 3");
  EXPECT_EQ(table.numbers("profit"), (std::vector<double>{12.5, -1}));
  EXPECT_TRUE(std::isnan(table.numbers("missing")[0]));
}

TEST(RolloutMetricsCsvWriter, AppendsToThePartialFileAndRenamesItOnClose) {
  ScratchDir dir;
  const std::string path = dir.file("rollout_metrics.csv");
  const std::vector<Rollout> rs = rollouts();
  {
    RolloutMetricsCsvWriter writer(path);
    writer.write(rs[0]);
    EXPECT_EQ(writer.rollouts(), 1u);
    EXPECT_FALSE(fs::exists(path));
    writer.write(rs[1]);
    EXPECT_EQ(read_all(path + ".partial"), kMetricsCsv);
    writer.close();
  }
  EXPECT_EQ(read_all(path), kMetricsCsv);
  EXPECT_FALSE(fs::exists(path + ".partial"));
  {
    RolloutMetricsCsvWriter unclosed(path);  // a new attempt: the finished file stays
    unclosed.write(rs[0]);
  }
  EXPECT_EQ(read_all(path), kMetricsCsv);
  EXPECT_TRUE(fs::exists(path + ".partial"));
}

TEST(RolloutMetricsCsvWriter, OtherParamsOrMetricsAreAConfigError) {
  ScratchDir dir;
  const std::string path = dir.file("rollout_metrics.csv");
  const std::vector<Rollout> rs = rollouts();
  RolloutMetricsCsvWriter writer(path);
  writer.write(rs[0]);

  Rollout other_metrics = rs[1];
  other_metrics.metrics.pop_back();
  std::string message = error_message<phantom::ConfigError>([&] { writer.write(other_metrics); });
  EXPECT_CONTAINS(message, "rollout metrics CSV '" + path + "'");
  EXPECT_CONTAINS(message, "rollout 1 has metrics (profit, stock)");
  EXPECT_CONTAINS(message, "are for metrics (profit, stock, missing)");

  Rollout other_params = rs[1];
  other_params.params.clear();
  message = error_message<phantom::ConfigError>([&] { writer.write(other_params); });
  EXPECT_CONTAINS(message, "rollout 1 has params ()");

  Rollout clash = rs[0];
  clash.metrics[0].name = "cost";
  message = error_message<phantom::ConfigError>(
      [&] { phantom::write_rollout_metrics_csv(dir.file("clash.csv"), {clash}); });
  EXPECT_CONTAINS(message, "two columns would be named 'cost'");

  writer.write(rs[1]);
  writer.close();
  EXPECT_EQ(read_all(path), kMetricsCsv);
}

}  // namespace
