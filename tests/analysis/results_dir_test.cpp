// Tests of results directories (analysis/results_dir.hpp): run names from a fixed clock, the
// suffix for a taken name, LATEST and what resolve() accepts, errors that name the path, the
// checkpoint names, and write_text_atomic.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "analysis/csv_logger.hpp"
#include "analysis/results_dir.hpp"
#include "nn/error.hpp"
#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;
using analysis_test::error_message;
using analysis_test::read_all;
using analysis_test::ScratchDir;
using analysis_test::write_all;
using phantom::ResultsDir;

// 2026-11-22 09:30:15 UTC.
std::chrono::system_clock::time_point fixed_time() {
  return std::chrono::system_clock::from_time_t(1795339815);
}
ResultsDir::Clock fixed_clock() {
  return fixed_time;
}

std::string resolve_error(const std::string& path) {
  return error_message<phantom::ConfigError>([&] { ResultsDir::resolve(path); });
}

TEST(ResultsDir, NamesRunsByUtcTimeAndSeed) {
  EXPECT_EQ(phantom::run_dir_name(fixed_time(), 7), "20261122-093015-seed7");
}

TEST(ResultsDir, CreateMakesTheRunDirectoryAndPointsLatestAtIt) {
  ScratchDir dir;
  const std::string base = dir.file("results");
  const ResultsDir run = ResultsDir::create(base, "cartpole", 7, fixed_clock());
  const fs::path expected = fs::path(base) / "cartpole" / "20261122-093015-seed7";
  EXPECT_EQ(run.path(), expected.string());
  EXPECT_TRUE(fs::is_directory(expected));
  EXPECT_EQ(run.experiment_dir(), (fs::path(base) / "cartpole").string());
  EXPECT_EQ(read_all(dir.file("results/cartpole/LATEST")), "20261122-093015-seed7\n");
  EXPECT_EQ(run.metrics_path(), (expected / "metrics.csv").string());
  EXPECT_EQ(run.config_path(), (expected / "config.txt").string());
}

TEST(ResultsDir, ATakenNameGetsASuffixAndLatestFollowsTheNewestRun) {
  ScratchDir dir;
  const std::string base = dir.file("results");
  ResultsDir::create(base, "exp", 1, fixed_clock());
  const ResultsDir second = ResultsDir::create(base, "exp", 1, fixed_clock());
  const ResultsDir third = ResultsDir::create(base, "exp", 1, fixed_clock());
  EXPECT_EQ(fs::path(second.path()).filename(), "20261122-093015-seed1-2");
  EXPECT_EQ(fs::path(third.path()).filename(), "20261122-093015-seed1-3");
  EXPECT_EQ(ResultsDir::resolve(dir.file("results/exp")), third.path());
  // Only the three runs and LATEST: no temporary file was left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.file("results/exp")), {}), 4);
}

TEST(ResultsDir, RejectsExperimentNamesThatAreNotOneDirectory) {
  ScratchDir dir;
  for (const std::string name : {"", ".", "..", "a/b", "a\\b"}) {
    EXPECT_CONTAINS(error_message<phantom::ConfigError>(
                        [&] { ResultsDir::create(dir.file("r"), name, 0, fixed_clock()); }),
                    "experiment name '" + name + "'");
  }
}

TEST(ResultsDir, ResolveAcceptsARunTheExperimentOrItsLatestFile) {
  ScratchDir dir;
  const ResultsDir run = ResultsDir::create(dir.file("results"), "exp", 3, fixed_clock());
  run.write_config("lr = 0.001\n");
  EXPECT_EQ(read_all(run.config_path()), "lr = 0.001\n");

  EXPECT_EQ(ResultsDir::resolve(run.path()), run.path());
  EXPECT_EQ(ResultsDir::resolve(run.path() + "/"), run.path());
  EXPECT_EQ(ResultsDir::resolve(dir.file("results/exp")), run.path());
  EXPECT_EQ(ResultsDir::resolve(dir.file("results/exp/LATEST")), run.path());
  EXPECT_EQ(ResultsDir::open(dir.file("results/exp/LATEST")).path(), run.path());
}

TEST(ResultsDir, ARunIsRecognisedByItsMetricsOrCheckpoints) {
  ScratchDir dir;
  fs::create_directories(dir.path() / "a");
  phantom::CsvMetricsLogger(dir.file("a/metrics.csv"), {"iteration"});
  EXPECT_EQ(ResultsDir::resolve(dir.file("a")), dir.file("a"));

  fs::create_directories(dir.path() / "b");
  write_all(ResultsDir(dir.file("b")).checkpoint_path(5), "x");
  EXPECT_EQ(ResultsDir::resolve(dir.file("b")), dir.file("b"));
}

TEST(ResultsDir, ResolveErrorsNameThePath) {
  ScratchDir dir;
  const std::string missing = dir.file("nowhere");
  EXPECT_CONTAINS(resolve_error(missing), "'" + missing + "' does not exist");

  fs::create_directories(dir.path() / "empty");
  EXPECT_CONTAINS(resolve_error(dir.file("empty")), "'" + dir.file("empty") + "' is empty");

  fs::create_directories(dir.path() / "other" / "sub");
  EXPECT_CONTAINS(resolve_error(dir.file("other")), "'" + dir.file("other") + "' is neither");

  write_all(dir.file("notes.txt"), "hi");
  EXPECT_CONTAINS(resolve_error(dir.file("notes.txt")),
                  "'" + dir.file("notes.txt") + "' is a file");
}

TEST(ResultsDir, ALatestNamingAMissingRunIsAnError) {
  ScratchDir dir;
  const ResultsDir run = ResultsDir::create(dir.file("results"), "exp", 3, fixed_clock());
  fs::remove_all(run.path());
  const std::string latest = dir.file("results/exp/LATEST");
  for (const std::string& path : {latest, dir.file("results/exp")}) {
    const std::string message = resolve_error(path);
    EXPECT_CONTAINS(message, "'" + latest + "' names run '20261122-093015-seed3'");
    EXPECT_CONTAINS(message, "'" + run.path() + "' does not exist");
  }
}

TEST(ResultsDir, ALatestThatIsNotAPlainNameIsAFormatError) {
  ScratchDir dir;
  fs::create_directories(dir.path() / "exp");
  const std::string latest = dir.file("exp/LATEST");
  for (const std::string text : {"", "\n", "../elsewhere", "/abs/run"}) {
    write_all(latest, text);
    EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { ResultsDir::resolve(latest); }),
                    "'" + latest + "' should hold the name of a run directory");
  }
}

TEST(ResultsDir, CheckpointNamesSortByIteration) {
  ScratchDir dir;
  const ResultsDir run(dir.path().string());
  EXPECT_EQ(fs::path(run.checkpoint_path(10)).filename(), "checkpoint-000010.bin");
  EXPECT_EQ(fs::path(run.checkpoint_path(1234567)).filename(), "checkpoint-1234567.bin");
  EXPECT_CONTAINS(error_message<phantom::ValueError>([&] { run.checkpoint_path(-1); }), "-1");

  EXPECT_TRUE(run.list_checkpoints().empty());
  EXPECT_FALSE(run.latest_checkpoint().has_value());

  for (const int64_t i : {int64_t{10}, int64_t{2}, int64_t{1234567}}) {
    write_all(run.checkpoint_path(i), "x");
  }
  // Neither checkpoints nor confusing: a temporary of an interrupted save, odd names, a directory.
  write_all(run.checkpoint_path(99) + ".tmp.123.0", "x");
  write_all(dir.file("checkpoint-abc.bin"), "x");
  write_all(dir.file("checkpoint-.bin"), "x");
  fs::create_directories(run.checkpoint_path(500));

  std::vector<int64_t> iterations;
  for (const phantom::CheckpointFile& c : run.list_checkpoints()) {
    iterations.push_back(c.iteration);
    EXPECT_EQ(c.path, run.checkpoint_path(c.iteration));
  }
  EXPECT_EQ(iterations, (std::vector<int64_t>{2, 10, 1234567}));
  EXPECT_EQ(run.latest_checkpoint()->iteration, 1234567);
}

TEST(WriteTextAtomic, ReplacesTheFileAndLeavesNoTemporary) {
  ScratchDir dir;
  const std::string path = dir.file("config.txt");
  phantom::write_text_atomic(path, "one");
  phantom::write_text_atomic(path, "two");
  EXPECT_EQ(read_all(path), "two");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), {}), 1);
}

TEST(WriteTextAtomic, NamesThePathItCannotWrite) {
  ScratchDir dir;
  const std::string path = dir.file("missing/config.txt");
  EXPECT_CONTAINS(error_message<phantom::Error>([&] { phantom::write_text_atomic(path, "x"); }),
                  "cannot write '" + path + "'");
  EXPECT_FALSE(fs::exists(dir.path() / "missing"));
}

}  // namespace

// Reproducer: "..\0" passed the old name check, and the system, which ends a name at NUL,
// opened the experiment's parent; "." or a bare NUL gave the experiment directory itself. A
// run name is printable, with no separator, not "." or ".."; only one trailing line break may
// follow it, as create() writes it.
TEST(ResultsDir, ALatestWithNulControlBytesOrDotsIsAFormatError) {
  ScratchDir dir;
  fs::create_directories(dir.path() / "exp" / "run1");
  write_all(dir.file("exp/run1/metrics.csv"), "iteration\n");
  const std::string latest = dir.file("exp/LATEST");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("..\0", 3), "holds '..\\x00'"},
      {std::string("..\0\n", 4), "holds '..\\x00\\x0A'"},
      {std::string(".\0", 2), "holds '.\\x00'"},
      {std::string("\0", 1), "holds '\\x00'"},
      {".", "holds '.'"},
      {"..\n", "holds '..\\x0A'"},
      {std::string("run1\0", 5), "holds 'run1\\x00'"},
      {"run1\r\n", "holds 'run1\\x0D\\x0A'"},
      {"run1\n\n", "holds 'run1\\x0A\\x0A'"},
      {"run\x01"
       "1\n",
       "holds 'run\\x011\\x0A'"},
      {"run1\x7F", "holds 'run1\\x7F'"},
      {"run1 \n", ""},  // a printable name: refused only because no such run exists
  };
  for (const auto& c : cases) {
    write_all(latest, c.first);
    if (c.second.empty()) {
      EXPECT_THROW(ResultsDir::resolve(latest), phantom::ConfigError);
      continue;
    }
    const std::string message =
        error_message<phantom::FormatError>([&] { ResultsDir::resolve(latest); });
    EXPECT_CONTAINS(message, "'" + latest + "' should hold the name of a run directory");
    EXPECT_CONTAINS(message, c.second);
  }
  for (const std::string text : {"run1", "run1\n"}) {
    write_all(latest, text);
    EXPECT_EQ(ResultsDir::resolve(latest), dir.file("exp/run1"));
    EXPECT_EQ(ResultsDir::resolve(dir.file("exp")), dir.file("exp/run1"));
  }
}

// The same rule decides experiment names.
TEST(ResultsDir, RejectsExperimentNamesWithControlBytes) {
  ScratchDir dir;
  for (const std::string& name :
       {std::string("a\0", 2), std::string("..\0", 3), std::string("a\tb"), std::string("a\nb")}) {
    EXPECT_CONTAINS(error_message<phantom::ConfigError>(
                        [&] { ResultsDir::create(dir.file("r"), name, 0, fixed_clock()); }),
                    "must be a non-empty directory name of printable characters");
  }
  EXPECT_NO_THROW(ResultsDir::create(dir.file("r"), "my experiment \xC3\xA9", 0, fixed_clock()));
}
