// phantom-plot: command-line parsing, column selection and the chart, with every failure turned
// into a message and an exit status.
#include "analysis/plot_cli.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "analysis/csv_reader.hpp"
#include "analysis/svg_plot.hpp"
#include "nn/error.hpp"
#include "nn/parse_number.hpp"
#include "phantom/format.hpp"

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
  std::vector<std::string> csvs;
  std::string output;
  std::string x;
  std::vector<std::string> ys;
  std::string title;
  std::string hist;
  bool histogram = false;
  int bins = 0;
  std::optional<double> smooth;  // the EMA's weight on the past, in [0, 1)
  bool help = false;
};

// Columns under this prefix hold a value only on the rows of iterations that evaluated: their
// lines join those values rather than showing a gap between every two.
constexpr std::string_view kSparsePrefix = "evaluation/";

// "--smooth": a number in [0, 1).
double parse_smooth(const std::string& text) {
  const std::optional<double> value = parse_real(text);
  if (!value || !(*value >= 0.0 && *value < 1.0)) {
    throw UsageError("--smooth expects a weight from 0 up to (not including) 1, not '" + text +
                     "'");
  }
  return *value;
}

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
  bool output_given = false, hist_given = false, smooth_given = false;
  std::string bins_text, smooth_text;
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
                       name == "--title" || name == "--hist" || name == "--bins" ||
                       name == "--smooth";
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
    } else if (name == "--smooth") {
      set_once(smooth_text, smooth_given, "--smooth", value);
    } else {
      set_once(bins_text, bins_given, "--bins", value);
    }
  }
  if (o.help) return o;

  if (positional.empty()) throw UsageError("no CSV file given");
  if (hist_given && positional.size() > 1) {
    throw UsageError("--hist draws one CSV file, got " + std::to_string(positional.size()) + " ('" +
                     positional[0] + "', '" + positional[1] + "'...)");
  }
  o.csvs = positional;
  if (!output_given || o.output.empty()) throw UsageError("no output file: give -o OUT.svg");
  if (hist_given && (x_given || !o.ys.empty())) {
    throw UsageError("--hist draws one column and cannot be combined with --x or --y");
  }
  if (bins_given && !hist_given) throw UsageError("--bins applies only to --hist");
  if (bins_given) o.bins = parse_bins(bins_text);
  if (smooth_given && hist_given) throw UsageError("--smooth applies only to line charts");
  if (smooth_given) o.smooth = parse_smooth(smooth_text);
  if (!x_given) o.x = kDefaultX;
  if (!title_given) {
    o.title = o.csvs[0];
    if (o.csvs.size() > 1) o.title += " and " + std::to_string(o.csvs.size() - 1) + " more";
  }
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

// The columns drawn from `table`: the --y columns, or by default every column whose name ends
// in kDefaultYSuffix.
std::vector<std::string> chosen_columns(const Options& o, const CsvTable& table) {
  if (!o.ys.empty()) return o.ys;
  std::vector<std::string> ys;
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
  return ys;
}

// What names each file's series when several are overlaid: a run's metrics.csv by its run
// directory's name, another file by its path; the full paths if those names collide.
std::vector<std::string> file_labels(const std::vector<std::string>& paths) {
  std::vector<std::string> labels;
  for (const std::string& path : paths) {
    const std::filesystem::path p(path);
    const std::string parent = p.parent_path().filename().string();
    labels.push_back(p.filename() == "metrics.csv" && !parent.empty() ? parent : path);
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (std::count(labels.begin(), labels.end(), labels[i]) > 1) return paths;
  }
  return labels;
}

// The rows where both x and y have a value (a sparse column's line joins its values).
void keep_finite(std::vector<double>& xs, std::vector<double>& ys) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
    xs[n] = xs[i];
    ys[n] = ys[i];
    ++n;
  }
  xs.resize(n);
  ys.resize(n);
}

void draw_line_chart(const Options& o, const std::vector<CsvTable>& tables, std::ostream& out) {
  const std::vector<std::string> labels = file_labels(o.csvs);
  LineChart chart;
  chart.title = o.title;
  chart.x_label = o.x;
  std::size_t points = 0;
  std::vector<std::string> drawn;
  for (std::size_t f = 0; f < tables.size(); ++f) {
    const CsvTable& table = tables[f];
    const std::vector<double> xs = column_numbers(table, o.x, "--x");
    for (const std::string& y : chosen_columns(o, table)) {
      std::vector<double> series_xs = xs, values = column_numbers(table, y, "--y");
      if (y.compare(0, kSparsePrefix.size(), kSparsePrefix) == 0) keep_finite(series_xs, values);
      if (o.smooth) smooth_ema(values, *o.smooth);
      points += finite_points(series_xs, values);
      std::string name = tables.size() > 1 ? labels[f] + ": " + y : y;
      if (o.smooth) name += " (smoothed " + double_string(*o.smooth) + ")";
      chart.add_series(std::move(name), std::move(series_xs), std::move(values));
      if (std::find(drawn.begin(), drawn.end(), y) == drawn.end()) drawn.push_back(y);
    }
  }
  chart.y_label = drawn.size() == 1 ? drawn[0] : "value";
  chart.write_svg(o.output);
  out << "wrote " << o.output << " (line chart: " << chart.series.size() << " series, " << points
      << (points == 1 ? " point" : " points");
  if (tables.size() > 1) out << " from " << tables.size() << " files";
  out << ")\n";
}

}  // namespace

std::string phantom_plot_usage() {
  return "Usage: phantom-plot METRICS.csv... -o OUT.svg [--x COLUMN] [--y COLUMN]... [--smooth W]\n"
         "                   [--title TEXT]\n"
         "       phantom-plot METRICS.csv -o OUT.svg --hist COLUMN [--bins N] [--title TEXT]\n"
         "\n"
         "Draws columns of CSV files (such as the metrics.csv of training runs) as an SVG line\n"
         "chart, or with --hist a histogram of one column of one file. With several files, the\n"
         "runs are overlaid: each series is named after its run's directory (or file).\n"
         "\n"
         "  -o, --output FILE  the SVG file to write (required)\n"
         "  --x COLUMN         the column along the x axis (default: iteration)\n"
         "  --y COLUMN         a column to draw against it; repeat for several (default: every\n"
         "                     column whose name ends in reward_mean)\n"
         "  --hist COLUMN      draw a histogram of COLUMN instead of a line chart\n"
         "  --bins N           the histogram's number of bins, 1 to 10000 (default: chosen from\n"
         "                     the data by the Freedman-Diaconis rule)\n"
         "  --smooth W         draw each line smoothed by an exponential moving average with\n"
         "                     weight W on the past, 0 <= W < 1 (TensorBoard's smoothing)\n"
         "  --title TEXT       the chart's title (default: the CSV file's path)\n"
         "  -h, --help         print this help and exit\n"
         "\n"
         "Empty cells are gaps in a line and are skipped by a histogram; the lines of columns\n"
         "under evaluation/ (empty between evaluations) join their values instead.\n"
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
    std::vector<CsvTable> tables;
    for (const std::string& path : o.csvs) {
      tables.push_back(read_csv(path));
      if (tables.back().rows.empty()) {
        throw Error("CSV '" + path + "' has a header but no rows: nothing to draw");
      }
    }
    if (o.histogram) {
      draw_histogram(o, tables[0], out);
    } else {
      draw_line_chart(o, tables, out);
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
