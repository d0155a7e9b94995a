// The example programs' command-line parser (examples/common/command_line.hpp): --help, strict
// values whose errors name the flag and the expected form, and exit codes instead of aborts.
// tests/CMakeLists.txt also runs the example programs themselves with these command lines.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "nn/error.hpp"
#include "support/error_message.hpp"

namespace {

// The options of a training program, as supply_chain_train declares them.
struct TrainingCommandLine {
  int iterations = 3000;
  float lr = 1e-3f;
  uint64_t seed = 1;
  bool normalize = true;
  std::string results = "results";
  examples::CommandLine cli{"train", "Trains something."};

  TrainingCommandLine() {
    cli.integer("--iterations", "N", &iterations, 1, "training iterations")
        .real("--lr", "X", &lr, "learning rate")
        .seed("--seed", &seed, "the run's seed")
        .boolean("--normalize", &normalize, "normalise observations")
        .text("--results", "DIR", &results, "results directory");
  }
  std::string error(const std::vector<std::string>& args) {
    return test_support::message_of<phantom::ConfigError>([&] { cli.parse(args); });
  }
};

TEST(CommandLine, ReadsEveryKindOfValue) {
  TrainingCommandLine t;
  EXPECT_TRUE(t.cli.parse({"--iterations", "12", "--lr", "2.5e-4", "--seed", "9", "--normalize",
                           "0", "--results", "out dir"}));
  EXPECT_EQ(t.iterations, 12);
  EXPECT_EQ(t.lr, 2.5e-4f);
  EXPECT_EQ(t.seed, 9u);
  EXPECT_FALSE(t.normalize);
  EXPECT_EQ(t.results, "out dir");
}

TEST(CommandLine, HelpStopsBeforeAnythingElseIsRead) {
  TrainingCommandLine t;
  EXPECT_FALSE(t.cli.parse({"--help"}));
  EXPECT_FALSE(t.cli.parse({"--iterations", "5", "-h", "--iterations", "abc"}));
  EXPECT_EQ(t.iterations, 5);
}

TEST(CommandLine, UsageListsEveryOptionWithItsDefault) {
  TrainingCommandLine t;
  const std::string usage = t.cli.usage();
  EXPECT_HAS(usage, "Trains something.");
  EXPECT_HAS(usage, "usage: train [options]");
  EXPECT_HAS(usage, "--iterations N");
  EXPECT_HAS(usage, "training iterations (default 3000)");
  EXPECT_HAS(usage, "learning rate (default 0.001)");
  EXPECT_HAS(usage, "--normalize 0|1");
  EXPECT_HAS(usage, "--help");
}

// Reproducers: these command lines made supply_chain_train train 0 iterations and then fail
// ("--iterations ten"), or abort with exit code 134 (an uncaught exception).
TEST(CommandLine, ABadIntegerNamesTheFlagAndTheExpectedForm) {
  TrainingCommandLine t;
  for (const char* bad : {"0", "abc", "-3", "ten", "1e3", "+5", " 5", "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    const std::string m = t.error({"--iterations", bad});
    EXPECT_HAS(m, "option --iterations: '" + std::string(bad) + "'");
    EXPECT_HAS(m, "expected an integer from 1 to 2147483647");
  }
  EXPECT_HAS(t.error({"--iterations", "abc"}), "'abc' is not an integer");
  EXPECT_HAS(t.error({"--iterations", "-3"}), "'-3' is out of range");
  EXPECT_HAS(t.error({"--iterations", "0"}), "'0' is out of range");
  EXPECT_EQ(t.iterations, 3000);  // untouched
  EXPECT_HAS(t.error({"--seed", "-1"}), "option --seed: '-1' is out of range");
  EXPECT_HAS(t.error({"--normalize", "2"}), "expected an integer from 0 to 1");
}

TEST(CommandLine, ABadRealNamesTheFlagAndTheExpectedForm) {
  TrainingCommandLine t;
  for (const char* bad : {"abc", "inf", "nan", "1e99", "0x10", ""}) {
    SCOPED_TRACE(bad);
    const std::string m = t.error({"--lr", bad});
    EXPECT_HAS(m, "option --lr: '" + std::string(bad) + "'");
    EXPECT_HAS(m, "expected a finite number");
  }
  EXPECT_HAS(t.error({"--lr", "abc"}), "'abc' is not a number");
  EXPECT_EQ(t.lr, 1e-3f);
}

TEST(CommandLine, UnknownOptionsAndMissingValuesAreErrors) {
  TrainingCommandLine t;
  EXPECT_HAS(t.error({"--iteration", "5"}), "unknown option '--iteration'");
  EXPECT_HAS(t.error({"extra"}), "unknown option 'extra'");
  EXPECT_HAS(t.error({"--iterations"}), "option --iterations needs a value: --iterations N");
}

// parse_or_exit: what main() returns. argv is built as a program receives it.
std::optional<int> exit_code(TrainingCommandLine& t, std::vector<std::string> args) {
  args.insert(args.begin(), "train");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return t.cli.parse_or_exit(static_cast<int>(argv.size()), argv.data());
}

TEST(CommandLine, ExitCodesAreZeroForHelpTwoForABadCommandLine) {
  TrainingCommandLine t;
  testing::internal::CaptureStdout();
  EXPECT_EQ(exit_code(t, {"--help"}), 0);
  EXPECT_HAS(testing::internal::GetCapturedStdout(), "usage: train");
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"--iterations", "0"},
                                             {"--iterations", "abc"},
                                             {"--iterations", "-3"},
                                             {"--lr", "abc"}}) {
    testing::internal::CaptureStderr();
    EXPECT_EQ(exit_code(t, bad), 2);
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_HAS(err, "train: option " + bad[0]);
    EXPECT_HAS(err, "train --help lists the options");
  }
  EXPECT_EQ(exit_code(t, {"--iterations", "7"}), std::nullopt);
  EXPECT_EQ(t.iterations, 7);
}

TEST(RunMain, APhantomErrorBecomesAMessageAndExitCodeOne) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(examples::run_main(
                "train",
                []() -> int { throw phantom::ConfigError("PpoOptions: gamma must be in [0, 1]"); }),
            1);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "train: PpoOptions: gamma must be in [0, 1]\n");
  EXPECT_EQ(examples::run_main("train", [] { return 3; }), 3);
}

}  // namespace
