// Line charts and histograms as SVG text, with no dependency beyond the standard library: enough
// to look at a training run's metrics in a browser without Python.
//
//   phantom::LineChart chart;
//   chart.title = "supply chain, PPO";
//   chart.x_label = "iteration";
//   chart.y_label = "reward";
//   chart.add_series("shop", iterations, rewards);   // NaN points are gaps in the line
//   chart.write_svg(run_dir + "/reward.svg");
//
//   phantom::Histogram hist;
//   hist.x_label = "episode reward";
//   hist.values = rewards;                           // non-finite values are skipped, counted
//   std::string svg = hist.to_svg();
//
// Axes get "nice" ticks (steps of 1, 2 or 5 times a power of ten). The output is deterministic:
// the same chart gives byte-identical text on every run and machine, whatever the locale, since
// numbers are formatted by hand rather than by printf or iostreams. All text (titles, labels,
// series names) is XML-escaped. The elements a program or test may look for are described in
// docs/FORMATS.md ("SVG plots").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phantom {

/// The size of a plot's canvas, in SVG user units (pixels when shown at 100%).
struct PlotSize {
  int width = 800;
  int height = 500;
};

/// One named line of a LineChart: the points (xs[i], ys[i]), drawn in this order.
struct PlotSeries {
  std::string name;
  std::vector<double> xs;
  std::vector<double> ys;
};

/// A line chart of one or more series on shared axes, with a legend naming the series.
///
/// A point whose x or y is not finite (NaN, e.g. an empty CSV cell, or an infinity) is a gap:
/// each run of consecutive finite points becomes one `<polyline class="series">`, and a run of
/// a single point also gets a `<circle class="marker">` so that it is visible. Both axes span
/// the finite points, widened to the nearest ticks; if all values of an axis are equal, the range
/// is padded around them. Each series has its own colour (a fixed palette of ten, then hues
/// 137.5 degrees apart) and a legend entry, in the order of `series`.
struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<PlotSeries> series;
  PlotSize size;

  /// Appends a series (checked when the chart is drawn, not here); returns *this.
  LineChart& add_series(std::string name, std::vector<double> xs, std::vector<double> ys);

  /// The chart as a standalone SVG document. Throws phantom::ValueError if there are no series,
  /// a series is empty, its xs and ys differ in length, two series share a name, or no series
  /// has a finite point (each message names the chart and the series); phantom::ConfigError if
  /// the size is below 200 x 150.
  std::string to_svg() const;

  /// Writes to_svg() to `path` atomically (analysis/text_file.hpp, write_text_atomic). Throws as
  /// to_svg does, or phantom::Error naming the path if it cannot be written.
  void write_svg(const std::string& path) const;
};

/// TensorBoard's smoothing of a line, in place: an exponential moving average
/// s = weight x s + (1 - weight) x y over the finite values in order (NaN and infinities are
/// left as they are and skipped, not reset), divided by 1 - weight^k after k values so that the
/// start is not pulled towards 0. weight 0 leaves the values unchanged. Throws
/// phantom::ConfigError unless 0 <= weight < 1.
void smooth_ema(std::vector<double>& values, double weight);

/// A closed interval [lo, hi] of values.
struct PlotRange {
  double lo = 0.0;
  double hi = 1.0;
};

/// What a Histogram counts: `bins` equal bins over [range.lo, range.hi]. Bin i holds the values
/// v with edge(i) <= v < edge(i + 1); the last bin also holds v == range.hi.
struct HistogramCounts {
  PlotRange range;
  std::vector<std::size_t> counts;
  /// Values skipped because they are NaN or infinite.
  std::size_t non_finite = 0;
  /// Finite values skipped because they lie outside an explicit range.
  std::size_t out_of_range = 0;

  /// The lower edge of bin i (edge(counts.size()) is range.hi).
  double edge(std::size_t i) const;
};

/// A histogram of one set of values: one `<rect class="bar">` per bin, counts on the y axis.
///
/// Non-finite values (NaN, infinities) are skipped; how many is reported by count() and noted on
/// the plot. Without an explicit range the bins span the finite values' minimum to maximum. If
/// they are all equal, the span is padded by max(0.5, |value| * 1e-9) on each side (so that it has
/// a width at any magnitude; no padding on a side where it would overflow).
struct Histogram {
  std::string title;
  std::string x_label;
  std::vector<double> values;
  /// The number of bins; 0 chooses it from the data (see default_histogram_bins).
  int bins = 0;
  /// The range the bins cover; values outside it are skipped and counted.
  std::optional<PlotRange> range;
  PlotSize size;

  /// Bins the values. Throws phantom::ValueError if no value is finite, phantom::ConfigError if
  /// `bins` is negative or above 10000, or `range` is not finite with lo < hi.
  HistogramCounts count() const;

  /// The histogram as a standalone SVG document; throws as count() does, or
  /// phantom::ConfigError if the size is below 200 x 150.
  std::string to_svg() const;

  /// Writes to_svg() to `path` atomically; throws as to_svg does, or phantom::Error naming the
  /// path if it cannot be written.
  void write_svg(const std::string& path) const;
};

/// The number of bins a Histogram with bins == 0 uses for these values over `range`: the
/// Freedman–Diaconis rule (bin width 2 IQR / n^(1/3), IQR by linear interpolation between the
/// sorted values), or ceil(sqrt(n)) when the interquartile range is 0; at least 1, at most 200.
/// Non-finite values are ignored; with none left the answer is 1.
int default_histogram_bins(const std::vector<double>& values, PlotRange range);

/// The ticks of one axis.
struct AxisTicks {
  /// The axis range: the data's, or widened to the outer ticks.
  PlotRange range;
  /// The tick values, ascending, each k * step with step = 1, 2 or 5 times a power of ten.
  std::vector<double> values;
  /// The tick labels, exact decimals of the values ("0.2", not "0.20000000000000001"), with the
  /// same number of decimals on every tick of the axis ("0.0", "0.5", "1.0"); scientific notation
  /// ("2e-7", "1.5e9") for very small or large values.
  std::vector<std::string> labels;
};

/// Nice ticks for data in [lo, hi] (finite, lo <= hi): the step is (hi - lo) / target rounded to
/// the nearest 1, 2 or 5 times a power of ten, so there are about `target` intervals. With
/// `widen` the range is widened to the nearest ticks outside it; otherwise it stays [lo, hi] and
/// only the ticks inside it are kept. Equal or nearly equal ends (a span below 1e-9 of their
/// magnitude, too little for doubles to step through) are padded before the step is chosen: by
/// 10% of their magnitude, or by 1 around 0; without `widen` this can leave no tick inside
/// [lo, hi]. With `integer_steps` the step is at
/// least 1 (for counts). Throws phantom::ValueError if lo or hi is not finite, lo > hi, or
/// hi - lo overflows.
AxisTicks nice_ticks(double lo, double hi, int target = 5, bool widen = true,
                     bool integer_steps = false);

/// `text` with the five XML special characters replaced by entities (&amp; &lt; &gt; &quot;
/// &apos;) and control characters that XML 1.0 forbids (all below 0x20 but tab, LF and CR)
/// replaced by U+FFFD, so it can go into element text or a quoted attribute.
std::string xml_escape(std::string_view text);

}  // namespace phantom
