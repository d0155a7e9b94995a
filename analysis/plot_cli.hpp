// The logic of the phantom-plot command-line tool (tools/phantom_plot.cpp is only its main), kept
// in the library so that tests can run it with string streams:
//
//   phantom-plot METRICS.csv... -o OUT.svg [--x COLUMN] [--y COLUMN]... [--smooth W] [--title T]
//   phantom-plot METRICS.csv -o OUT.svg --hist COLUMN [--bins N] [--title TEXT]
//
// The first form draws a line chart (analysis/svg_plot.hpp) of the --y columns against the --x
// column (default: "iteration"; default y: every column whose name ends in "reward_mean"), from
// one file or overlaid from several (comparing runs), optionally smoothed by an exponential
// moving average; the second a histogram of one column. Empty cells are NaN: gaps in a line,
// skipped by a histogram; a column under "evaluation/", empty between evaluations, is drawn
// through its values.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace phantom {

/// phantom-plot's exit status for a command line it cannot parse (an unknown option, a missing
/// -o or CSV file, a bad --bins).
constexpr int kPlotUsageError = 2;
/// phantom-plot's exit status for any other failure (a file that cannot be read or written, an
/// unknown column, a cell that is not a number, nothing to draw).
constexpr int kPlotError = 1;

/// The text `phantom-plot --help` prints.
std::string phantom_plot_usage();

/// Runs phantom-plot with `args`, the command-line arguments after the program name. Writes the
/// SVG file atomically and one line saying what it wrote to `out` (the usage text for --help);
/// error messages, prefixed "phantom-plot: ", go to `err`. Returns 0 on success,
/// kPlotUsageError or kPlotError. Never throws for bad input or files: every phantom::Error
/// becomes a message ("phantom-plot: error: ...") and kPlotError; any other std::exception, which
/// would be a bug, too, as "phantom-plot: internal error (please report it): ...".
int run_phantom_plot(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace phantom
