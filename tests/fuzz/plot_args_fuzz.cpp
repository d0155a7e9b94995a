// Fuzz target: phantom-plot's command line and the file it draws (analysis/plot_cli.cpp,
// svg_plot.cpp). The input is a CSV file, a line "%%", then one argument per line (without the
// separator, all of it is arguments and the CSV is a small default). The CSV is written to m.csv
// in the target's scratch directory, which is also the working directory; an argument holding
// '/' is not run (the tool writes where -o says). Properties: the exit status is 0, 1 or 2, and
// no message is an internal error (an exception that is not a phantom::Error).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/plot_cli.hpp"
#include "fuzz_support.hpp"

namespace {

const char* const kDefaultCsv =
    "iteration,policy/p/reward_mean,loss\n1,0.5,2\n2,0.75,\n3,1e300,-1\n4,nan,inf\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool in_scratch = chdir(fuzz::scratch_dir().c_str()) == 0;
  if (!in_scratch) fuzz::finding("cannot enter the scratch directory");
  const std::string input = fuzz::text(data, size);
  const std::size_t sep = input.find("\n%%\n");
  const std::string csv = sep == std::string::npos ? kDefaultCsv : input.substr(0, sep + 1);
  const std::string arg_text = sep == std::string::npos ? input : input.substr(sep + 4);

  std::vector<std::string> args;
  std::size_t start = 0;
  while (start <= arg_text.size()) {
    std::size_t end = arg_text.find('\n', start);
    if (end == std::string::npos) end = arg_text.size();
    if (end > start || end < arg_text.size()) args.push_back(arg_text.substr(start, end - start));
    start = end + 1;
  }
  for (const std::string& a : args) {
    if (a.find('/') != std::string::npos) return 0;
  }
  fuzz::clear_dir(fuzz::scratch_dir());
  fuzz::write_file("m.csv", csv);

  std::ostringstream out, err;
  int status = 0;
  fuzz::must_succeed("run_phantom_plot never throws",
                     [&] { status = phantom::run_phantom_plot(args, out, err); });
  fuzz::check(status == 0 || status == phantom::kPlotError || status == phantom::kPlotUsageError,
              "phantom-plot exits with 0, 1 or 2");
  // (Only at the start: an argument echoed in a message may hold any text.)
  fuzz::check(err.str().rfind("phantom-plot: internal error", 0) != 0,
              "no internal error: " + err.str());
  return 0;
}
