// A progress bar for training loops, with no dependency beyond the standard library.
//
//   phantom::ProgressBar bar(iterations, "ppo", std::cerr);
//   for (int64_t i = 1; i <= iterations; ++i) {
//     ...
//     bar.update(i, phantom::progress_field("reward", mean_reward));
//   }
//
// On a terminal it keeps one line up to date, redrawn in place with '\r' at most every
// redraw_interval_seconds:
//   ppo [#########...............]  40/100  40%  12.5 it/s  ETA 0:05  reward=12.35
// The line always fits the terminal's width (one column is left free, so that no terminal wraps
// it): a narrow terminal gets a shorter bar, then no bar, then the line without the extra fields,
// the rate and the ETA, in that order, and at last the line cut at the width. The width is
// asked at every redraw (so a resized window is followed): the terminal's own (TIOCGWINSZ on the
// stream's file), else the COLUMNS environment variable, else 80.
// Anywhere else (a log file, a pipe, a std::ostringstream) it writes a plain line at the first
// update, then at most every plain_interval_seconds, and always at the end:
//   ppo 40/100 (40%)  12.5 it/s  elapsed 0:03  ETA 0:05  reward=12.35
// Rate and ETA use the average since the bar was made. Total 0 means "unknown": no bar, no ETA.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace phantom {

/// How a ProgressBar draws, and the clock it reads.
struct ProgressOptions {
  /// How to draw: kAuto asks is_terminal(out).
  enum class Style { kAuto, kTerminal, kPlain };
  Style style = Style::kAuto;
  /// The shortest time between two redraws of the terminal line.
  double redraw_interval_seconds = 0.1;
  /// The shortest time between two plain lines.
  double plain_interval_seconds = 10.0;
  /// Characters inside the brackets of the terminal bar, at most (fewer on a narrow terminal).
  int bar_width = 24;
  /// The terminal's width in columns; 0: ask the terminal each redraw (see the top of this file).
  int columns = 0;
  /// What is counted, as shown in the rate ("it/s", "steps/s").
  std::string unit = "it";
  /// Work already done when the bar is made (e.g. a resumed run); the rate counts only new work.
  int64_t initial = 0;
  /// Seconds since any fixed origin. Empty: std::chrono::steady_clock. Tests pass a fake clock.
  std::function<double()> clock;
};

/// Progress of a loop of `total` steps, written to a stream. Not thread-safe: update it from the
/// loop's thread.
class ProgressBar {
 public:
  ProgressBar(int64_t total, std::string label, std::ostream& out, ProgressOptions options = {});
  /// Draws the final line if finish() has not been called (e.g. the loop threw).
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Records that `done` steps are complete; `extra` is shown at the end of the line (e.g.
  /// "reward=12.35"). Draws if enough time has passed; reaching `total` finishes the bar.
  void update(int64_t done, std::string_view extra = {});
  /// Draws the final line (on a terminal, ending it with a line break). Later calls do nothing.
  void finish();

  /// Whether the bar redraws one terminal line (otherwise it writes plain lines).
  bool on_terminal() const { return on_terminal_; }

 private:
  double now() const;
  void draw(double now, bool final);
  /// The terminal line for a terminal `columns` wide: at most columns - 1 characters.
  std::string terminal_line(double now, int columns) const;
  std::string plain_line(double now) const;
  // Steps per second since the bar was made (0 while unknown), and the time left at that rate.
  double rate(double now) const;
  std::string eta(double now) const;

  int64_t total_;
  std::string label_;
  std::ostream& out_;
  ProgressOptions options_;
  bool on_terminal_;
  double start_;
  double last_draw_ = 0.0;
  bool drawn_ = false;
  bool finished_ = false;
  int64_t done_;
  std::string extra_;
  std::size_t last_width_ = 0;  // of the terminal line, to blank out a longer previous one
};

/// "1.2k it/s", "850 it/s", "12.5 it/s"; below one per second "2.5 s/it"; "? it/s" if the rate
/// is not a positive finite number.
std::string format_rate(double per_second, std::string_view unit = "it");
/// "0:42", "12:05", "1:02:03" (rounded to the second); "?" if negative, not finite, or absurd.
std::string format_duration(double seconds);
/// "reward=12.35": a value for the end of a progress line, with 4 significant digits.
std::string progress_field(std::string_view name, double value);
/// True if `out` is std::cout, std::cerr or std::clog and that stream's file is a terminal.
/// Any other stream (a file, a string stream) is not a terminal.
bool is_terminal(const std::ostream& out);
/// The width of the terminal `out` writes to: the terminal's own when `out` is a standard stream
/// on a terminal that reports one, else COLUMNS when it holds an integer from 1 to 100000, else 80.
int terminal_columns(const std::ostream& out);

}  // namespace phantom
