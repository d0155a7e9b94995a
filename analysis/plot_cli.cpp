// phantom-plot: command-line parsing, column selection and the chart, with every failure turned
// into a message and an exit status.
#include "analysis/plot_cli.hpp"

#include <cmath>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "analysis/csv_reader.hpp"
#include "analysis/svg_plot.hpp"
#include "nn/error.hpp"
#include "nn/parse_number.hpp"

namespace phantom {

namespace {

constexpr const char* kDefaultX = "iteration";
constexpr std::string_view kDefaultYSuffix = "reward_mean";
constexpr int kMaxBins = 10000;
// An error message lists at most this many of a file's columns.
constexpr std::size_t kMaxListedColumns = 40;

// A command line phantom-plot cannot parse: exit status kPlotUsageError.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  std::string csv;
  std::string output;
  std::string x;
  std::vector<std::string> ys;
  std::string title;
  std::string hist;
  bool histogram = false;
  int bins = 0;
  bool help = false;
};

// "--bins": a whole number from 1 to kMaxBins.
int parse_bins(const std::string& text) {
  const std::optional<int64_t> value = parse_integer(text, 1, kMaxBins);
  if (!value) {
    throw UsageError("--bins expects a whole number from 1 to " + std::to_string(kMaxBins) +
                     ", not '" + text + "'");
  }
  return static_cast<int>(*value);
}

Options parse_args(const std::vector<std::string>& args) {
  Options o;
  std::vector<std::string> positional;
  bool x_given = false, title_given = false, bins_given = false;
  auto set_once = [](std::string& field, bool& given, const std::string& name,
                     const std::string& value) {
    if (given) throw UsageError(name + " given twice");
    given = true;
    field = value;
  };
  bool output_given = false, hist_given = false;
  std::string bins_text;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    std::string name = arg;
    std::string value;
    bool has_inline_value = false;
    const std::size_t eq = arg.find('=');
    if (arg.compare(0, 2, "--") == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_inline_value = true;
    }
    if (name == "-h" || name == "--help") {
      if (has_inline_value) throw UsageError(name + " takes no value");
      o.help = true;
      continue;
    }
    const bool known = name == "-o" || name == "--output" || name == "--x" || name == "--y" ||
                       name == "--title" || name == "--hist" || name == "--bins";
    if (!known) throw UsageError("unknown option '" + name + "'");
    if (!has_inline_value) {
      if (i + 1 >= args.size()) throw UsageError(name + " needs a value");
      value = args[++i];
    }
    if (name == "-o" || name == "--output") {
      set_once(o.output, output_given, "-o", value);
    } else if (name == "--x") {
      set_once(o.x, x_given, "--x", value);
    } else if (name == "--y") {
      o.ys.push_back(value);
    } else if (name == "--title") {
      set_once(o.title, title_given, "--title", value);
    } else if (name == "--hist") {
      set_once(o.hist, hist_given, "--hist", value);
    } else {
      set_once(bins_text, bins_given, "--bins", value);
    }
  }
  if (o.help) return o;

  if (positional.empty()) throw UsageError("no CSV file given");
  if (positional.size() > 1) {
    throw UsageError("one CSV file expected, got " + std::to_string(positional.size()) + " ('" +
                     positional[0] + "', '" + positional[1] + "'...)");
  }
  o.csv = positional[0];
  if (!output_given || o.output.empty()) throw UsageError("no output file: give -o OUT.svg");
  if (hist_given && (x_given || !o.ys.empty())) {
    throw UsageError("--hist draws one column and cannot be combined with --x or --y");
  }
  if (bins_given && !hist_given) throw UsageError("--bins applies only to --hist");
  if (bins_given) o.bins = parse_bins(bins_text);
  if (!x_given) o.x = kDefaultX;
  if (!title_given) o.title = o.csv;
  o.histogram = hist_given;
  return o;
}

// "'a', 'b', 'c'": the file's columns, at most kMaxListedColumns of them.
std::string column_list(const CsvTable& table) {
  std::string list;
  for (std::size_t i = 0; i < table.header.size() && i < kMaxListedColumns; ++i) {
    if (i > 0) list += ", ";
    list += "'" + table.header[i] + "'";
  }
  if (table.header.size() > kMaxListedColumns) {
    list += " and " + std::to_string(table.header.size() - kMaxListedColumns) + " more";
  }
  return list;
}

// A column's numbers; an unknown column is an Error listing the columns there are.
std::vector<double> column_numbers(const CsvTable& table, const std::string& name,
                                   const char* option) {
  if (table.find_column(name) < 0) {
    throw Error("CSV '" + table.source + "' has no column '" + name + "' (given to " + option +
                "); its columns are " + column_list(table));
  }
  return table.numbers(name);
}

std::size_t finite_points(const std::vector<double>& xs, const std::vector<double>& ys) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (std::isfinite(xs[i]) && std::isfinite(ys[i])) ++n;
  }
  return n;
}

void draw_histogram(const Options& o, const CsvTable& table, std::ostream& out) {
  Histogram hist;
  hist.title = o.title;
  hist.x_label = o.hist;
  hist.values = column_numbers(table, o.hist, "--hist");
  hist.bins = o.bins;
  const HistogramCounts counts = hist.count();
  hist.write_svg(o.output);
  out << "wrote " << o.output << " (histogram of '" << o.hist
      << "': " << hist.values.size() - counts.non_finite << " values in " << counts.counts.size()
      << (counts.counts.size() == 1 ? " bin" : " bins");
  if (counts.non_finite > 0) out << ", " << counts.non_finite << " empty or non-finite skipped";
  out << ")\n";
}

void draw_line_chart(const Options& o, const CsvTable& table, std::ostream& out) {
  const std::vector<double> xs = column_numbers(table, o.x, "--x");
  std::vector<std::string> ys = o.ys;
  if (ys.empty()) {
    for (const std::string& name : table.header) {
      if (name != o.x && name.size() >= kDefaultYSuffix.size() &&
          name.compare(name.size() - kDefaultYSuffix.size(), kDefaultYSuffix.size(),
                       kDefaultYSuffix) == 0) {
        ys.push_back(name);
      }
    }
    if (ys.empty()) {
      throw Error("CSV '" + table.source + "' has no column ending in '" +
                  std::string(kDefaultYSuffix) +
                  "' to draw by default; choose columns with --y from " + column_list(table));
    }
  }
  LineChart chart;
  chart.title = o.title;
  chart.x_label = o.x;
  chart.y_label = ys.size() == 1 ? ys[0] : "value";
  std::size_t points = 0;
  for (const std::string& y : ys) {
    std::vector<double> values = column_numbers(table, y, "--y");
    points += finite_points(xs, values);
    chart.add_series(y, xs, std::move(values));
  }
  chart.write_svg(o.output);
  out << "wrote " << o.output << " (line chart: " << ys.size() << " series, " << points
      << (points == 1 ? " point)\n" : " points)\n");
}

}  // namespace

std::string phantom_plot_usage() {
  return "Usage: phantom-plot METRICS.csv -o OUT.svg [--x COLUMN] [--y COLUMN]... [--title TEXT]\n"
         "       phantom-plot METRICS.csv -o OUT.svg --hist COLUMN [--bins N] [--title TEXT]\n"
         "\n"
         "Draws columns of a CSV file (such as the metrics.csv of a training run) as an SVG\n"
         "line chart, or with --hist a histogram of one column.\n"
         "\n"
         "  -o, --output FILE  the SVG file to write (required)\n"
         "  --x COLUMN         the column along the x axis (default: iteration)\n"
         "  --y COLUMN         a column to draw against it; repeat for several (default: every\n"
         "                     column whose name ends in reward_mean)\n"
         "  --hist COLUMN      draw a histogram of COLUMN instead of a line chart\n"
         "  --bins N           the histogram's number of bins, 1 to 10000 (default: chosen from\n"
         "                     the data by the Freedman-Diaconis rule)\n"
         "  --title TEXT       the chart's title (default: the CSV file's path)\n"
         "  -h, --help         print this help and exit\n"
         "\n"
         "Empty cells are gaps in a line and are skipped by a histogram.\n"
         "Exit status: 0 on success, 2 for a usage error (unknown option, no -o, bad --bins),\n"
         "1 for any other error (unreadable file, unknown column, a cell that is not a number).\n";
}

int run_phantom_plot(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    const Options o = parse_args(args);
    if (o.help) {
      out << phantom_plot_usage();
      return 0;
    }
    const CsvTable table = read_csv(o.csv);
    if (table.rows.empty()) {
      throw Error("CSV '" + table.source + "' has a header but no rows: nothing to draw");
    }
    if (o.histogram) {
      draw_histogram(o, table, out);
    } else {
      draw_line_chart(o, table, out);
    }
    return 0;
  } catch (const UsageError& e) {
    err << "phantom-plot: " << e.what() << "\nTry 'phantom-plot --help' for more information.\n";
    return kPlotUsageError;
  } catch (const Error& e) {
    err << "phantom-plot: error: " << e.what() << "\n";
    return kPlotError;
  } catch (const std::exception& e) {  // not a phantom::Error: a bug, not bad input
    err << "phantom-plot: internal error (please report it): " << e.what() << "\n";
    return kPlotError;
  }
}

}  // namespace phantom
