// Tests of the progress bar (analysis/progress_bar.hpp) with a fake clock: when plain lines and
// terminal redraws happen, their exact text, and the rate / duration formatting.
#include <gtest/gtest.h>

#include <stdlib.h>  // setenv, unsetenv

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/progress_bar.hpp"

namespace {

using phantom::ProgressBar;
using phantom::ProgressOptions;

// A clock the test moves by hand.
struct FakeClock {
  double now = 0.0;
  ProgressOptions options(ProgressOptions::Style style = ProgressOptions::Style::kAuto) {
    ProgressOptions o;
    o.style = style;
    o.clock = [this] { return now; };
    return o;
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ProgressBar, PlainLinesAtTheFirstUpdateThenEveryIntervalAndAtTheEnd) {
  FakeClock clock;
  std::ostringstream out;
  ProgressOptions options = clock.options();
  options.plain_interval_seconds = 10.0;
  ProgressBar bar(100, "train", out, options);
  EXPECT_FALSE(bar.on_terminal());  // a string stream is never a terminal

  clock.now = 1.0;
  bar.update(1, "reward=1.5");
  clock.now = 5.0;
  bar.update(5);  // too soon after the last line
  clock.now = 11.0;
  bar.update(11, "reward=2");
  clock.now = 12.0;
  bar.update(12);
  clock.now = 40.0;
  bar.update(100, "reward=3");  // the end: always drawn
  bar.update(100);
  bar.finish();

  EXPECT_EQ(lines_of(out.str()),
            (std::vector<std::string>{
                "train 1/100 (1%)  1.0 it/s  elapsed 0:01  ETA 1:39  reward=1.5",
                "train 11/100 (11%)  1.0 it/s  elapsed 0:11  ETA 1:29  reward=2",
                "train 100/100 (100%)  2.5 it/s  elapsed 0:40  ETA 0:00  reward=3",
            }));
}

TEST(ProgressBar, TerminalRedrawsOneLineInPlaceAtMostEveryRedrawInterval) {
  FakeClock clock;
  std::ostringstream out;
  ProgressOptions options = clock.options(ProgressOptions::Style::kTerminal);
  options.bar_width = 10;
  options.columns = 80;
  ProgressBar bar(100, "train", out, options);
  EXPECT_TRUE(bar.on_terminal());

  clock.now = 0.5;
  bar.update(10, "r=1");
  clock.now = 0.5625;
  bar.update(11, "r=1");  // within 0.1 s of the last redraw
  clock.now = 0.75;
  bar.update(15);
  clock.now = 1.0;
  bar.finish();

  const std::string first = "train [#.........]  10/100  10%  20.0 it/s  ETA 0:05  r=1";
  const std::string second = "train [#.........]  15/100  15%  20.0 it/s  ETA 0:04";
  const std::string last = "train [#.........]  15/100  15%  15.0 it/s  ETA 0:06";
  // A shorter line is padded with spaces to cover what the longer one before it left behind.
  const std::string padding(first.size() - second.size(), ' ');
  EXPECT_EQ(out.str(), "\r" + first + "\r" + second + padding + "\r" + last + "\n");
}

// The line a terminal `columns` wide shows for `make run`'s bar at iteration 40 of 3000, 2 s in.
std::string terminal_line_at(int columns) {
  FakeClock clock;
  std::ostringstream out;
  ProgressOptions options = clock.options(ProgressOptions::Style::kTerminal);
  options.columns = columns;
  ProgressBar bar(3000, "training ppo", out, options);
  clock.now = 2.0;
  bar.update(40, "reward=816.5");
  const std::string text = out.str();
  EXPECT_EQ(text.rfind('\r'), 0u) << "one line, drawn once: " << text;
  return text.substr(1);
}

// Reproducer: the bar's line was 86-88 characters, so an 80-column terminal wrapped it and each
// redraw left a line behind (23 stacked lines for `make run`). The line now fits in columns - 1
// characters (a line filling the last column makes some terminals wrap), giving up the bar's
// width first, then the extra fields, the rate and the ETA.
TEST(ProgressBar, TheTerminalLineFitsTheWidthAndNeverWraps) {
  EXPECT_EQ(terminal_line_at(200),
            "training ppo [........................]  40/3000  1%  20.0 it/s  ETA 2:28  "
            "reward=816.5");
  EXPECT_EQ(terminal_line_at(80),
            "training ppo [................]  40/3000  1%  20.0 it/s  ETA 2:28  reward=816.5");
  EXPECT_EQ(terminal_line_at(80).size(), 79u);
  EXPECT_EQ(terminal_line_at(40), "training ppo  40/3000  1%  ETA 2:28");
  for (int columns = 1; columns <= 200; ++columns) {
    EXPECT_LE(terminal_line_at(columns).size(), static_cast<std::size_t>(std::max(columns - 1, 0)))
        << columns << " columns";
  }
}

TEST(ProgressBar, APaddedRedrawStaysWithinTheWidth) {
  FakeClock clock;
  std::ostringstream out;
  ProgressOptions options = clock.options(ProgressOptions::Style::kTerminal);
  options.columns = 40;
  ProgressBar bar(0, "steps", out, options);
  clock.now = 1.0;
  bar.update(5, "a long extra field that cannot fit=1");
  clock.now = 2.0;
  bar.update(6);
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line, '\r');) {
    EXPECT_LE(line.size(), 39u) << "'" << line << "'";
  }
}

// Without a width given, a stream that is not a terminal's gets COLUMNS, else 80.
TEST(TerminalColumns, ComesFromColumnsThenDefaultsTo80) {
  std::ostringstream out;
  const char* saved = std::getenv("COLUMNS");
  const std::string saved_value = saved ? saved : "";
  ::setenv("COLUMNS", "132", 1);
  EXPECT_EQ(phantom::terminal_columns(out), 132);
  for (const char* bad : {"0", "abc", "-5", "", "1e3"}) {
    ::setenv("COLUMNS", bad, 1);
    EXPECT_EQ(phantom::terminal_columns(out), 80) << "COLUMNS='" << bad << "'";
  }
  ::unsetenv("COLUMNS");
  EXPECT_EQ(phantom::terminal_columns(out), 80);
  if (saved) ::setenv("COLUMNS", saved_value.c_str(), 1);
}

TEST(ProgressBar, UnknownTotalShowsCountAndRateOnly) {
  FakeClock clock;
  std::ostringstream out;
  {
    ProgressBar bar(0, "steps", out, clock.options());
    clock.now = 2.0;
    bar.update(5);
    clock.now = 5.0;
    bar.update(5);
  }  // the destructor draws the final line
  EXPECT_EQ(lines_of(out.str()), (std::vector<std::string>{"steps 5  2.5 it/s  elapsed 0:02",
                                                           "steps 5  1.0 it/s  elapsed 0:05"}));
}

TEST(ProgressBar, ARunResumedHalfwayCountsOnlyNewWorkInTheRate) {
  FakeClock clock;
  std::ostringstream out;
  ProgressOptions options = clock.options();
  options.initial = 50;
  options.unit = "iter";
  ProgressBar bar(100, "resume", out, options);
  clock.now = 10.0;
  bar.update(60);
  EXPECT_EQ(lines_of(out.str()).at(0), "resume 60/100 (60%)  1.0 iter/s  elapsed 0:10  ETA 0:40");
}

TEST(ProgressBar, TheDestructorFinishesAnInterruptedBarOnce) {
  FakeClock clock;
  std::ostringstream out;
  {
    ProgressBar bar(100, "x", out, clock.options());
    clock.now = 1.0;
    bar.update(1);
    clock.now = 2.0;
    bar.update(2);
  }
  EXPECT_EQ(lines_of(out.str()),
            (std::vector<std::string>{"x 1/100 (1%)  1.0 it/s  elapsed 0:01  ETA 1:39",
                                      "x 2/100 (2%)  1.0 it/s  elapsed 0:02  ETA 1:38"}));
}

TEST(ProgressBar, WorksWithTheRealClock) {
  std::ostringstream out;
  {
    ProgressBar bar(3, "real", out);
    for (int i = 1; i <= 3; ++i) bar.update(i);
  }
  const std::vector<std::string> lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].rfind("real 3/3 (100%)", 0), 0u) << lines[1];
}

TEST(FormatRate, ScalesWithPrefixesAndFlipsBelowOnePerSecond) {
  EXPECT_EQ(phantom::format_rate(12.5), "12.5 it/s");
  EXPECT_EQ(phantom::format_rate(1.0), "1.0 it/s");
  EXPECT_EQ(phantom::format_rate(850.0), "850 it/s");
  EXPECT_EQ(phantom::format_rate(999.4), "999 it/s");
  EXPECT_EQ(phantom::format_rate(999.6), "1.0k it/s");  // not "1000 it/s"
  EXPECT_EQ(phantom::format_rate(1234.0), "1.2k it/s");
  EXPECT_EQ(phantom::format_rate(12345.0), "12.3k it/s");
  EXPECT_EQ(phantom::format_rate(2.5e6, "steps"), "2.5M steps/s");
  EXPECT_EQ(phantom::format_rate(0.4), "2.5 s/it");
  EXPECT_EQ(phantom::format_rate(0.0), "? it/s");
  EXPECT_EQ(phantom::format_rate(std::numeric_limits<double>::infinity()), "? it/s");
  EXPECT_EQ(phantom::format_rate(std::nan("")), "? it/s");
}

TEST(FormatDuration, MinutesAndSecondsThenHours) {
  EXPECT_EQ(phantom::format_duration(0.0), "0:00");
  EXPECT_EQ(phantom::format_duration(42.0), "0:42");
  EXPECT_EQ(phantom::format_duration(42.6), "0:43");
  EXPECT_EQ(phantom::format_duration(725.0), "12:05");
  EXPECT_EQ(phantom::format_duration(3723.0), "1:02:03");
  EXPECT_EQ(phantom::format_duration(360000.0), "100:00:00");
  EXPECT_EQ(phantom::format_duration(-1.0), "?");
  EXPECT_EQ(phantom::format_duration(1e300), "?");
  EXPECT_EQ(phantom::format_duration(std::nan("")), "?");
}

TEST(ProgressField, FourSignificantDigits) {
  EXPECT_EQ(phantom::progress_field("reward", 12.3456), "reward=12.35");
  EXPECT_EQ(phantom::progress_field("loss", 0.000123456), "loss=0.0001235");
}

TEST(IsTerminal, OnlyTheStandardStreamsCanBeTerminals) {
  std::ostringstream out;
  EXPECT_FALSE(phantom::is_terminal(out));
}

}  // namespace
