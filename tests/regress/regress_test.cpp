// phantom-regress's building blocks (tools/regress/): the FNV-1a hash against its published test
// vectors, what a Digest leaves out and keeps, the golden files, the A/B noise band — and one
// workload against its committed checksum, so that `make test` alone catches a changed result.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "regress/digest.hpp"
#include "regress/fnv1a.hpp"
#include "regress/golden.hpp"
#include "regress/temp_dir.hpp"
#include "regress/timing.hpp"
#include "regress/workloads.hpp"

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The FNV-1a 64 vectors published with the algorithm (Noll's test suite: "", "a", "foobar").
TEST(Fnv1a64, MatchesThePublishedTestVectors) {
  EXPECT_EQ(regress::fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(regress::fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(regress::fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(Fnv1a64, NumbersAreHashedAsTheirLittleEndianBytes) {
  EXPECT_EQ(regress::Fnv1a64().u32(0x64636261u).value(), regress::fnv1a64("abcd"));
  EXPECT_EQ(regress::Fnv1a64().u64(0x6867666564636261ull).value(), regress::fnv1a64("abcdefgh"));
  const float zero = 0.0f, minus_zero = -0.0f;
  EXPECT_NE(regress::Fnv1a64().floats(&zero, 1).value(),
            regress::Fnv1a64().floats(&minus_zero, 1).value());
}

TEST(Digest, TheChecksumDependsOnNamesHashesAndOrder) {
  regress::Digest a, b, c;
  a.add("x", 1);
  a.add("y", 2);
  b.add("y", 2);
  b.add("x", 1);
  c.add("x", 1);
  c.add("z", 2);
  EXPECT_NE(a.checksum(), b.checksum());
  EXPECT_NE(a.checksum(), c.checksum());
}

TEST(Digest, CsvRowsLeaveOutTheWallClockColumnsOnly) {
  regress::TempDir dir;
  write(dir.path() + "/a.csv", "iteration,wall_seconds,reward\n1,0.5,3\n2,1.25,4\n");
  write(dir.path() + "/b.csv", "iteration,wall_seconds,reward\n1,0.75,3\n2,9,4\n");
  write(dir.path() + "/c.csv", "iteration,wall_seconds,reward\n1,0.5,3\n2,1.25,4.0\n");
  regress::Digest a, b, c;
  a.add_csv("m", dir.path() + "/a.csv", {"wall_seconds"});
  b.add_csv("m", dir.path() + "/b.csv", {"wall_seconds"});
  c.add_csv("m", dir.path() + "/c.csv", {"wall_seconds"});
  EXPECT_EQ(a.checksum(), b.checksum());
  ASSERT_EQ(a.outputs().size(), 3u);
  EXPECT_EQ(a.outputs()[2].name, "m:row 2");
  // "4" and "4.0" are the same number but not the same output.
  EXPECT_EQ(regress::first_difference(a.outputs(), c.outputs()).substr(0, 8), "m:row 2:");
}

TEST(Digest, TextFilesAreHashedByteForByte) {
  regress::TempDir dir;
  write(dir.path() + "/a.txt", "one\nthreads = 1\ntwo\n");
  write(dir.path() + "/b.txt", "one\nthreads = 4\ntwo\n");
  write(dir.path() + "/c.txt", "one\nthreads = 1\ntwo");  // no final line break
  regress::Digest a, b, c;
  a.add_text_file("t", dir.path() + "/a.txt", {"threads = "});
  b.add_text_file("t", dir.path() + "/b.txt", {"threads = "});
  c.add_text_file("t", dir.path() + "/c.txt", {"threads = "});
  EXPECT_EQ(a.checksum(), b.checksum());
  EXPECT_NE(a.checksum(), c.checksum());
  EXPECT_EQ(regress::first_difference(a.outputs(), c.outputs()).substr(0, 7), "t:line ");
}

TEST(Golden, WritesAndReadsChecksumsAndHistory) {
  regress::TempDir dir;
  regress::Golden g;
  g.history = {"2026-12-07 first", "2026-12-08 second"};
  g.set("alpha", 0x0123456789abcdefull);
  g.set("beta", 42);
  g.set("alpha", 7);
  regress::write_golden(dir.path() + "/golden.txt", g);
  const regress::Golden back = regress::read_golden(dir.path() + "/golden.txt");
  EXPECT_EQ(back.history, g.history);
  EXPECT_EQ(back.checksums, g.checksums);
  ASSERT_NE(back.find("alpha"), nullptr);
  EXPECT_EQ(*back.find("alpha"), 7u);
  EXPECT_EQ(back.find("gamma"), nullptr);
}

TEST(Golden, AMalformedLineIsAFormatErrorNamingFileAndLine) {
  regress::TempDir dir;
  const std::string path = dir.path() + "/golden.txt";
  write(path, "# comment\n\nalpha 0123456789abcdef\nbeta 12345\n");
  try {
    regress::read_golden(path);
    FAIL() << "no error for a short checksum";
  } catch (const phantom::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":4:"), std::string::npos) << e.what();
  }
  write(path, "0123456789abcdef ok\nnot a hash\n");
  EXPECT_THROW(regress::read_outputs(path), phantom::FormatError);
}

TEST(Golden, FirstDifferenceNamesTheOutput) {
  const std::vector<regress::Output> expected = {{"a", 1}, {"b", 2}, {"c", 3}};
  EXPECT_EQ(regress::first_difference(expected, expected), "");
  EXPECT_EQ(regress::first_difference(expected, {{"a", 1}, {"b", 5}, {"c", 3}}),
            "b: expected 0000000000000002, got 0000000000000005");
  EXPECT_EQ(regress::first_difference(expected, {{"a", 1}, {"x", 2}, {"c", 3}}),
            "output 2 is 'x', expected 'b'");
  EXPECT_EQ(regress::first_difference(expected, {{"a", 1}, {"b", 2}}),
            "2 outputs, expected 3 (first extra or missing: 'c')");
}

TEST(AbComparison, FlagsOnlyADifferenceOutsideTheNoiseBand) {
  // Equal builds on a drifting machine: pairs move together, ratios stay near 1.
  const std::vector<double> self = {1.0, 1.3, 0.9, 1.1, 1.2}, same = {1.01, 1.29, 0.91, 1.1, 1.19};
  EXPECT_FALSE(regress::compare_pairs("w", self, same).flagged);
  // 10 % slower in every pair, with the same drift.
  std::vector<double> slower;
  for (double t : self) slower.push_back(1.1 * t);
  const regress::AbResult r = regress::compare_pairs("w", self, slower);
  EXPECT_TRUE(r.flagged);
  EXPECT_NEAR(r.ratio, 1.1, 1e-12);
  // A ratio that swings as much as the difference it shows is noise.
  const std::vector<double> noisy = {1.3, 1.0, 0.95, 1.45, 1.1};
  const regress::AbResult n = regress::compare_pairs("w", self, noisy);
  EXPECT_GT(n.band, 0.1);
  EXPECT_FALSE(n.flagged) << "ratio " << n.ratio << " band " << n.band;
}

// One workload of the tool, checked against bench/regress/golden.txt: PPO on CartPole touches
// the kernels, autograd, Adam, the sampling layer, an env, the metrics CSV and checkpoints.
TEST(RegressGolden, PpoCartpoleStillProducesItsCommittedChecksum) {
  const regress::Golden golden =
      regress::read_golden(std::string(PHANTOM_TEST_SOURCE_DIR) + "/bench/regress/golden.txt");
  const uint64_t* expected = golden.find("ppo_cartpole");
  ASSERT_NE(expected, nullptr) << "bench/regress/golden.txt has no ppo_cartpole line";
  const regress::Workload* w = regress::find_workload("ppo_cartpole");
  ASSERT_NE(w, nullptr);
  regress::Digest d;
  w->run(d);
  const std::vector<regress::Output> outputs = regress::read_outputs(
      std::string(PHANTOM_TEST_SOURCE_DIR) + "/bench/regress/outputs/ppo_cartpole.txt");
  EXPECT_EQ(regress::hex(d.checksum()), regress::hex(*expected))
      << "first difference: " << regress::first_difference(outputs, d.outputs())
      << "\nIf the change is intended, run phantom-regress --update --reason \"...\"";
}

}  // namespace
