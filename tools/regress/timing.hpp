// Timing modes of phantom-regress: medians of repeated runs, and an A/B comparison of two builds.
//
// This VM's speed drifts by tens of percent from minute to minute (bench/README.md), and other
// builds compete for its two cores, so a comparison of two builds measured one after the other
// mostly measures the machine. --ab therefore
//  * runs the two binaries alternately (A B, then B A, ...), in rounds over every workload, so
//    that one workload's pairs are spread over the whole comparison and a slow phase hits both;
//  * measures CPU time of the process, not wall time: time the other processes take from this
//    one is not counted (with PHANTOM_NUM_THREADS=1 it is the work the workload does; with more
//    threads it also counts the pool's spinning);
//  * runs each workload in a fresh process that repeats it (at least 3 times and 0.3 s) and
//    reports the fastest repetition, the one least disturbed by cache and frequency effects.
// Each pair gives a ratio other / this; the workload's ratio is the median of its pairs, and its
// noise band is the spread of those ratios around it: 3 robust standard errors (1.4826 x the
// median absolute deviation, over the square root of the pair count), at least 2 %. A workload
// is flagged only when its ratio is outside 1 +- band.
#pragma once

#include <string>
#include <vector>

#include "workloads.hpp"

namespace regress {

/// What a time is measured on: the wall clock (--time), or the CPU time of this process (--ab).
enum class Clock { wall, cpu };

/// Seconds one run of `w` takes on `clock`, its checksum computed as in --check (so nothing is
/// skipped).
double time_once(const Workload& w, Clock clock);

/// The fastest of repeated runs of `w` in CPU time, repeated until they took `min_seconds` in
/// total (at least 3 times, at most 100): what --ab's child processes report.
double time_fastest(const Workload& w, double min_seconds);

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
