// Timing and A/B comparison (timing.hpp).
#include "timing.hpp"

#include <stdio.h>
#include <time.h>

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

double time_once(const Workload& w, Clock clock) {
  auto now = [clock] {
    if (clock == Clock::wall) {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    }
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  const double start = now();
  Digest d;
  w.run(d);
  volatile uint64_t checksum = d.checksum();  // as --check computes it
  (void)checksum;
  return now() - start;
}

double time_fastest(const Workload& w, double min_seconds) {
  double total = 0.0, fastest = 0.0;
  for (int r = 0; r < 100 && (r < 3 || total < min_seconds); ++r) {
    const double t = time_once(w, Clock::cpu);
    fastest = r == 0 ? t : std::min(fastest, t);
    total += t;
  }
  return fastest;
}

void print_times(const std::vector<const Workload*>& workloads, int repeats) {
  std::printf("%-34s %10s %10s %10s   (seconds, %d runs each)\n", "workload", "median", "min",
              "max", repeats);
  double total = 0.0;
  for (const Workload* w : workloads) {
    std::vector<double> t;
    for (int r = 0; r < repeats; ++r) t.push_back(time_once(*w, Clock::wall));
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
  // Round by round over all workloads, so that one workload's pairs are spread over the whole
  // run rather than caught together in one slow phase of the machine.
  std::vector<std::vector<double>> self(workloads.size()), other(workloads.size());
  for (int r = 0; r < repeats; ++r) {
    std::fprintf(stderr, "round %d of %d\n", r + 1, repeats);
    for (std::size_t i = 0; i < workloads.size(); ++i) {
      // this, other; then other, this: neither build always runs first.
      const std::string& name = workloads[i]->name;
      if ((r + static_cast<int>(i)) % 2 == 0) {
        self[i].push_back(child_time(self_path, name));
        other[i].push_back(child_time(other_path, name));
      } else {
        other[i].push_back(child_time(other_path, name));
        self[i].push_back(child_time(self_path, name));
      }
    }
  }
  std::printf("%-34s %9s %9s %8s %8s\n", "workload", "this (s)", "other (s)", "ratio", "band");
  std::vector<AbResult> results;
  for (std::size_t i = 0; i < workloads.size(); ++i) {
    AbResult res = compare_pairs(workloads[i]->name, self[i], other[i]);
    std::printf("%-34s %9.3f %9.3f %8.3f %7s%.3f%s\n", res.name.c_str(), median(self[i]),
                median(other[i]), res.ratio, "+-", res.band,
                res.flagged ? (res.ratio > 1.0 ? "  SLOWER" : "  FASTER") : "");
    results.push_back(res);
  }
  return results;
}

}  // namespace regress
