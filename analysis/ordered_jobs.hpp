// Numbered jobs run on a thread pool in any order, their results consumed in job order.
//
//   std::vector<Result> slots(window);
//   phantom::run_ordered(pool, n, window,
//       [&](int ith, std::size_t job) { slots[job % window] = compute(ith, job); },
//       [&](std::size_t job) { write(slots[job % window]); });
//
// Every thread of the pool (the calling one included) takes the next job as soon as it is free,
// so a slow job, a slow thread or a slow consumer does not hold the others back, and there is no
// barrier between groups of jobs. consume(job) runs on the calling thread, for jobs 0, 1, 2, ...
// in order, as soon as each is done; the calling thread consumes whatever is ready before it
// takes another job. At most `window` jobs are started and not yet consumed, so a job may keep
// its result in slot job % window of a buffer of `window` entries: memory stays bounded however
// many jobs there are.
//
// Which thread runs a job varies from run to run; the results must depend only on the job
// number for the output to be deterministic (the rollout runner's contract). `ith` says which
// thread runs the job (0 .. pool.num_threads() - 1, or 0 only when called from inside a pool
// task), so work may use per-thread scratch state.
//
// Errors: the first exception thrown by work or consume stops every thread (jobs already started
// finish; no new ones start) and is rethrown here.
#pragma once

#include <cstddef>
#include <functional>

#include "nn/thread_pool.hpp"

namespace phantom {

/// Runs jobs [0, n) on `pool` and consumes them in order on the calling thread; see above.
/// Throws phantom::ConfigError if window is 0.
void run_ordered(nn::ThreadPool& pool, std::size_t n, std::size_t window,
                 const std::function<void(int ith, std::size_t job)>& work,
                 const std::function<void(std::size_t job)>& consume);

}  // namespace phantom
