// Tests of the phantom-plot tool's logic (analysis/plot_cli.hpp), run on CSV files written here:
// the SVG it writes parses and holds the expected series and points or bars; usage errors
// return 2 and other errors 1, with messages that name the column or option at fault.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/plot_cli.hpp"
#include "analysis/svg_plot.hpp"
#include "nn/error.hpp"
#include "support/xml_parser.hpp"
#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;
using analysis_test::read_all;
using analysis_test::ScratchDir;
using analysis_test::write_all;
using Strings = std::vector<std::string>;

// A metrics file as a trainer writes it: two policies' reward means with a gap each, a loss.
constexpr const char* kMetrics =
    "iteration,env_steps,policy/shop/reward_mean,policy/warehouse/reward_mean,loss\n"
    "1,400,-3.5,10,0.9\n"
    "2,800,-2,,0.7\n"
    "3,1200,-1,12,0.6\n"
    "4,1600,,13,0.65\n"
    "5,2000,0.5,14,0.4\n";

// One run of the tool: its exit status and what it printed.
struct PlotRun {
  int status;
  std::string out;
  std::string err;
};

PlotRun plot(const Strings& args) {
  std::ostringstream out, err;
  const int status = phantom::run_phantom_plot(args, out, err);
  return {status, out.str(), err.str()};
}

// Points per polyline of a series, in document order.
std::vector<std::size_t> run_lengths(const xml_test::Element& svg, const std::string& series) {
  std::vector<std::size_t> lengths;
  for (const xml_test::Element* p : svg.find_all("polyline", "series")) {
    if (p->attr("data-series") != series) continue;
    const std::string& points = p->attr("points");
    lengths.push_back(points.empty() ? 0 : 1 + std::count(points.begin(), points.end(), ' '));
  }
  return lengths;
}

Strings series_names(const xml_test::Element& svg) {
  Strings names;
  for (const xml_test::Element* e : svg.find_all("g", "legend-entry")) {
    names.push_back(e->attr("data-series"));
  }
  return names;
}

TEST(PlotCli, DrawsEveryRewardMeanColumnAgainstIterationByDefault) {
  ScratchDir dir;
  write_all(dir.file("metrics.csv"), kMetrics);
  const PlotRun r = plot({dir.file("metrics.csv"), "-o", dir.file("reward.svg")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_CONTAINS(r.out, "reward.svg (line chart: 2 series, 8 points)");

  const xml_test::Element svg = xml_test::parse(read_all(dir.file("reward.svg")));
  EXPECT_EQ(series_names(svg),
            (Strings{"policy/shop/reward_mean", "policy/warehouse/reward_mean"}));
  // Empty cells are gaps: shop has {1,2,3} {5}, warehouse {1} {3,4,5}.
  EXPECT_EQ(run_lengths(svg, "policy/shop/reward_mean"), (std::vector<std::size_t>{3, 1}));
  EXPECT_EQ(run_lengths(svg, "policy/warehouse/reward_mean"), (std::vector<std::size_t>{1, 3}));
  EXPECT_TRUE(run_lengths(svg, "loss").empty());
  EXPECT_EQ(svg.find_all("text", "x-label")[0]->text, "iteration");
  EXPECT_EQ(svg.find_all("text", "title")[0]->text, dir.file("metrics.csv"));
}

TEST(PlotCli, DrawsTheChosenColumnsWithATitle) {
  ScratchDir dir;
  write_all(dir.file("metrics.csv"), kMetrics);
  const PlotRun r = plot({dir.file("metrics.csv"), "--x=env_steps", "--y", "loss", "--y",
                          "policy/shop/reward_mean", "--title", "PPO <run 1> & \"friends\"",
                          "--output", dir.file("chosen.svg")});
  ASSERT_EQ(r.status, 0) << r.err;
  const xml_test::Element svg = xml_test::parse(read_all(dir.file("chosen.svg")));
  EXPECT_EQ(series_names(svg), (Strings{"loss", "policy/shop/reward_mean"}));
  EXPECT_EQ(run_lengths(svg, "loss"), (std::vector<std::size_t>{5}));
  EXPECT_EQ(svg.find_all("text", "title")[0]->text, "PPO <run 1> & \"friends\"");
  EXPECT_EQ(svg.find_all("text", "x-label")[0]->text, "env_steps");
}

TEST(PlotCli, DrawsAHistogramWithTheGivenBins) {
  ScratchDir dir;
  write_all(dir.file("metrics.csv"), kMetrics);
  const PlotRun r = plot({dir.file("metrics.csv"), "--hist", "policy/shop/reward_mean", "--bins",
                          "4", "-o", dir.file("hist.svg")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "4 values in 4 bins, 1 empty or non-finite skipped");
  const xml_test::Element svg = xml_test::parse(read_all(dir.file("hist.svg")));
  const auto bars = svg.find_all("rect", "bar");
  ASSERT_EQ(bars.size(), 4u);
  // -3.5, -2, -1, 0.5 over [-3.5, 0.5] in bins of width 1.
  Strings counts;
  for (const auto* bar : bars) counts.push_back(bar->attr("data-count"));
  EXPECT_EQ(counts, (Strings{"1", "1", "1", "1"}));
  EXPECT_EQ(svg.find_all("text", "note")[0]->text, "1 non-finite value skipped");
}

TEST(PlotCli, HelpPrintsTheUsage) {
  const PlotRun r = plot({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, phantom::phantom_plot_usage());
  EXPECT_CONTAINS(r.out, "Usage: phantom-plot METRICS.csv... -o OUT.svg");
  EXPECT_EQ(plot({"-h"}).status, 0);
}

TEST(PlotCli, AnUnknownColumnIsAnErrorListingTheColumns) {
  ScratchDir dir;
  write_all(dir.file("metrics.csv"), kMetrics);
  for (const Strings& extra :
       {Strings{"--y", "nope"}, Strings{"--x", "nope"}, Strings{"--hist", "nope"}}) {
    Strings args = {dir.file("metrics.csv"), "-o", dir.file("x.svg")};
    args.insert(args.end(), extra.begin(), extra.end());
    const PlotRun r = plot(args);
    EXPECT_EQ(r.status, phantom::kPlotError);
    EXPECT_EQ(r.status, 1);
    EXPECT_CONTAINS(r.err, "has no column 'nope' (given to " + extra[0] + ")");
    EXPECT_CONTAINS(r.err, "'iteration', 'env_steps', 'policy/shop/reward_mean'");
    EXPECT_FALSE(fs::exists(dir.file("x.svg")));
  }
}

TEST(PlotCli, AMissingOutputIsAUsageError) {
  ScratchDir dir;
  write_all(dir.file("metrics.csv"), kMetrics);
  const PlotRun r = plot({dir.file("metrics.csv")});
  EXPECT_EQ(r.status, phantom::kPlotUsageError);
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "phantom-plot: no output file: give -o OUT.svg");
  EXPECT_CONTAINS(r.err, "--help");
  EXPECT_EQ(r.out, "");
}

TEST(PlotCli, OtherBadCommandLinesAreUsageErrors) {
  const std::vector<std::pair<Strings, std::string>> cases = {
      {{"m.csv", "-o", "x.svg", "--colour", "red"}, "unknown option '--colour'"},
      {{"m.csv", "-o"}, "-o needs a value"},
      {{"-o", "x.svg"}, "no CSV file given"},
      {{"a.csv", "b.csv", "--hist", "loss", "-o", "x.svg"}, "--hist draws one CSV file, got 2"},
      {{"a.csv", "--smooth", "1", "-o", "x.svg"}, "--smooth expects a weight from 0 up to"},
      {{"a.csv", "--smooth", "abc", "-o", "x.svg"}, "--smooth expects a weight from 0 up to"},
      {{"a.csv", "--hist", "loss", "--smooth", "0.5", "-o", "x.svg"},
       "--smooth applies only to line charts"},
      {{"m.csv", "-o", "x.svg", "--hist", "loss", "--bins", "many"},
       "--bins expects a whole number from 1 to 10000, not 'many'"},
      {{"m.csv", "-o", "x.svg", "--hist", "loss", "--bins", "0"}, "not '0'"},
      {{"m.csv", "-o", "x.svg", "--bins", "3"}, "--bins applies only to --hist"},
      {{"m.csv", "-o", "x.svg", "--hist", "loss", "--y", "loss"}, "cannot be combined"},
      {{"m.csv", "-o", "x.svg", "-o", "y.svg"}, "-o given twice"},
  };
  for (const auto& [args, message] : cases) {
    const PlotRun r = plot(args);
    EXPECT_EQ(r.status, 2) << message;
    EXPECT_CONTAINS(r.err, message);
  }
}

TEST(PlotCli, FileAndDataProblemsAreErrors) {
  ScratchDir dir;
  const std::string out = dir.file("x.svg");

  PlotRun r = plot({dir.file("missing.csv"), "-o", out});
  EXPECT_EQ(r.status, 1);
  EXPECT_CONTAINS(r.err, "missing.csv");

  write_all(dir.file("text.csv"), "iteration,policy/a/reward_mean\n1,2\n2,lots\n");
  r = plot({dir.file("text.csv"), "-o", out});
  EXPECT_EQ(r.status, 1);
  EXPECT_CONTAINS(r.err, "line 3, column 'policy/a/reward_mean': 'lots' is not a number");

  write_all(dir.file("loss.csv"), "iteration,loss\n1,0.5\n");
  r = plot({dir.file("loss.csv"), "-o", out});
  EXPECT_EQ(r.status, 1);
  EXPECT_CONTAINS(r.err, "no column ending in 'reward_mean'");
  EXPECT_CONTAINS(r.err, "--y");
  EXPECT_CONTAINS(r.err, "'loss'");

  write_all(dir.file("header.csv"), "iteration,policy/a/reward_mean\n");
  r = plot({dir.file("header.csv"), "-o", out});
  EXPECT_EQ(r.status, 1);
  EXPECT_CONTAINS(r.err, "no rows");

  write_all(dir.file("metrics.csv"), kMetrics);
  r = plot({dir.file("metrics.csv"), "-o", dir.file("no/such/dir/x.svg")});
  EXPECT_EQ(r.status, 1);
  EXPECT_CONTAINS(r.err, "no/such/dir/x.svg");
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace

// Reproducer: --hist on a column whose values are all equal and >= 1e17 cast NaN to size_t.
TEST(PlotCli, AHistogramOfEqualHugeValuesWithNonFiniteOnes) {
  ScratchDir dir;
  write_all(dir.file("m.csv"), "iteration,x\n1,1e17\n2,1e17\n3,inf\n4,nan\n5,\n6,1e17\n");
  const PlotRun r = plot({dir.file("m.csv"), "--hist", "x", "-o", dir.file("h.svg")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "3 values in 1 bin");
  const xml_test::Element svg = xml_test::parse(read_all(dir.file("h.svg")));
  const auto bars = svg.find_all("rect", "bar");
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_EQ(bars[0]->attr("data-count"), "3");
  // A column of nothing but inf and NaN has nothing to count: an error, not a crash.
  write_all(dir.file("n.csv"), "x\ninf\nnan\n-inf\n");
  const PlotRun none = plot({dir.file("n.csv"), "--hist", "x", "-o", dir.file("n.svg")});
  EXPECT_NE(none.status, 0);
  EXPECT_CONTAINS(none.err, "no finite values");
}

namespace {

// Two runs' metrics as a trainer writes them, each in its run directory, with an evaluation
// column that holds a value every other row.
constexpr const char* kRunA =
    "iteration,policy/shop/reward_mean,evaluation/policy/shop/reward_mean\n"
    "1,1,\n2,2,5\n3,3,\n4,4,7\n";
constexpr const char* kRunB =
    "iteration,policy/shop/reward_mean,evaluation/policy/shop/reward_mean\n"
    "1,0,\n2,1,4\n3,,\n4,3,6\n";

TEST(PlotCli, OverlaysRunsNamedByTheirDirectoriesAndJoinsEvaluationValues) {
  ScratchDir dir;
  fs::create_directories(dir.file("run-a"));
  fs::create_directories(dir.file("run-b"));
  write_all(dir.file("run-a/metrics.csv"), kRunA);
  write_all(dir.file("run-b/metrics.csv"), kRunB);
  const PlotRun r =
      plot({dir.file("run-a/metrics.csv"), dir.file("run-b/metrics.csv"), "-o", dir.file("o.svg")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "(line chart: 4 series, 11 points from 2 files)");
  const xml_test::Element svg = xml_test::parse(read_all(dir.file("o.svg")));
  EXPECT_EQ(
      series_names(svg),
      (Strings{"run-a: policy/shop/reward_mean", "run-a: evaluation/policy/shop/reward_mean",
               "run-b: policy/shop/reward_mean", "run-b: evaluation/policy/shop/reward_mean"}));
  // Training's empty cell stays a gap; evaluation's two values are one line.
  EXPECT_EQ(run_lengths(svg, "run-b: policy/shop/reward_mean"), (std::vector<std::size_t>{2, 1}));
  EXPECT_EQ(run_lengths(svg, "run-a: evaluation/policy/shop/reward_mean"),
            (std::vector<std::size_t>{2}));
  EXPECT_CONTAINS(svg.find_all("text", "title")[0]->text, "and 1 more");

  // Files that are not runs' metrics.csv are named by their paths.
  write_all(dir.file("a.csv"), kRunA);
  write_all(dir.file("b.csv"), kRunB);
  const PlotRun p = plot({dir.file("a.csv"), dir.file("b.csv"), "--y", "policy/shop/reward_mean",
                          "--smooth", "0.5", "-o", dir.file("p.svg")});
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_EQ(series_names(xml_test::parse(read_all(dir.file("p.svg")))),
            (Strings{dir.file("a.csv") + ": policy/shop/reward_mean (smoothed 0.5)",
                     dir.file("b.csv") + ": policy/shop/reward_mean (smoothed 0.5)"}));

  // A column one file lacks names that file.
  write_all(dir.file("c.csv"), "iteration,loss\n1,2\n");
  const PlotRun q = plot({dir.file("a.csv"), dir.file("c.csv"), "--y", "policy/shop/reward_mean",
                          "-o", dir.file("q.svg")});
  EXPECT_EQ(q.status, 1);
  EXPECT_CONTAINS(q.err, "CSV '" + dir.file("c.csv") + "' has no column 'policy/shop/reward_mean'");
}

TEST(PlotCli, SmoothingIsTensorBoardsDebiasedMovingAverage) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> v = {1.0, nan, 3.0, 5.0};
  phantom::smooth_ema(v, 0.5);
  // s1 = 0.5 / 0.5 = 1; s2 = (0.25 + 1.5) / 0.75 = 7/3; s3 = (0.875 + 2.5) / 0.875 = 27/7.
  EXPECT_DOUBLE_EQ(v[0], 1.0);
  EXPECT_TRUE(std::isnan(v[1]));
  EXPECT_DOUBLE_EQ(v[2], 7.0 / 3.0);
  EXPECT_DOUBLE_EQ(v[3], 27.0 / 7.0);
  std::vector<double> same = {4.0, 4.0, 4.0};
  phantom::smooth_ema(same, 0.9);  // a constant stays itself: the start is not pulled to 0
  for (double x : same) EXPECT_DOUBLE_EQ(x, 4.0);
  std::vector<double> raw = {1.0, 9.0};
  phantom::smooth_ema(raw, 0.0);
  EXPECT_EQ(raw, (std::vector<double>{1.0, 9.0}));
  EXPECT_THROW(phantom::smooth_ema(raw, 1.0), phantom::ConfigError);
}

}  // namespace
