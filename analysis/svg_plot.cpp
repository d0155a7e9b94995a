// SVG line charts and histograms: validation, nice ticks, layout, and the SVG text itself.
//
// Every number in the output is formatted here with integer arithmetic (coordinates rounded to
// 0.01, tick labels from the integer tick index), never with printf or iostreams, whose decimal
// point follows the locale. That, and drawing in a fixed order, makes the output deterministic.
#include "analysis/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "analysis/text_file.hpp"
#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

constexpr int kMinWidth = 200;
constexpr int kMinHeight = 150;
constexpr int kMaxBins = 10000;
constexpr int kMaxDefaultBins = 200;
// A histogram of values that are all equal spans them +- max(0.5, |value| * kSingleValuePad).
constexpr double kSingleValuePad = 1e-9;
constexpr double kTickFontSize = 11.0;
constexpr double kLabelFontSize = 12.0;
// A range end this close (in steps) to a tick lies on it: lo / step carries rounding error.
constexpr double kSnapTolerance = 1e-6;

// The first ten colours are matplotlib's "tab10", which most readers of RL plots know.
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr std::size_t kPaletteSize = sizeof kPalette / sizeof kPalette[0];
constexpr const char* kBarColour = "#4c72b0";
constexpr const char* kAxisColour = "#333333";
constexpr const char* kGridColour = "#e5e5e5";

// "line chart 'reward'" or "line chart" in error messages.
std::string chart_name(const char* kind, const std::string& title) {
  return title.empty() ? std::string(kind) : std::string(kind) + " '" + title + "'";
}

void check_size(const PlotSize& size, const std::string& where) {
  if (size.width < kMinWidth || size.height < kMinHeight) {
    throw ConfigError(where + ": the size must be at least " + std::to_string(kMinWidth) + " x " +
                      std::to_string(kMinHeight) + ", not " + std::to_string(size.width) + " x " +
                      std::to_string(size.height));
  }
}

// Appends v rounded to 0.01, without trailing zeros: "12.5", "-3", "0.07". Callers pass canvas
// coordinates; the clamp only keeps llround defined for absurd input.
void append_number(std::string& out, double v) {
  v = std::min(std::max(v, -1e12), 1e12);
  long long hundredths = std::llround(v * 100.0);
  if (hundredths < 0) {
    out += '-';
    hundredths = -hundredths;
  }
  out += std::to_string(hundredths / 100);
  const int fraction = static_cast<int>(hundredths % 100);
  if (fraction != 0) {
    out += '.';
    out += static_cast<char>('0' + fraction / 10);
    if (fraction % 10 != 0) out += static_cast<char>('0' + fraction % 10);
  }
}

void append_attr(std::string& out, const char* name, double value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_number(out, value);
  out += '"';
}

void append_attr(std::string& out, const char* name, std::string_view text) {
  out += ' ';
  out += name;
  out += "=\"";
  out += xml_escape(text);
  out += '"';
}

// The digits of |n| (tick indices are far from INT64_MIN, see nice_ticks).
std::string abs_digits(int64_t n) {
  return std::to_string(n < 0 ? -n : n);
}

// Whether the ticks n * 10^e (|n| <= max_abs_n) are labelled in scientific notation: values of
// more than seven digits, or with more than six decimals.
bool scientific_labels(int64_t max_abs_n, int e) {
  if (e < 0) return e < -6;
  return abs_digits(max_abs_n).size() + static_cast<std::size_t>(e) > 7;
}

// The label of the tick n * 10^e, exactly (see AxisTicks::labels).
std::string tick_label(int64_t n, int e, bool scientific) {
  std::string digits = abs_digits(n);
  std::string body;
  if (n == 0 && (scientific || e >= 0)) {
    body = "0";
  } else if (scientific) {
    // Trailing zeros move into the exponent, then one digit goes before the point.
    int exponent = e;
    while (digits.size() > 1 && digits.back() == '0') {
      digits.pop_back();
      ++exponent;
    }
    exponent += static_cast<int>(digits.size()) - 1;
    body = digits.substr(0, 1);
    if (digits.size() > 1) body += "." + digits.substr(1);
    body += "e" + std::to_string(exponent);
  } else if (e >= 0) {
    body = digits + std::string(static_cast<std::size_t>(e), '0');
  } else {
    const std::size_t decimals = static_cast<std::size_t>(-e);
    if (digits.size() <= decimals) digits.insert(0, decimals + 1 - digits.size(), '0');
    body =
        digits.substr(0, digits.size() - decimals) + "." + digits.substr(digits.size() - decimals);
  }
  return n < 0 ? "-" + body : body;
}

// A rough width of text in pixels: 0.6 em per character (UTF-8 continuation bytes not counted).
double text_width(std::string_view text, double font_size) {
  std::size_t characters = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++characters;
  }
  return 0.6 * font_size * static_cast<double>(characters);
}

// A colour for series i: the palette, then golden-angle hues at alternating lightness.
std::string series_colour(std::size_t i) {
  if (i < kPaletteSize) return kPalette[i];
  const std::size_t j = i - kPaletteSize;
  const double hue = std::fmod(15.0 + 137.50776405 * static_cast<double>(j), 360.0) / 60.0;
  const double lightness = j % 2 == 0 ? 0.40 : 0.55;
  const double saturation = 0.70;
  const double chroma = (1.0 - std::fabs(2.0 * lightness - 1.0)) * saturation;
  const double x = chroma * (1.0 - std::fabs(std::fmod(hue, 2.0) - 1.0));
  double r = 0, g = 0, b = 0;
  switch (static_cast<int>(hue)) {
    case 0:
      r = chroma, g = x;
      break;
    case 1:
      r = x, g = chroma;
      break;
    case 2:
      g = chroma, b = x;
      break;
    case 3:
      g = x, b = chroma;
      break;
    case 4:
      r = x, b = chroma;
      break;
    default:
      r = chroma, b = x;
      break;
  }
  const double m = lightness - chroma / 2.0;
  const char* hex = "0123456789abcdef";
  std::string colour = "#";
  for (const double channel : {r, g, b}) {
    const long v = std::lround((channel + m) * 255.0);
    const int byte = static_cast<int>(std::min(255L, std::max(0L, v)));
    colour += hex[byte / 16];
    colour += hex[byte % 16];
  }
  return colour;
}

// The plot area inside the canvas, in pixels, and the mapping of data onto it.
struct Frame {
  double left = 0, top = 0, right = 0, bottom = 0;
  PlotRange x, y;

  double px(double v) const { return left + (v - x.lo) / (x.hi - x.lo) * (right - left); }
  double py(double v) const { return bottom - (v - y.lo) / (y.hi - y.lo) * (bottom - top); }
};

// Margins around the plot area: room for the title, tick labels, axis labels and a legend of
// `legend_width` pixels on the right.
Frame layout(const PlotSize& size, bool has_title_row, const AxisTicks& y_ticks, bool has_x_label,
             bool has_y_label, double legend_width) {
  double widest_label = 0;
  for (const std::string& label : y_ticks.labels) {
    widest_label = std::max(widest_label, text_width(label, kTickFontSize));
  }
  Frame f;
  f.left =
      std::min(std::max(50.0, (has_y_label ? 28.0 : 8.0) + widest_label + 10.0), size.width / 4.0);
  f.top = has_title_row ? 44.0 : 20.0;
  f.right = size.width - 20.0 - std::min(legend_width, size.width / 3.0);
  f.bottom = size.height - (has_x_label ? 50.0 : 32.0);
  f.y = y_ticks.range;
  return f;
}

// About one x tick per 100 pixels.
int x_tick_target(const Frame& f) {
  return std::min(10, std::max(2, static_cast<int>((f.right - f.left) / 100.0)));
}

void open_svg(std::string& out, const PlotSize& size, const char* kind, const std::string& title) {
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\"";
  append_attr(out, "class", std::string("phantom-plot ") + kind);
  out += " width=\"" + std::to_string(size.width) + "\" height=\"" + std::to_string(size.height) +
         "\"";
  out += " viewBox=\"0 0 " + std::to_string(size.width) + " " + std::to_string(size.height) + "\"";
  out += " font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"12\">\n";
  if (!title.empty()) out += "<title>" + xml_escape(title) + "</title>\n";
  out +=
      "<rect class=\"background\" x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n";
}

void append_line(std::string& out, const char* indent, const char* cls, double x1, double y1,
                 double x2, double y2) {
  out += indent;
  out += "<line";
  if (cls != nullptr) append_attr(out, "class", cls);
  append_attr(out, "x1", x1);
  append_attr(out, "y1", y1);
  append_attr(out, "x2", x2);
  append_attr(out, "y2", y2);
  out += "/>\n";
}

void append_text(std::string& out, const char* indent, const char* cls, double x, double y,
                 std::string_view content, std::string_view extra = {}) {
  out += indent;
  out += "<text";
  if (cls != nullptr) append_attr(out, "class", cls);
  append_attr(out, "x", x);
  append_attr(out, "y", y);
  out += extra;
  out += '>';
  out += xml_escape(content);
  out += "</text>\n";
}

// Grid lines behind the data: horizontal at the y ticks, vertical at the x ticks if asked.
void draw_grid(std::string& out, const Frame& f, const AxisTicks& x_ticks, const AxisTicks& y_ticks,
               bool vertical) {
  out += "<g class=\"grid\" stroke=\"";
  out += kGridColour;
  out += "\" stroke-width=\"1\">\n";
  if (vertical) {
    for (const double v : x_ticks.values)
      append_line(out, "  ", nullptr, f.px(v), f.top, f.px(v), f.bottom);
  }
  for (const double v : y_ticks.values)
    append_line(out, "  ", nullptr, f.left, f.py(v), f.right, f.py(v));
  out += "</g>\n";
}

// The plot area's border, tick marks and labels, axis labels and title (drawn over the data).
void draw_axes(std::string& out, const PlotSize& size, const Frame& f, const AxisTicks& x_ticks,
               const AxisTicks& y_ticks, const std::string& title, const std::string& x_label,
               const std::string& y_label) {
  out += "<rect class=\"plot-area\"";
  append_attr(out, "x", f.left);
  append_attr(out, "y", f.top);
  append_attr(out, "width", f.right - f.left);
  append_attr(out, "height", f.bottom - f.top);
  out += " fill=\"none\" stroke=\"";
  out += kAxisColour;
  out += "\"/>\n";

  out += "<g class=\"axis x-axis\" font-size=\"11\" text-anchor=\"middle\" stroke=\"";
  out += kAxisColour;
  out += "\">\n";
  for (std::size_t i = 0; i < x_ticks.values.size(); ++i) {
    const double x = f.px(x_ticks.values[i]);
    out += "  <g class=\"tick\">\n";
    append_line(out, "    ", nullptr, x, f.bottom, x, f.bottom + 5);
    append_text(out, "    ", nullptr, x, f.bottom + 18, x_ticks.labels[i], " stroke=\"none\"");
    out += "  </g>\n";
  }
  out += "</g>\n";

  out += "<g class=\"axis y-axis\" font-size=\"11\" text-anchor=\"end\" stroke=\"";
  out += kAxisColour;
  out += "\">\n";
  for (std::size_t i = 0; i < y_ticks.values.size(); ++i) {
    const double y = f.py(y_ticks.values[i]);
    out += "  <g class=\"tick\">\n";
    append_line(out, "    ", nullptr, f.left - 5, y, f.left, y);
    append_text(out, "    ", nullptr, f.left - 8, y + 4, y_ticks.labels[i], " stroke=\"none\"");
    out += "  </g>\n";
  }
  out += "</g>\n";

  if (!x_label.empty()) {
    append_text(out, "", "axis-label x-label", (f.left + f.right) / 2, size.height - 12.0, x_label,
                " text-anchor=\"middle\"");
  }
  if (!y_label.empty()) {
    std::string rotate = " text-anchor=\"middle\" transform=\"rotate(-90 16 ";
    append_number(rotate, (f.top + f.bottom) / 2);
    rotate += ")\"";
    append_text(out, "", "axis-label y-label", 16, (f.top + f.bottom) / 2, y_label, rotate);
  }
  if (!title.empty()) {
    append_text(out, "", "title", size.width / 2.0, 27, title,
                " text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\"");
  }
}

std::string line_chart_svg(const LineChart& chart) {
  const std::string where = chart_name("line chart", chart.title);
  check_size(chart.size, where);
  if (chart.series.empty()) throw ValueError(where + ": no series to draw");
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = x_hi;
  double legend_width = 0;
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const PlotSeries& series = chart.series[s];
    if (series.xs.empty() && series.ys.empty()) {
      throw ValueError(where + ": series '" + series.name + "' is empty (no points)");
    }
    if (series.xs.size() != series.ys.size()) {
      throw ValueError(where + ": series '" + series.name + "' has " +
                       std::to_string(series.xs.size()) + " xs but " +
                       std::to_string(series.ys.size()) + " ys (expected as many of each)");
    }
    for (std::size_t t = 0; t < s; ++t) {
      if (chart.series[t].name == series.name) {
        throw ValueError(where + ": two series are named '" + series.name +
                         "' (the legend needs distinct names)");
      }
    }
    for (std::size_t i = 0; i < series.xs.size(); ++i) {
      if (!std::isfinite(series.xs[i]) || !std::isfinite(series.ys[i])) continue;
      x_lo = std::min(x_lo, series.xs[i]);
      x_hi = std::max(x_hi, series.xs[i]);
      y_lo = std::min(y_lo, series.ys[i]);
      y_hi = std::max(y_hi, series.ys[i]);
    }
    legend_width =
        std::max(legend_width, 16.0 + 24.0 + 6.0 + text_width(series.name, kLabelFontSize) + 4.0);
  }
  if (x_lo > x_hi) {
    throw ValueError(where + ": no series has a point with finite x and y (nothing to draw)");
  }
  if (!std::isfinite(x_hi - x_lo) || !std::isfinite(y_hi - y_lo)) {
    throw ValueError(where + ": the values span more than a double can hold (x from " +
                     double_string(x_lo) + " to " + double_string(x_hi) + ", y from " +
                     double_string(y_lo) + " to " + double_string(y_hi) + ")");
  }

  const AxisTicks y_ticks = nice_ticks(y_lo, y_hi, 5);
  Frame f = layout(chart.size, !chart.title.empty(), y_ticks, !chart.x_label.empty(),
                   !chart.y_label.empty(), legend_width);
  const AxisTicks x_ticks = nice_ticks(x_lo, x_hi, x_tick_target(f));
  f.x = x_ticks.range;

  std::string out;
  open_svg(out, chart.size, "line-chart", chart.title);
  draw_grid(out, f, x_ticks, y_ticks, true);

  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const PlotSeries& series = chart.series[s];
    const std::string colour = series_colour(s);
    std::size_t i = 0;
    const std::size_t n = series.xs.size();
    auto finite = [&](std::size_t k) {
      return std::isfinite(series.xs[k]) && std::isfinite(series.ys[k]);
    };
    while (i < n) {
      if (!finite(i)) {
        ++i;
        continue;
      }
      std::size_t end = i;
      while (end < n && finite(end)) ++end;
      out += "<polyline class=\"series\"";
      append_attr(out, "data-series", series.name);
      out += " fill=\"none\" stroke=\"" + colour +
             "\" stroke-width=\"1.5\" stroke-linejoin=\"round\" points=\"";
      for (std::size_t k = i; k < end; ++k) {
        if (k > i) out += ' ';
        append_number(out, f.px(series.xs[k]));
        out += ',';
        append_number(out, f.py(series.ys[k]));
      }
      out += "\"/>\n";
      if (end - i == 1) {  // a lone point draws no line: mark it
        out += "<circle class=\"marker\"";
        append_attr(out, "data-series", series.name);
        append_attr(out, "cx", f.px(series.xs[i]));
        append_attr(out, "cy", f.py(series.ys[i]));
        out += " r=\"2.5\" fill=\"" + colour + "\"/>\n";
      }
      i = end;
    }
  }

  draw_axes(out, chart.size, f, x_ticks, y_ticks, chart.title, chart.x_label, chart.y_label);

  out += "<g class=\"legend\">\n";
  const double legend_x = f.right + 16;
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const double y = f.top + 10 + 18.0 * static_cast<double>(s);
    out += "  <g class=\"legend-entry\"";
    append_attr(out, "data-series", chart.series[s].name);
    out += ">\n    <line";
    append_attr(out, "x1", legend_x);
    append_attr(out, "y1", y);
    append_attr(out, "x2", legend_x + 24);
    append_attr(out, "y2", y);
    out += " stroke=\"" + series_colour(s) + "\" stroke-width=\"2\"/>\n";
    append_text(out, "    ", nullptr, legend_x + 30, y + 4, chart.series[s].name);
    out += "  </g>\n";
  }
  out += "</g>\n</svg>\n";
  return out;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

LineChart& LineChart::add_series(std::string name, std::vector<double> xs, std::vector<double> ys) {
  series.push_back(PlotSeries{std::move(name), std::move(xs), std::move(ys)});
  return *this;
}

std::string LineChart::to_svg() const {
  return line_chart_svg(*this);
}

void LineChart::write_svg(const std::string& path) const {
  write_text_atomic(path, to_svg());
}

double HistogramCounts::edge(std::size_t i) const {
  const std::size_t n = counts.size();
  if (i >= n) return range.hi;
  return range.lo + (range.hi - range.lo) * (static_cast<double>(i) / static_cast<double>(n));
}

int default_histogram_bins(const std::vector<double>& values, PlotRange range) {
  std::vector<double> sorted;
  sorted.reserve(values.size());
  for (const double v : values) {
    if (std::isfinite(v) && v >= range.lo && v <= range.hi) sorted.push_back(v);
  }
  if (sorted.empty()) return 1;
  std::sort(sorted.begin(), sorted.end());
  if (sorted.front() == sorted.back()) return 1;
  const double n = static_cast<double>(sorted.size());
  auto quantile = [&](double p) {
    const double pos = p * (n - 1.0);
    const std::size_t i = static_cast<std::size_t>(pos);
    const double frac = pos - static_cast<double>(i);
    if (i + 1 >= sorted.size()) return sorted.back();
    return sorted[i] + (sorted[i + 1] - sorted[i]) * frac;
  };
  const double iqr = quantile(0.75) - quantile(0.25);
  double bins;
  if (iqr > 0) {
    bins = std::ceil((range.hi - range.lo) / (2.0 * iqr / std::cbrt(n)));
  } else {
    bins = std::ceil(std::sqrt(n));
  }
  if (!(bins >= 1.0)) return 1;  // also NaN
  return static_cast<int>(std::min(bins, static_cast<double>(kMaxDefaultBins)));
}

HistogramCounts Histogram::count() const {
  const std::string where = chart_name("histogram", title);
  if (bins < 0 || bins > kMaxBins) {
    throw ConfigError(where + ": bins must be 0 (chosen from the data) or 1 to " +
                      std::to_string(kMaxBins) + ", not " + std::to_string(bins));
  }
  if (range && !(std::isfinite(range->lo) && std::isfinite(range->hi) && range->lo < range->hi &&
                 std::isfinite(range->hi - range->lo))) {
    throw ConfigError(where + ": the range must be finite with lo < hi, not [" +
                      double_string(range->lo) + ", " + double_string(range->hi) + "]");
  }
  HistogramCounts result;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const double v : values) {
    if (!std::isfinite(v)) {
      ++result.non_finite;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (values.empty()) throw ValueError(where + ": no finite values to count (no values at all)");
  if (lo > hi) {
    throw ValueError(
        where + ": no finite values to count (" +
        plural(values.size(), "value, NaN or infinite", "values, all NaN or infinite") + ")");
  }
  if (range) {
    result.range = *range;
  } else if (lo == hi) {
    // Padded so that the range has a width at any magnitude: 0.5 beside 1e17 is no padding at
    // all (doubles there are 16 apart), and a zero width would put every value in bin NaN. On
    // the side where padding would overflow (a value near the largest double), none.
    const double pad = std::max(0.5, std::fabs(lo) * kSingleValuePad);
    result.range = {lo - pad, hi + pad};
    if (!std::isfinite(result.range.lo)) result.range.lo = lo;
    if (!std::isfinite(result.range.hi)) result.range.hi = hi;
  } else {
    result.range = {lo, hi};
  }
  if (!std::isfinite(result.range.hi - result.range.lo)) {
    throw ValueError(where + ": the values span more than a double can hold (" + double_string(lo) +
                     " to " + double_string(hi) + ")");
  }

  const int n_bins = bins > 0 ? bins : default_histogram_bins(values, result.range);
  const std::size_t n = static_cast<std::size_t>(n_bins);
  result.counts.assign(n, 0);
  const double span = result.range.hi - result.range.lo;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    if (v < result.range.lo || v > result.range.hi) {
      ++result.out_of_range;
      continue;
    }
    // A first guess by arithmetic, then corrected against the edges themselves, so that a value
    // equal to an edge always lands in the bin that edge starts.
    // (Written so that even a NaN guess would give bin 0: casting NaN to an integer is undefined.)
    const double guess = std::floor((v - result.range.lo) / span * static_cast<double>(n));
    std::size_t bin =
        guess > 0.0 ? static_cast<std::size_t>(std::min(guess, static_cast<double>(n - 1))) : 0;
    while (bin > 0 && v < result.edge(bin)) --bin;
    while (bin + 1 < n && v >= result.edge(bin + 1)) ++bin;
    ++result.counts[bin];
  }
  return result;
}

std::string Histogram::to_svg() const {
  const std::string where = chart_name("histogram", title);
  check_size(size, where);
  const HistogramCounts c = count();
  std::size_t max_count = 1;
  for (const std::size_t k : c.counts) max_count = std::max(max_count, k);

  std::string note;
  if (c.non_finite > 0) note = plural(c.non_finite, "non-finite value", "non-finite values");
  if (c.out_of_range > 0) {
    if (!note.empty()) note += ", ";
    note += plural(c.out_of_range, "value", "values") + " outside the range";
  }
  if (!note.empty()) note += " skipped";

  const AxisTicks y_ticks = nice_ticks(0.0, static_cast<double>(max_count), 5, true, true);
  Frame f = layout(size, !title.empty() || !note.empty(), y_ticks, !x_label.empty(), true, 0.0);
  const AxisTicks x_ticks = nice_ticks(c.range.lo, c.range.hi, x_tick_target(f), false);
  f.x = c.range;

  std::string out;
  open_svg(out, size, "histogram", title);
  draw_grid(out, f, x_ticks, y_ticks, false);
  out += "<g class=\"bars\" fill=\"";
  out += kBarColour;
  out += "\" stroke=\"white\" stroke-width=\"0.5\">\n";
  for (std::size_t i = 0; i < c.counts.size(); ++i) {
    const double x0 = f.px(c.edge(i));
    const double x1 = f.px(c.edge(i + 1));
    const double y = f.py(static_cast<double>(c.counts[i]));
    out += "  <rect class=\"bar\"";
    out += " data-bin=\"" + std::to_string(i) + "\" data-count=\"" + std::to_string(c.counts[i]) +
           "\"";
    append_attr(out, "x", x0);
    append_attr(out, "y", y);
    append_attr(out, "width", x1 - x0);
    append_attr(out, "height", f.bottom - y);
    out += "/>\n";
  }
  out += "</g>\n";
  draw_axes(out, size, f, x_ticks, y_ticks, title, x_label, "count");
  if (!note.empty()) {
    append_text(out, "", "note", f.right, f.top - 6, note,
                " text-anchor=\"end\" font-size=\"11\" fill=\"#555555\"");
  }
  out += "</svg>\n";
  return out;
}

void Histogram::write_svg(const std::string& path) const {
  write_text_atomic(path, to_svg());
}

AxisTicks nice_ticks(double lo, double hi, int target, bool widen, bool integer_steps) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi || !std::isfinite(hi - lo)) {
    throw ValueError("nice_ticks: expected finite ends with lo <= hi, got [" + double_string(lo) +
                     ", " + double_string(hi) + "]");
  }
  target = std::max(target, 1);
  const PlotRange data{lo, hi};
  const double magnitude = std::max(std::fabs(lo), std::fabs(hi));
  if (hi - lo <= magnitude * 1e-9 || hi - lo < 1e-290) {
    const double mid = lo + (hi - lo) / 2.0;
    const double pad = std::fabs(mid) < 1e-290 ? 1.0 : std::fabs(mid) * 0.1;
    lo = mid - pad;
    hi = mid + pad;
    if (!std::isfinite(hi - lo)) {
      throw ValueError("nice_ticks: cannot pad the range around " + double_string(mid));
    }
  }

  // step = m * 10^e with m in {1, 2, 5}: span / target rounded to the nearest such number
  // (Heckbert's "nice numbers"), which gives between about target / 1.5 and target * 1.5 steps.
  const double raw = (hi - lo) / target;
  int e = static_cast<int>(std::floor(std::log10(raw)));
  const double f = raw / std::pow(10.0, e);
  int m = f < 1.5 ? 1 : f < 3.0 ? 2 : f < 7.0 ? 5 : 10;
  if (m == 10) {
    m = 1;
    ++e;
  }
  if (integer_steps && e < 0) {
    m = 1;
    e = 0;
  }
  // n * 10^e, dividing for negative e: 3 / 10 is the double nearest 0.3, 3 * 0.1 is not.
  auto value_of = [e](int64_t n) {
    return e >= 0 ? static_cast<double>(n) * std::pow(10.0, e)
                  : static_cast<double>(n) / std::pow(10.0, -e);
  };
  const double step = value_of(m);
  // The range is at least 1e-9 of the magnitude and the step about range / target, so the tick
  // indices stay far inside int64 and exactly representable.
  auto index = [widen](double q, bool upper) {
    const double nearest = std::round(q);
    if (std::fabs(q - nearest) <= kSnapTolerance) return static_cast<int64_t>(nearest);
    return static_cast<int64_t>(upper == widen ? std::ceil(q) : std::floor(q));
  };
  // Without widening, only ticks inside the data's own range count (not the padded one).
  const int64_t k_lo = index((widen ? lo : data.lo) / step, false);
  const int64_t k_hi = index((widen ? hi : data.hi) / step, true);

  const bool scientific = scientific_labels(std::max(std::abs(k_lo), std::abs(k_hi)) * m, e);
  AxisTicks ticks;
  for (int64_t k = k_lo; k <= k_hi; ++k) {
    ticks.values.push_back(value_of(k * m));
    ticks.labels.push_back(tick_label(k * m, e, scientific));
  }
  if (widen) {
    ticks.range = {value_of(k_lo * m), value_of(k_hi * m)};
  } else {
    ticks.range = data;
  }
  return ticks;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        } else {
          out += c;
        }
    }
  }
  return out;
}

void smooth_ema(std::vector<double>& values, double weight) {
  if (!(weight >= 0.0 && weight < 1.0)) {
    throw ConfigError("smooth_ema: weight = " + double_string(weight) + ", expected 0 <= w < 1");
  }
  double average = 0.0, debias = 1.0;
  for (double& y : values) {
    if (!std::isfinite(y)) continue;
    average = weight * average + (1.0 - weight) * y;
    debias *= weight;
    y = average / (1.0 - debias);
  }
}

}  // namespace phantom
