// Offline experience files: a worker's output reads back bit for bit (two policies, agents with
// different episode lengths), floats of every kind survive the JSON text, files roll at the size
// limit with the documented names, a torn last line is skipped and reported, bad lines are
// skipped up to a limit, and sources resolve to files (a file, a directory, a glob pattern).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "analysis/test_files.hpp"
#include "nn/error.hpp"
#include "support/error_message.hpp"
#include "support/uneven_env.hpp"
#include "trainers/offline/batch_json.hpp"
#include "trainers/offline/input_files.hpp"
#include "trainers/offline/json_reader.hpp"
#include "trainers/sampling/rollout_worker.hpp"
#include "trainers/worker_test_policies.hpp"

namespace {

using analysis_test::ScratchDir;
using phantom::MultiAgentBatch;
using phantom::RolloutWorker;
using phantom::RolloutWorkerOptions;

std::unique_ptr<RolloutWorker> two_policy_worker(const RolloutWorkerOptions& o) {
  auto log = std::make_shared<uneven::DecodeLog>();
  auto pa = std::make_shared<worker_test::FixedLogitsPolicy>(
      phantom::discrete(16), phantom::discrete(2), std::vector<float>{0.3f, -0.2f}, 0.25f);
  auto pb = std::make_shared<worker_test::FixedLogitsPolicy>(
      phantom::discrete(16), phantom::discrete(2), std::vector<float>{-1.1f, 0.7f}, -0.5f);
  phantom::PolicyMapping mapping;
  mapping.add("pa", phantom::agent_ids({"A"}));
  mapping.add("pb", phantom::agent_ids({"B"}));
  return std::make_unique<RolloutWorker>(
      [log](const phantom::EnvContext&) {
        return uneven::make_env({{"A", 3}, {"B", 7, /*by_truncation=*/true}}, log, 9);
      },
      phantom::PolicyMap{{"pa", pa}, {"pb", pb}}, mapping, o);
}

void expect_identical(const MultiAgentBatch& a, const MultiAgentBatch& b, int which) {
  EXPECT_EQ(a.env_steps, b.env_steps) << "batch " << which;
  ASSERT_EQ(a.policy_ids(), b.policy_ids()) << "batch " << which;
  for (const auto& [id, batch] : a.policy_batches) {
    EXPECT_TRUE(batch.identical(b.batch(id))) << "batch " << which << ", policy " << id;
  }
}

TEST(OfflineFiles, AWorkersOutputReadsBackBitForBit) {
  ScratchDir dir;
  RolloutWorkerOptions o;
  o.rollout_fragment_length = 5;  // cuts episodes of 9 steps anywhere
  o.seed = 3;
  o.output_dir = dir.file("out");
  auto worker = two_policy_worker(o);
  std::vector<MultiAgentBatch> sampled;
  for (int k = 0; k < 4; ++k) sampled.push_back(worker->sample());
  ASSERT_GT(sampled[0].batch("pa").size(), 0);
  ASSERT_GT(sampled[0].batch("pb").size(), 0);
  // Both policies have rows in every batch, of agents that live 3 and 7 steps.
  const std::vector<std::string> files = phantom::find_input_files(dir.file("out"));
  ASSERT_EQ(files.size(), 1u);
  phantom::JsonReader reader(files, nn::Rng(1));
  for (int k = 0; k < 4; ++k) expect_identical(sampled[k], reader.next(), k);
  // Exhausted, the reader starts again (its only file).
  expect_identical(sampled[0], reader.next(), 0);
  EXPECT_EQ(reader.skipped_lines(), 0);
  EXPECT_EQ(reader.torn_lines(), 0);
}

TEST(OfflineFiles, EveryKindOfFloatAndLargeIntegersSurviveTheText) {
  phantom::SampleBatch b;
  const auto f = b.add_column("x", 2, phantom::ColumnType::float32);
  const auto i = b.add_column("id", 1, phantom::ColumnType::int64);
  const std::vector<float> values = {0.1f,
                                     1.0f / 3.0f,
                                     -0.0f,
                                     1.0f,
                                     std::numeric_limits<float>::denorm_min(),
                                     std::numeric_limits<float>::max(),
                                     -std::numeric_limits<float>::min(),
                                     16777217.0f,
                                     std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN()};
  b.resize(static_cast<int64_t>(values.size() / 2));
  std::copy(values.begin(), values.end(), b.f32(f));
  for (int64_t r = 0; r < b.size(); ++r) b.i64(i)[r] = std::numeric_limits<int64_t>::min() + r;
  MultiAgentBatch batch;
  batch.env_steps = 5;
  batch.policy_batches["p \"quoted\""] = b;
  std::string line;
  phantom::append_batch_json(line, batch);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const MultiAgentBatch back = phantom::parse_batch_json(line);
  const phantom::SampleBatch& c = back.batch("p \"quoted\"");
  ASSERT_EQ(c.type("id"), phantom::ColumnType::int64);
  ASSERT_EQ(c.type("x"), phantom::ColumnType::float32);
  EXPECT_EQ(c.width("x"), 2);
  for (std::size_t k = 0; k + 1 < values.size(); ++k) {  // all but the NaN, bit for bit
    uint32_t want = 0, got = 0;
    std::memcpy(&want, &values[k], 4);
    std::memcpy(&got, c.f32("x") + k, 4);
    EXPECT_EQ(got, want) << "value " << k << " in " << line;
  }
  EXPECT_TRUE(std::isnan(c.f32("x")[values.size() - 1]));
  EXPECT_EQ(c.i64("id")[0], std::numeric_limits<int64_t>::min());
  EXPECT_EQ(back.env_steps, 5);
  // 1.0 is written "1.0", so the column stays float32; the NaN and infinity as Python writes them.
  EXPECT_HAS(line, "[-0.0,1.0]");
  EXPECT_HAS(line, "Infinity,NaN]");
}

TEST(OfflineFiles, NamesWhatIsWrongWithALine) {
  using test_support::message_of;
  EXPECT_HAS(message_of<phantom::FormatError>([] { phantom::parse_batch_json("{\"count\":1}"); }),
             "no \"type\"");
  EXPECT_HAS(message_of<phantom::FormatError>(
                 [] { phantom::parse_batch_json("{\"type\":\"SampleBatch\",\"count\":1}"); }),
             "record type 'SampleBatch'");
  EXPECT_HAS(
      message_of<phantom::FormatError>([] {
        phantom::parse_batch_json(
            R"({"type":"MultiAgentBatch","count":1,"policy_batches":{"p":{"obs":[[1.0,2.0],[3.0]]}}})");
      }),
      "column 'obs': row 1 has 1 values, expected 2");
  EXPECT_HAS(message_of<phantom::FormatError>([] {
               phantom::parse_batch_json(
                   R"({"type":"MultiAgentBatch","count":1,"policy_batches":{"p":{"r":[1e39]}}})");
             }),
             "beyond a float");
  EXPECT_HAS(
      message_of<phantom::FormatError>([] { phantom::parse_batch_json("{\"type\":\"Multi"); }),
      "unterminated string");
  // Found by fuzzing: a policy id that is not UTF-8 was read, then written with U+FFFD in its
  // place, so it read back as another id. JSON is UTF-8: such a name is refused.
  EXPECT_HAS(message_of<phantom::FormatError>([] {
               phantom::parse_batch_json(
                   "{\"type\":\"MultiAgentBatch\",\"count\":0,\"policy_batches\":{\"\xff"
                   "p\":{\"x\":[1.0]}}}");
             }),
             "not valid UTF-8");
  EXPECT_HAS(message_of<phantom::FormatError>([] {
               phantom::parse_batch_json(
                   R"({"type":"MultiAgentBatch","count":0,"policy_batches":{"\udc00":{}}})");
             }),
             "lone low surrogate");
  // Valid UTF-8 and escapes read back as the same name.
  const phantom::MultiAgentBatch named = phantom::parse_batch_json(
      R"({"type":"MultiAgentBatch","count":0,"policy_batches":{"caf\u00e9 \ud83d\ude00 \u00e9":{"x":[1.0]}}})");
  EXPECT_TRUE(named.has_policy("caf\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9"));
}

TEST(OfflineFiles, RollToANewFileOnceTheSizeLimitIsReached) {
  ScratchDir dir;
  RolloutWorkerOptions o;
  o.rollout_fragment_length = 2;
  o.seed = 3;
  o.worker_index = 4;
  o.output_dir = dir.file("out");
  o.output_max_file_size = 1;  // every line fills its file
  auto worker = two_policy_worker(o);
  for (int k = 0; k < 3; ++k) worker->sample();
  const std::vector<std::string> files = phantom::find_input_files(dir.file("out"));
  ASSERT_EQ(files.size(), 3u);
  const std::regex name(R"(output-\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_worker-4_(\d)\.json)");
  std::vector<std::string> indices;
  for (const std::string& file : files) {
    const std::string base = analysis_test::fs::path(file).filename().string();
    std::smatch m;
    ASSERT_TRUE(std::regex_match(base, m, name)) << base;
    indices.push_back(m[1]);
    const std::string text = analysis_test::read_all(file);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << base;
  }
  std::sort(indices.begin(), indices.end());
  EXPECT_EQ(indices, (std::vector<std::string>{"0", "1", "2"}));

  // With a limit of two lines' worth, the third batch starts the second file.
  ScratchDir two;
  o.output_dir = two.file("out");
  o.output_max_file_size = static_cast<int64_t>(analysis_test::read_all(files[0]).size()) + 1;
  auto again = two_policy_worker(o);
  for (int k = 0; k < 3; ++k) again->sample();
  EXPECT_EQ(phantom::find_input_files(two.file("out")).size(), 2u);
}

// Two lines of a worker's output, for hand-made files.
std::vector<std::string> two_lines() {
  RolloutWorkerOptions o;
  o.rollout_fragment_length = 2;
  o.seed = 3;
  auto worker = two_policy_worker(o);
  std::vector<std::string> lines(2);
  for (std::string& line : lines) phantom::append_batch_json(line, worker->sample());
  return lines;
}

TEST(OfflineFiles, ATornLastLineIsSkippedAndReported) {
  ScratchDir dir;
  const std::vector<std::string> lines = two_lines();
  const std::string path = dir.file("torn.json");
  analysis_test::write_all(
      path, lines[0] + "\n" + lines[1] + "\n" + lines[1].substr(0, lines[1].size() / 2));
  std::vector<std::string> warnings;
  phantom::JsonReaderOptions options;
  options.on_warning = [&](const std::string& w) { warnings.push_back(w); };
  phantom::JsonReader reader({path}, nn::Rng(1), options);
  const std::string first = [&] {
    std::string s;
    phantom::append_batch_json(s, reader.next());
    return s;
  }();
  EXPECT_EQ(first, lines[0]);
  reader.next();
  EXPECT_EQ(reader.torn_lines(), 0);
  std::string third;
  phantom::append_batch_json(third, reader.next());  // the torn line is skipped: line 1 again
  EXPECT_EQ(third, lines[0]);
  EXPECT_EQ(reader.torn_lines(), 1);
  EXPECT_EQ(reader.skipped_lines(), 0);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_HAS(warnings[0], "torn.json', line 3");
  EXPECT_HAS(warnings[0], "no newline");

  // A complete last line without its newline (a file written by hand) is read.
  const std::string hand = dir.file("hand.json");
  analysis_test::write_all(hand, lines[1]);
  phantom::JsonReader by_hand({hand}, nn::Rng(1));
  std::string read;
  phantom::append_batch_json(read, by_hand.next());
  EXPECT_EQ(read, lines[1]);
  EXPECT_EQ(by_hand.torn_lines(), 0);
}

TEST(OfflineFiles, BadLinesAreSkippedUpToALimitThenNamed) {
  ScratchDir dir;
  const std::vector<std::string> lines = two_lines();
  const std::string path = dir.file("bad.json");
  analysis_test::write_all(path, "\n{not json}\n" + lines[0] + "\n");
  phantom::JsonReader reader({path}, nn::Rng(1));
  reader.next();
  EXPECT_EQ(reader.skipped_lines(), 2);

  const std::string garbage = dir.file("garbage.json");
  analysis_test::write_all(garbage, "x\ny\nz\n");
  phantom::JsonReaderOptions options;
  options.max_bad_lines = 4;
  phantom::JsonReader hopeless({garbage}, nn::Rng(1), options);
  const std::string m = test_support::message_of<phantom::FormatError>([&] { hopeless.next(); });
  EXPECT_HAS(m, "garbage.json', line 2");  // the fifth bad line: the file's 3 lines, then 2 again
  EXPECT_HAS(m, "5 bad lines in a row");

  // Nothing but a torn line: counted as torn, and the limit still ends the search.
  const std::string torn = dir.file("only_torn.json");
  analysis_test::write_all(torn, lines[0].substr(0, 10));
  phantom::JsonReader never({torn}, nn::Rng(1), options);
  EXPECT_HAS(test_support::message_of<phantom::FormatError>([&] { never.next(); }),
             "5 bad lines in a row");
  EXPECT_EQ(never.torn_lines(), 5);

  const std::string empty = dir.file("empty.json");
  analysis_test::write_all(empty, "");
  phantom::JsonReader nothing({empty}, nn::Rng(1), options);
  EXPECT_HAS(test_support::message_of<phantom::FormatError>([&] { nothing.next(); }),
             "the file holds no line");
}

TEST(OfflineFiles, GlobPatternsMatchStarAndQuestionMark) {
  using phantom::glob_match;
  EXPECT_TRUE(glob_match("*.json", "output-1.json"));
  EXPECT_TRUE(glob_match("*.json", ".json"));
  EXPECT_FALSE(glob_match("*.json", "output.jsonl"));
  EXPECT_TRUE(glob_match("output-*_worker-?_*.json", "output-2026_worker-3_12.json"));
  EXPECT_FALSE(glob_match("output-*_worker-?_*.json", "output-2026_worker-13_1.json"));
  EXPECT_TRUE(glob_match("a*b*c", "abxbxc"));
  EXPECT_FALSE(glob_match("a*b*c", "abxbx"));
  EXPECT_TRUE(glob_match("a*", "a*b"));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("?", ""));
  EXPECT_TRUE(glob_match("**", "anything"));
}

TEST(OfflineFiles, SourcesNameAFileADirectoryOrAPattern) {
  ScratchDir dir;
  for (const char* name : {"b.json", "a.json", "a.txt", "c_1.json", "c_22.json"})
    analysis_test::write_all(dir.file(name), "");
  analysis_test::fs::create_directories(dir.path() / "sub.json");  // a directory: never a file
  EXPECT_EQ(phantom::find_input_files(dir.file("a.txt")),
            (std::vector<std::string>{dir.file("a.txt")}));
  EXPECT_EQ(phantom::find_input_files(dir.path().string()),
            (std::vector<std::string>{dir.file("a.json"), dir.file("b.json"), dir.file("c_1.json"),
                                      dir.file("c_22.json")}));
  EXPECT_EQ(phantom::find_input_files(dir.file("c_?.json")),
            (std::vector<std::string>{dir.file("c_1.json")}));
  EXPECT_EQ(phantom::find_input_files(dir.file("c_*")),
            (std::vector<std::string>{dir.file("c_1.json"), dir.file("c_22.json")}));
  const std::string m = test_support::message_of<phantom::ConfigError>(
      [&] { phantom::find_input_files(dir.file("d*.json")); });
  EXPECT_HAS(m, "no file found for '" + dir.file("d*.json") + "'");
  EXPECT_HAS(test_support::message_of<phantom::ConfigError>(
                 [&] { phantom::find_input_files(dir.file("missing")); }),
             "missing'");
}

}  // namespace
