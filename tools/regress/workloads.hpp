// The named workloads of phantom-regress: small, fixed runs of the library whose every output is
// hashed (digest.hpp) and pinned in bench/regress/golden.txt.
//
// Each workload fixes its seed and sizes, so its outputs depend on nothing but the code: not on
// the thread count (PHANTOM_NUM_THREADS also sets how many threads the trainers and the rollout
// runner use here), not on the SIMD path (PHANTOM_SIMD), not on the compiler. Each runs in well
// under a few seconds on one core; where the brief's size was too slow, the workload says what
// it runs instead in its description.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "digest.hpp"

namespace regress {

/// One workload: a name (a plain word, used on the command line and in golden.txt), what it
/// runs, and the run itself, which records every output into the Digest.
struct Workload {
  std::string name;
  std::string description;
  std::function<void(Digest&)> run;
};

/// Every workload, in the fixed order the tool runs and the golden file lists them.
const std::vector<Workload>& all_workloads();

/// The workload called `name`, or null.
const Workload* find_workload(const std::string& name);

/// The sampling-layer workloads (sampling_workloads.cpp), appended to all_workloads().
void add_sampling_workloads(std::vector<Workload>& out);

/// Threads the trainers and the rollout runner use: the default pool's (PHANTOM_NUM_THREADS).
int workload_threads();

}  // namespace regress
