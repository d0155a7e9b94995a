// phantom-plot: draws columns of a metrics CSV as an SVG line chart or histogram. All the logic
// is in the library (analysis/plot_cli.hpp), where the tests run it; this is only the entry point.
#include <iostream>
#include <string>
#include <vector>

#include "analysis/plot_cli.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return phantom::run_phantom_plot(args, std::cout, std::cerr);
}
