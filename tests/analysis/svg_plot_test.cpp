// Tests of the SVG plots (analysis/svg_plot.hpp), read back with an independent XML parser
// (tests/support/xml_parser.hpp): every document is well-formed, each series' polylines hold
// exactly its finite points, in order and mapped linearly between the ticks, NaN splits a line,
// histogram bars match counts computed here, text is escaped and round-trips, and the output
// does not depend on the run or the locale. Also the parser's own strictness.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <locale>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/svg_plot.hpp"
#include "nn/error.hpp"
#include "support/xml_parser.hpp"
#include "test_files.hpp"

namespace {

using analysis_test::error_message;
using analysis_test::read_all;
using analysis_test::ScratchDir;
using phantom::Histogram;
using phantom::LineChart;
using Point = std::pair<double, double>;
using Strings = std::vector<std::string>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The points attribute of a polyline: "x,y x,y ...".
std::vector<Point> points_of(const xml_test::Element& polyline) {
  std::vector<Point> points;
  const std::string& text = polyline.attr("points");
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string pair = text.substr(pos, end - pos);
    const std::size_t comma = pair.find(',');
    EXPECT_NE(comma, std::string::npos) << "bad point '" << pair << "'";
    points.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
    pos = end + 1;
  }
  return points;
}

// The polylines drawn for one series, each as its points.
std::vector<std::vector<Point>> runs_of(const xml_test::Element& svg, const std::string& series) {
  std::vector<std::vector<Point>> runs;
  for (const xml_test::Element* p : svg.find_all("polyline", "series")) {
    if (p->attr("data-series") == series) runs.push_back(points_of(*p));
  }
  return runs;
}

std::size_t total_points(const std::vector<std::vector<Point>>& runs) {
  std::size_t n = 0;
  for (const auto& run : runs) n += run.size();
  return n;
}

// One tick of an axis: its label and the pixel position of its mark.
struct Tick {
  std::string label;
  double position;
};

// The ticks of the axis of class `axis_class` ("x-axis" or "y-axis").
std::vector<Tick> ticks_of(const xml_test::Element& svg, const std::string& axis_class) {
  const auto axes = svg.find_all("g", axis_class);
  EXPECT_EQ(axes.size(), 1u);
  std::vector<Tick> ticks;
  if (axes.empty()) return ticks;
  for (const xml_test::Element* g : axes[0]->find_all("g", "tick")) {
    const auto lines = g->find_all("line");
    const auto texts = g->find_all("text");
    EXPECT_EQ(lines.size(), 1u);
    EXPECT_EQ(texts.size(), 1u);
    if (lines.empty() || texts.empty()) continue;
    ticks.push_back(
        {texts[0]->text, std::stod(lines[0]->attr(axis_class == "x-axis" ? "x1" : "y1"))});
  }
  return ticks;
}

// The pixel position of `value` on an axis, interpolated from its first and last ticks.
double position_of(const std::vector<Tick>& ticks, double value) {
  const double v0 = std::stod(ticks.front().label), v1 = std::stod(ticks.back().label);
  return ticks.front().position +
         (value - v0) / (v1 - v0) * (ticks.back().position - ticks.front().position);
}

std::string text_of_class(const xml_test::Element& svg, const std::string& cls) {
  const auto found = svg.find_all("text", cls);
  EXPECT_EQ(found.size(), 1u) << "text elements of class " << cls;
  return found.empty() ? "" : found[0]->text;
}

LineChart two_series_chart() {
  LineChart chart;
  chart.title = "rewards";
  chart.x_label = "iteration";
  chart.y_label = "reward";
  chart.add_series("shop", {1, 2, 3, 4, 5, 6}, {-3.5, -2, -1.25, 0.5, 1, 2.75});
  chart.add_series("warehouse", {1, 2, 3, 4, 5, 6}, {10, 12, 11, 14, 13, 15});
  return chart;
}

// ---------------------------------------------------------------------------------------------
// The test XML parser itself.

TEST(XmlParser, ReadsElementsAttributesTextEntitiesAndComments) {
  const xml_test::Element root = xml_test::parse(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n<a x='1' y=\"&lt;&amp;&quot;\">"
      "t&#65;&#x42;<b/><!-- inner --><c k=\"v\">&gt;<![CDATA[<raw&>]]></c></a>\n");
  EXPECT_EQ(root.name, "a");
  EXPECT_EQ(root.attr("x"), "1");
  EXPECT_EQ(root.attr("y"), "<&\"");
  EXPECT_EQ(root.text, "tAB");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[1].text, "><raw&>");
  EXPECT_EQ(root.all_text(), "tAB><raw&>");
}

TEST(XmlParser, RejectsMalformedDocuments) {
  const Strings bad = {
      "<a><b></a></b>",                 // mismatched tags
      "<a>x < y</a>",                   // raw '<' in text
      "<a>fish & chips</a>",            // raw '&'
      "<a t=\"x<y\"/>",                 // '<' in an attribute value
      "<a>&nbsp;</a>",                  // an entity XML does not define
      "<a x=\"1\" x=\"2\"/>",           // a duplicate attribute
      "<a x=1/>",                       // an unquoted value
      "<a><!-- a -- b --></a>",         // "--" inside a comment
      "<a>",                            // unclosed
      "<a/><b/>",                       // two roots
      "<a>\x01</a>",                    // a control character
      "<a/>\n<?xml version=\"1.0\"?>",  // a declaration that is not at the start
      "<a>&#0;</a>",                    // a reference to a character XML forbids
  };
  for (const std::string& text : bad) {
    EXPECT_THROW(xml_test::parse(text), xml_test::ParseError) << text;
  }
}

// ---------------------------------------------------------------------------------------------
// Line charts.

TEST(LineChart, IsWellFormedXmlWithTitleLabelsAndALegendEntryPerSeries) {
  const xml_test::Element svg = xml_test::parse(two_series_chart().to_svg());
  EXPECT_EQ(svg.name, "svg");
  EXPECT_EQ(svg.attr("xmlns"), "http://www.w3.org/2000/svg");
  EXPECT_EQ(svg.attr("width"), "800");
  EXPECT_EQ(svg.attr("height"), "500");
  EXPECT_EQ(text_of_class(svg, "title"), "rewards");
  EXPECT_EQ(text_of_class(svg, "x-label"), "iteration");
  EXPECT_EQ(text_of_class(svg, "y-label"), "reward");
  const auto entries = svg.find_all("g", "legend-entry");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]->attr("data-series"), "shop");
  EXPECT_EQ(entries[0]->find_all("text")[0]->text, "shop");
  EXPECT_EQ(entries[1]->attr("data-series"), "warehouse");
  EXPECT_GE(ticks_of(svg, "x-axis").size(), 3u);
  EXPECT_GE(ticks_of(svg, "y-axis").size(), 3u);
}

TEST(LineChart, DrawsEveryPointOnceMappedLinearlyBetweenTheTicks) {
  const LineChart chart = two_series_chart();
  const xml_test::Element svg = xml_test::parse(chart.to_svg());
  const std::vector<Tick> x_ticks = ticks_of(svg, "x-axis");
  const std::vector<Tick> y_ticks = ticks_of(svg, "y-axis");
  ASSERT_GE(x_ticks.size(), 2u);
  ASSERT_GE(y_ticks.size(), 2u);
  EXPECT_GT(y_ticks.front().position, y_ticks.back().position);  // y grows upwards
  for (const phantom::PlotSeries& series : chart.series) {
    const auto runs = runs_of(svg, series.name);
    ASSERT_EQ(runs.size(), 1u) << series.name;
    ASSERT_EQ(runs[0].size(), series.xs.size()) << series.name;
    for (std::size_t i = 0; i < series.xs.size(); ++i) {
      // Coordinates are rounded to 0.01 pixel.
      EXPECT_NEAR(runs[0][i].first, position_of(x_ticks, series.xs[i]), 0.011);
      EXPECT_NEAR(runs[0][i].second, position_of(y_ticks, series.ys[i]), 0.011);
    }
  }
  // The axes span the data and end on ticks.
  EXPECT_LE(std::stod(x_ticks.front().label), 1.0);
  EXPECT_GE(std::stod(x_ticks.back().label), 6.0);
  EXPECT_LE(std::stod(y_ticks.front().label), -3.5);
  EXPECT_GE(std::stod(y_ticks.back().label), 15.0);
}

TEST(LineChart, NonFinitePointsSplitTheLineAndALonePointGetsAMarker) {
  LineChart chart;
  chart.add_series("r", {0, 1, 2, 3, 4, 5, 6, 7, 8}, {1, kNaN, 2, 3, kNaN, kNaN, 4, 5, 6});
  chart.add_series("s", {0, kNaN, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 2, kInf, 3, 3, 3, -kInf, 9});
  const xml_test::Element svg = xml_test::parse(chart.to_svg());

  const auto r = runs_of(svg, "r");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].size(), 1u);
  EXPECT_EQ(r[1].size(), 2u);
  EXPECT_EQ(r[2].size(), 3u);
  EXPECT_EQ(total_points(r), 6u);  // the finite points of "r"
  const auto s = runs_of(svg, "s");
  ASSERT_EQ(s.size(), 4u);  // {0} {2} {4,5,6} {8}: a NaN x or an infinite y is a gap too
  EXPECT_EQ(total_points(s), 6u);

  // Each lone point ({0} of r; {0}, {2}, {8} of s) also gets a marker at the same place.
  std::vector<std::string> marked;
  for (const xml_test::Element* m : svg.find_all("circle", "marker")) {
    marked.push_back(m->attr("data-series"));
  }
  EXPECT_EQ(marked, (Strings{"r", "s", "s", "s"}));
  const auto first_marker = svg.find_all("circle", "marker")[0];
  EXPECT_NEAR(std::stod(first_marker->attr("cx")), r[0][0].first, 1e-9);
  EXPECT_NEAR(std::stod(first_marker->attr("cy")), r[0][0].second, 1e-9);
}

TEST(LineChart, ASinglePointAndConstantValuesGetAPaddedRange) {
  LineChart one;
  one.add_series("p", {3}, {7});
  const xml_test::Element svg = xml_test::parse(one.to_svg());
  const auto runs = runs_of(svg, "p");
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(runs[0].size(), 1u);
  const std::vector<Tick> x_ticks = ticks_of(svg, "x-axis");
  const std::vector<Tick> y_ticks = ticks_of(svg, "y-axis");
  ASSERT_GE(x_ticks.size(), 2u);
  ASSERT_GE(y_ticks.size(), 2u);
  // The point lies strictly inside both padded axes.
  EXPECT_LT(std::stod(x_ticks.front().label), 3.0);
  EXPECT_GT(std::stod(x_ticks.back().label), 3.0);
  EXPECT_LT(std::stod(y_ticks.front().label), 7.0);
  EXPECT_GT(std::stod(y_ticks.back().label), 7.0);
  EXPECT_NEAR(runs[0][0].first, position_of(x_ticks, 3.0), 0.011);
  EXPECT_NEAR(runs[0][0].second, position_of(y_ticks, 7.0), 0.011);

  LineChart flat;
  flat.add_series("zero", {0, 1, 2}, {0, 0, 0});
  const xml_test::Element flat_svg = xml_test::parse(flat.to_svg());
  const std::vector<Tick> flat_y = ticks_of(flat_svg, "y-axis");
  ASSERT_GE(flat_y.size(), 2u);
  EXPECT_EQ(flat_y.front().label, "-1.0");
  EXPECT_EQ(flat_y.back().label, "1.0");
  EXPECT_EQ(total_points(runs_of(flat_svg, "zero")), 3u);
}

TEST(LineChart, EscapesSpecialCharactersAndTheyRoundTrip) {
  const std::string title = "a <b> & \"c\" 'd'";
  const std::string series = "policy/<&>/reward_mean";
  LineChart chart;
  chart.title = title;
  chart.x_label = "x < 1 & y > 2";
  chart.y_label = "\"quoted\"";
  chart.add_series(series, {0, 1}, {0, 1});
  const std::string text = chart.to_svg();
  EXPECT_EQ(text.find("<b>"), std::string::npos);
  EXPECT_NE(text.find("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;"), std::string::npos);

  const xml_test::Element svg = xml_test::parse(text);
  EXPECT_EQ(svg.find_all("title")[0]->text, title);
  EXPECT_EQ(text_of_class(svg, "title"), title);
  EXPECT_EQ(text_of_class(svg, "x-label"), "x < 1 & y > 2");
  EXPECT_EQ(text_of_class(svg, "y-label"), "\"quoted\"");
  EXPECT_EQ(runs_of(svg, series).size(), 1u);
  const auto entries = svg.find_all("g", "legend-entry");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]->attr("data-series"), series);
  EXPECT_EQ(entries[0]->find_all("text")[0]->text, series);
}

TEST(LineChart, ReplacesControlCharactersXmlForbids) {
  EXPECT_EQ(phantom::xml_escape("a<b>&\"'\tz"), "a&lt;b&gt;&amp;&quot;&apos;\tz");
  EXPECT_EQ(phantom::xml_escape(std::string("x\x01y", 3)), "x\xEF\xBF\xBDy");
  LineChart chart;
  chart.title = "bell\x07";
  chart.add_series("s", {0, 1}, {0, 1});
  EXPECT_EQ(text_of_class(xml_test::parse(chart.to_svg()), "title"), "bell\xEF\xBF\xBD");
}

TEST(LineChart, RejectsEmptyMismatchedDuplicateAndPointlessSeries) {
  auto message = [](const LineChart& chart) {
    return error_message<phantom::ValueError>([&] { chart.to_svg(); });
  };
  LineChart none;
  none.title = "t";
  EXPECT_CONTAINS(message(none), "line chart 't': no series");

  LineChart empty;
  empty.add_series("full", {1}, {1}).add_series("hollow", {}, {});
  EXPECT_CONTAINS(message(empty), "series 'hollow' is empty");

  LineChart mismatched;
  mismatched.add_series("crooked", {1, 2, 3}, {1, 2});
  EXPECT_CONTAINS(message(mismatched), "series 'crooked' has 3 xs but 2 ys");

  LineChart twice;
  twice.add_series("same", {1}, {1}).add_series("same", {2}, {2});
  EXPECT_CONTAINS(message(twice), "two series are named 'same'");

  LineChart gaps_only;
  gaps_only.add_series("nan", {1, 2}, {kNaN, kNaN});
  EXPECT_CONTAINS(message(gaps_only), "no series has a point with finite x and y");

  LineChart tiny;
  tiny.size = {100, 100};
  tiny.add_series("s", {1}, {1});
  EXPECT_CONTAINS(error_message<phantom::ConfigError>([&] { tiny.to_svg(); }),
                  "at least 200 x 150, not 100 x 100");
}

TEST(LineChart, AnAllNanSeriesIsOnlyInTheLegend) {
  LineChart chart;
  chart.add_series("data", {1, 2}, {1, 2}).add_series("nothing", {1, 2}, {kNaN, kNaN});
  const xml_test::Element svg = xml_test::parse(chart.to_svg());
  EXPECT_EQ(runs_of(svg, "data").size(), 1u);
  EXPECT_EQ(runs_of(svg, "nothing").size(), 0u);
  EXPECT_EQ(svg.find_all("g", "legend-entry").size(), 2u);
}

TEST(LineChart, GivesEachSeriesItsOwnColour) {
  LineChart chart;
  for (int i = 0; i < 24; ++i) chart.add_series("s" + std::to_string(i), {0, 1}, {0, double(i)});
  const xml_test::Element svg = xml_test::parse(chart.to_svg());
  std::set<std::string> colours;
  for (const xml_test::Element* p : svg.find_all("polyline", "series")) {
    colours.insert(p->attr("stroke"));
  }
  EXPECT_EQ(colours.size(), 24u);
}

// A locale whose numbers look like "1.234,5": output built with iostreams would change.
struct CommaDecimal : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

TEST(LineChart, OutputIsDeterministicWhateverTheLocale) {
  const std::string first = two_series_chart().to_svg();
  EXPECT_EQ(two_series_chart().to_svg(), first);
  Histogram hist;
  hist.values = {0.25, 1.5, 1.5, 2.75, 12345.5};
  const std::string first_hist = hist.to_svg();

  const std::locale previous =
      std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
  const std::string with_comma = two_series_chart().to_svg();
  const std::string hist_with_comma = hist.to_svg();
  std::locale::global(previous);
  EXPECT_EQ(with_comma, first);
  EXPECT_EQ(hist_with_comma, first_hist);
}

TEST(LineChart, WriteSvgWritesWhatToSvgReturns) {
  ScratchDir dir;
  const LineChart chart = two_series_chart();
  chart.write_svg(dir.file("chart.svg"));
  EXPECT_EQ(read_all(dir.file("chart.svg")), chart.to_svg());
  EXPECT_CONTAINS(error_message<phantom::Error>([&] { chart.write_svg(dir.file("no/such.svg")); }),
                  "no/such.svg");
}

// ---------------------------------------------------------------------------------------------
// Ticks.

TEST(NiceTicks, StepsAreOneTwoOrFiveTimesAPowerOfTenWithExactLabels) {
  EXPECT_EQ(phantom::nice_ticks(0.13, 0.87, 5).labels,
            (Strings{"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"}));
  EXPECT_EQ(phantom::nice_ticks(0, 600, 6).labels,
            (Strings{"0", "100", "200", "300", "400", "500", "600"}));
  EXPECT_EQ(phantom::nice_ticks(-200, 330, 5).labels,
            (Strings{"-200", "-100", "0", "100", "200", "300", "400"}));
  EXPECT_EQ(phantom::nice_ticks(0, 1, 2).labels, (Strings{"0.0", "0.5", "1.0"}));
  EXPECT_EQ(phantom::nice_ticks(1, 9, 4).labels, (Strings{"0", "2", "4", "6", "8", "10"}));
  EXPECT_EQ(phantom::nice_ticks(0, 3e9, 3).labels, (Strings{"0", "1e9", "2e9", "3e9"}));
  EXPECT_EQ(phantom::nice_ticks(1e-7, 5e-7, 4).labels,
            (Strings{"1e-7", "2e-7", "3e-7", "4e-7", "5e-7"}));
  EXPECT_EQ(phantom::nice_ticks(-0.0031, -0.0009, 2).labels,
            (Strings{"-0.004", "-0.003", "-0.002", "-0.001", "0.000"}));

  const phantom::AxisTicks t = phantom::nice_ticks(0.13, 0.87, 5);
  EXPECT_EQ(t.range.lo, 0.1);
  EXPECT_EQ(t.range.hi, 0.9);
  EXPECT_EQ(t.values[2], 0.3);  // 3 / 10, not 3 * 0.1
}

TEST(NiceTicks, KeepsTheRangeWhenNotWidening) {
  const phantom::AxisTicks t = phantom::nice_ticks(0.05, 0.95, 5, false);
  EXPECT_EQ(t.range.lo, 0.05);
  EXPECT_EQ(t.range.hi, 0.95);
  EXPECT_EQ(t.labels, (Strings{"0.2", "0.4", "0.6", "0.8"}));

  // A range too narrow to step through is padded to choose the step, but stays as it was.
  const phantom::AxisTicks narrow = phantom::nice_ticks(1e20, 1.00000000001e20, 5, false);
  EXPECT_EQ(narrow.range.lo, 1e20);
  EXPECT_EQ(narrow.range.hi, 1.00000000001e20);
  for (const double v : narrow.values) {
    EXPECT_GE(v, 1e20);
    EXPECT_LE(v, 1.00000000001e20);
  }
}

TEST(NiceTicks, PadsEqualEndsAndCanKeepStepsWhole) {
  const phantom::AxisTicks zero = phantom::nice_ticks(0, 0);
  EXPECT_EQ(zero.range.lo, -1.0);
  EXPECT_EQ(zero.range.hi, 1.0);
  const phantom::AxisTicks five = phantom::nice_ticks(5, 5);
  EXPECT_LT(five.range.lo, 5.0);
  EXPECT_GT(five.range.hi, 5.0);
  EXPECT_EQ(phantom::nice_ticks(0, 2, 5, true, true).labels, (Strings{"0", "1", "2"}));
  EXPECT_THROW(phantom::nice_ticks(kNaN, 1), phantom::ValueError);
  EXPECT_THROW(phantom::nice_ticks(2, 1), phantom::ValueError);
  EXPECT_THROW(phantom::nice_ticks(-1e308, 1e308), phantom::ValueError);
}

// ---------------------------------------------------------------------------------------------
// Histograms.

TEST(Histogram, DrawsOneBarPerBinWithHeightsProportionalToCounts) {
  Histogram hist;
  hist.title = "returns";
  hist.x_label = "episode return";
  hist.values = {0, 0.5, 1, 1.5, 2, 2.2, 3, 3.9, 4, 7.3, 10, 9.5, 6};
  hist.bins = 5;
  hist.range = phantom::PlotRange{0, 10};

  // Counted here independently: bins of width 2, the last one closed.
  std::vector<std::size_t> expected(5, 0);
  for (const double v : hist.values) ++expected[std::min<std::size_t>(std::size_t(v / 2), 4)];

  const xml_test::Element svg = xml_test::parse(hist.to_svg());
  const auto bars = svg.find_all("rect", "bar");
  ASSERT_EQ(bars.size(), 5u);
  std::size_t max_count = 0;
  double max_height = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    EXPECT_EQ(bars[i]->attr("data-count"), std::to_string(expected[i])) << "bin " << i;
    if (expected[i] > max_count) {
      max_count = expected[i];
      max_height = std::stod(bars[i]->attr("height"));
    }
  }
  ASSERT_GT(max_height, 0.0);
  const double bottom = std::stod(bars[0]->attr("y")) + std::stod(bars[0]->attr("height"));
  const double width = std::stod(bars[0]->attr("width"));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double height = std::stod(bars[i]->attr("height"));
    EXPECT_NEAR(height / max_height, double(expected[i]) / double(max_count), 1e-3) << i;
    EXPECT_NEAR(std::stod(bars[i]->attr("y")) + height, bottom, 0.011);  // all on the x axis
    EXPECT_NEAR(std::stod(bars[i]->attr("width")), width, 0.011);
    if (i > 0) {  // side by side
      EXPECT_NEAR(std::stod(bars[i]->attr("x")),
                  std::stod(bars[i - 1]->attr("x")) + std::stod(bars[i - 1]->attr("width")), 0.02);
    }
  }
  EXPECT_EQ(text_of_class(svg, "title"), "returns");
  EXPECT_EQ(text_of_class(svg, "x-label"), "episode return");
  EXPECT_EQ(text_of_class(svg, "y-label"), "count");
  EXPECT_TRUE(svg.find_all("text", "note").empty());  // nothing skipped
}

TEST(Histogram, AValueOnAnEdgeGoesToTheBinItStarts) {
  Histogram hist;
  hist.values = {0.3, 0.7, 0.1, 0.9, 1.0, 0.0};
  hist.bins = 10;
  hist.range = phantom::PlotRange{0, 1};
  const phantom::HistogramCounts c = hist.count();
  EXPECT_EQ(c.counts, (std::vector<std::size_t>{1, 1, 0, 1, 0, 0, 0, 1, 0, 2}));
  EXPECT_EQ(c.edge(3), 0.3);
  EXPECT_EQ(c.edge(10), 1.0);
}

TEST(Histogram, SkipsNonFiniteValuesAndSaysHowMany) {
  Histogram hist;
  hist.values = {1, kNaN, 2, kInf, 3, -kInf, 4, 100};
  hist.bins = 3;
  hist.range = phantom::PlotRange{1, 4};
  const phantom::HistogramCounts c = hist.count();
  EXPECT_EQ(c.non_finite, 3u);
  EXPECT_EQ(c.out_of_range, 1u);
  EXPECT_EQ(c.counts, (std::vector<std::size_t>{1, 1, 2}));
  const xml_test::Element svg = xml_test::parse(hist.to_svg());
  EXPECT_EQ(text_of_class(svg, "note"), "3 non-finite values, 1 value outside the range skipped");
  EXPECT_EQ(svg.find_all("rect", "bar").size(), 3u);
}

TEST(Histogram, ChoosesBinsByFreedmanDiaconis) {
  // 0..99: IQR = 74.25 - 24.75 = 49.5, width 2 * 49.5 / 100^(1/3) = 21.33 over a span of 99.
  std::vector<double> values;
  for (int i = 0; i < 100; ++i) values.push_back(i);
  const double width = 2.0 * 49.5 / std::cbrt(100.0);
  const int expected = static_cast<int>(std::ceil(99.0 / width));
  EXPECT_EQ(expected, 5);
  EXPECT_EQ(phantom::default_histogram_bins(values, {0, 99}), expected);
  Histogram hist;
  hist.values = values;
  EXPECT_EQ(hist.count().counts.size(), 5u);
  EXPECT_EQ(xml_test::parse(hist.to_svg()).find_all("rect", "bar").size(), 5u);

  // A zero IQR falls back to ceil(sqrt(n)); equal values get one bin.
  EXPECT_EQ(phantom::default_histogram_bins({1, 1, 1, 1, 1, 1, 1, 1, 5}, {1, 5}), 3);
  Histogram equal;
  equal.values = {2, 2, 2};
  const phantom::HistogramCounts c = equal.count();
  EXPECT_EQ(c.counts, (std::vector<std::size_t>{3}));
  EXPECT_EQ(c.range.lo, 1.5);
  EXPECT_EQ(c.range.hi, 2.5);
}

TEST(Histogram, RejectsNoFiniteValuesAndBadSettings) {
  Histogram hist;
  hist.title = "h";
  hist.values = {kNaN, kInf};
  EXPECT_CONTAINS(error_message<phantom::ValueError>([&] { hist.to_svg(); }),
                  "histogram 'h': no finite values to count (2 values, all NaN or infinite)");
  hist.values.clear();
  EXPECT_CONTAINS(error_message<phantom::ValueError>([&] { hist.count(); }), "no finite values");

  hist.values = {1, 2};
  hist.bins = -1;
  EXPECT_CONTAINS(error_message<phantom::ConfigError>([&] { hist.count(); }), "not -1");
  hist.bins = 0;
  hist.range = phantom::PlotRange{2, 2};
  EXPECT_CONTAINS(error_message<phantom::ConfigError>([&] { hist.count(); }),
                  "the range must be finite with lo < hi, not [2, 2]");
}

}  // namespace

// Reproducer: equal values of 1e17 or more were padded by 0.5, which does not change them, so the
// range had no width and every value went to bin NaN cast to size_t (undefined behaviour). The
// padding now grows with the value; non-finite values beside them are still skipped.
TEST(Histogram, EqualHugeValuesGetARangeWithAWidth) {
  for (const double v : {1e17, -3e17, 1e300, std::numeric_limits<double>::max(),
                         -std::numeric_limits<double>::max()}) {
    Histogram hist;
    hist.values = {v, v, kNaN, v, kInf, -kInf};
    const phantom::HistogramCounts c = hist.count();
    EXPECT_LT(c.range.lo, c.range.hi) << v;
    EXPECT_TRUE(std::isfinite(c.range.lo) && std::isfinite(c.range.hi)) << v;
    EXPECT_LE(c.range.lo, v);
    EXPECT_GE(c.range.hi, v);
    EXPECT_EQ(c.counts, std::vector<std::size_t>{3}) << v;
    EXPECT_EQ(c.non_finite, 3u);
    hist.bins = 7;
    std::size_t total = 0;
    for (const std::size_t k : hist.count().counts) total += k;
    EXPECT_EQ(total, 3u) << v;
    if (std::fabs(v) > 1e307) {
      // The axis's ticks cannot be padded beyond the largest double: an error, as for a line
      // chart of such values, not undefined behaviour.
      EXPECT_THROW(hist.to_svg(), phantom::ValueError);
      continue;
    }
    const xml_test::Element svg = xml_test::parse(hist.to_svg());
    EXPECT_EQ(svg.find_all("rect", "bar").size(), 7u);
  }
  // Small values keep the padding of 0.5.
  Histogram small;
  small.values = {2, 2};
  EXPECT_EQ(small.count().range.lo, 1.5);
  EXPECT_EQ(small.count().range.hi, 2.5);
}
