// Timing and A/B comparison (timing.hpp).
#include "timing.hpp"

#include <stdio.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "nn/error.hpp"

namespace regress {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// `text` quoted for the shell (inside single quotes, each ' written as '\'').
std::string shell_quote(const std::string& text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `binary --time-once NAME` and returns the seconds it printed.
double child_time(const std::string& binary, const std::string& name) {
  const std::string command = shell_quote(binary) + " --time-once " + shell_quote(name);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw phantom::Error("phantom-regress --ab: cannot run " + command);
  char buf[128] = {0};
  const bool read = std::fgets(buf, sizeof buf, pipe) != nullptr;
  const int status = pclose(pipe);
  char* end = nullptr;
  const double seconds = read ? std::strtod(buf, &end) : 0.0;
  if (status != 0 || !read || end == buf || !(seconds > 0.0)) {
    throw phantom::Error("phantom-regress --ab: '" + command + "' failed (exit status " +
                         std::to_string(status) + ") or printed no time");
  }
  return seconds;
}

}  // namespace

double time_once(const Workload& w) {
  const auto start = std::chrono::steady_clock::now();
  Digest d;
  w.run(d);
  volatile uint64_t checksum = d.checksum();  // as --check computes it
  (void)checksum;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void print_times(const std::vector<const Workload*>& workloads, int repeats) {
  std::printf("%-34s %10s %10s %10s   (seconds, %d runs each)\n", "workload", "median", "min",
              "max", repeats);
  double total = 0.0;
  for (const Workload* w : workloads) {
    std::vector<double> t;
    for (int r = 0; r < repeats; ++r) t.push_back(time_once(*w));
    const double m = median(t);
    total += m;
    std::printf("%-34s %10.3f %10.3f %10.3f\n", w->name.c_str(), m,
                *std::min_element(t.begin(), t.end()), *std::max_element(t.begin(), t.end()));
    std::fflush(stdout);
  }
  std::printf("%-34s %10.3f\n", "total of medians", total);
}

AbResult compare_pairs(const std::string& name, const std::vector<double>& self,
                       const std::vector<double>& other) {
  std::vector<double> ratios;
  for (std::size_t i = 0; i < self.size(); ++i) ratios.push_back(other[i] / self[i]);
  AbResult r;
  r.name = name;
  r.ratio = median(ratios);
  std::vector<double> deviations;
  for (double x : ratios) deviations.push_back(std::fabs(x - r.ratio));
  const double sigma = 1.4826 * median(deviations);
  r.band = std::max(0.02, 3.0 * sigma / std::sqrt(static_cast<double>(ratios.size())));
  r.flagged = std::fabs(r.ratio - 1.0) > r.band;
  return r;
}

std::vector<AbResult> run_ab(const std::string& self_path, const std::string& other_path,
                             const std::vector<const Workload*>& workloads, int repeats) {
  std::printf("%-34s %9s %9s %8s %8s\n", "workload", "this (s)", "other (s)", "ratio", "band");
  std::vector<AbResult> results;
  for (const Workload* w : workloads) {
    std::vector<double> self, other;
    for (int r = 0; r < repeats; ++r) {
      // A B, then B A: neither build always runs first (a warm cache, a drifting clock).
      if (r % 2 == 0) {
        self.push_back(child_time(self_path, w->name));
        other.push_back(child_time(other_path, w->name));
      } else {
        other.push_back(child_time(other_path, w->name));
        self.push_back(child_time(self_path, w->name));
      }
    }
    AbResult res = compare_pairs(w->name, self, other);
    std::printf("%-34s %9.3f %9.3f %8.3f %7s%.3f%s\n", w->name.c_str(), median(self), median(other),
                res.ratio, "+-", res.band,
                res.flagged ? (res.ratio > 1.0 ? "  SLOWER" : "  FASTER") : "");
    std::fflush(stdout);
    results.push_back(res);
  }
  return results;
}

}  // namespace regress
