// Timing modes of phantom-regress: medians of repeated runs, and an A/B comparison of two builds.
//
// This VM's speed drifts by tens of percent from minute to minute (bench/README.md), so a
// comparison of two builds measured one after the other mostly measures the drift. --ab
// therefore runs the two binaries alternately, workload by workload (A B, then B A, ...), each
// run in a fresh process that reports the seconds of the workload alone, so a slow phase hits
// both builds. Each pair gives a ratio other / this; the workload's ratio is the median of its
// pairs, and its noise band is the spread of those ratios around it: 3 robust standard errors
// (1.4826 x the median absolute deviation, over the square root of the pair count), at least
// 2 %. A workload is flagged only when its ratio is outside 1 +- band.
#pragma once

#include <string>
#include <vector>

#include "workloads.hpp"

namespace regress {

/// Seconds one run of `w` takes, its checksum computed as in --check (so nothing is skipped).
double time_once(const Workload& w);

/// Runs each workload `repeats` times and prints the median, minimum and maximum seconds.
void print_times(const std::vector<const Workload*>& workloads, int repeats);

/// One workload's A/B result.
struct AbResult {
  std::string name;
  double ratio = 1.0;  // median of other / this over the pairs
  double band = 0.0;   // the half-width of the noise band around 1
  bool flagged = false;
};

/// The ratio and band of paired timings (see the top of this file). `self` and `other` have the
/// same length, at least 1.
AbResult compare_pairs(const std::string& name, const std::vector<double>& self,
                       const std::vector<double>& other);

/// Runs every workload `repeats` times in this binary (`self_path`) and in `other_path`,
/// alternately, prints a line per workload and returns the results. Throws phantom::Error if
/// a child fails or prints no time.
std::vector<AbResult> run_ab(const std::string& self_path, const std::string& other_path,
                             const std::vector<const Workload*>& workloads, int repeats);

}  // namespace regress
