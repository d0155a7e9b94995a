// A fixed pool of std::thread workers for data-parallel kernels and environment stepping.
//
// Work is always split statically: run(fn) calls fn(ith, nth) once for every ith in [0, nth),
// the calling thread always running ith == 0. Which thread runs which ith is not fixed: a worker
// normally runs its own slice, but a slice that no worker has started by the time the caller
// finished slice 0 is run by the caller itself (the worker is asleep, or descheduled on a busy
// machine, and waiting for it would cost more than the slice). Exactly one thread runs each ith,
// and since each ith owns a fixed slice of the work and partial results are combined in a fixed
// order by the caller, who runs it never changes the result. A call made from inside a running
// task runs inline with nth == 1, so nesting never deadlocks.
//
// Waiting threads spin briefly before sleeping: a spinning hand-off costs ~0.1 us, waking a
// thread that sleeps on a condition variable ~50 us, and typical RL ops take a few us. So after
// each run the workers poll for ~100 us (with `pause` for the first 20 us, then yielding their
// core between polls, so a busy machine loses little to them) and then sleep, so an idle pool
// uses no CPU. A caller waiting for slices that workers have started spins ~50 us, then sleeps.
// A pool with more threads than cores does not spin (a spinning thread would take the core from
// the thread it waits for). Only parallelise work worth kMinShareNanos per thread: below that the
// hand-off costs more than it saves (MeasuredSplit applies that rule to repeated loops).
// docs/THREADING.md describes the model.
//
// Thread safety: run() may be called from several threads at once (threads that are not inside
// a task of this pool); the calls are serialised by a mutex, one run at a time. Do not destroy
// the pool while a run is in progress.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace nn {

class ThreadPool {
 public:
  /// `num_threads` counts the caller: 1 means no worker threads. 0 means PHANTOM_NUM_THREADS if
  /// set, else std::thread::hardware_concurrency() (at least 1). Throws phantom::ConfigError
  /// when num_threads < 0 or PHANTOM_NUM_THREADS is not an integer in [1, 1024]. The destructor
  /// joins the workers.
  explicit ThreadPool(int num_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Number of participants in run() (workers + the calling thread).
  int num_threads() const { return num_threads_; }

  /// How long, in microseconds, idle threads of this pool poll before they sleep (0 when the
  /// pool has more threads than the machine has cores).
  int spin_window_us() const;

  /// True when the calling thread is executing a task of some pool (a run() from here would
  /// run inline with nth == 1).
  static bool in_task();

  /// A testing aid that makes the workers behave as if descheduled: while `stalled` is true,
  /// they claim no slice of any run, so the caller runs every slice itself. Results and the
  /// exactly-once guarantee are unchanged; only speed and the thread that runs a slice differ.
  void stall_workers(bool stalled);

  /// Calls fn(ith, nth) exactly once for each ith in [0, nth) and returns when all calls have
  /// returned. nth is num_threads(), or 1 when called from inside a task (of any pool): nested
  /// calls run inline on the calling thread. ith == 0 runs on the calling thread; any other ith
  /// runs on a worker, or on the calling thread after ith 0 when no worker had taken it yet. The
  /// first exception thrown by any call is rethrown here after all calls finish (the others
  /// still run), and the pool stays usable. Does not allocate (except to capture an exception).
  template <class Fn>
  void run(Fn&& fn) {
    // F may be const (a const lvalue callable); the context pointer is only cast back to F*.
    using F = std::remove_reference_t<Fn>;
    F* f = std::addressof(fn);
    run_raw([](void* c, int ith, int nth) { (*static_cast<F*>(c))(ith, nth); },
            const_cast<void*>(static_cast<const void*>(f)));
  }

  /// Splits [0, n) into nth contiguous ranges and calls fn(begin, end) for each non-empty one.
  /// Runs inline when n < 2 * min_per_thread (too little work to be worth a hand-off).
  template <class Fn>
  void parallel_for(int64_t n, int64_t min_per_thread, Fn&& fn) {
    if (n <= 0) return;
    if (num_threads_ == 1 || n < 2 * min_per_thread) {
      fn(int64_t{0}, n);
      return;
    }
    run([&](int ith, int nth) {
      auto r = split(n, ith, nth);
      if (r.first < r.second) fn(r.first, r.second);
    });
  }

  /// The ith of nth contiguous ranges of [0, n): sizes differ by at most one, earlier ranges
  /// larger.
  static std::pair<int64_t, int64_t> split(int64_t n, int ith, int nth) {
    int64_t base = n / nth, extra = n % nth;
    int64_t begin = ith * base + (ith < extra ? ith : extra);
    return {begin, begin + base + (ith < extra ? 1 : 0)};
  }

  /// The type-erased entry point behind run(): calls fn(ctx, ith, nth) for every ith.
  void run_raw(void (*fn)(void* ctx, int ith, int nth), void* ctx);

 private:
  struct Impl;            // workers, the task slot and the hand-off state (thread_pool.cpp)
  Impl* impl_ = nullptr;  // owned; a raw pointer keeps <thread>/<mutex> out of this header
  int num_threads_ = 1;
};

/// The least work, in nanoseconds, that each thread's share of a run should be worth before
/// splitting pays. The one rule for "is this worth a hand-off" (MeasuredSplit applies it). A
/// hand-off costs ~1 us when the workers are spinning and a few us more to wake sleeping ones,
/// and on a busy machine the caller may also wait for a worker that was descheduled in the middle
/// of its share; bench/nn_bench/thread_pool_bench.cpp (BM_PoolSlices) measured a second thread
/// as a loss at 2 us per share and a gain from about 20 us.
inline constexpr int64_t kMinShareNanos = 20000;

/// Runs a loop over n items of similar cost that is repeated again and again (one step of every
/// sub-env) on a pool, split into nth contiguous ranges, but only while measurement says that
/// pays; otherwise inline on the calling thread. Decisions never change results: each item is
/// processed exactly once either way, so fn must not depend on how [0, n) is cut. The rule:
///   * the cost of an item is measured (wall clock) on inline runs, first as the least of the
///     first three calls (a call the scheduler interrupted only looks dearer); while n items are
///     worth less than kMinShareNanos per thread, the loop runs inline (timing one call in 16);
///   * above that it runs in whichever way, inline or split, has been faster lately (a moving
///     average per item of each), trying the other way once in 32 calls so that a change of load
///     (another program taking a core, or leaving) is noticed.
/// One object per loop: it learns that loop's cost. Not thread-safe (one caller per object).
class MeasuredSplit {
 public:
  /// Calls fn(begin, end) over [0, n): once with (0, n) inline, or once per non-empty range of
  /// pool.parallel_for(n, 1, fn). Exceptions from fn propagate as from parallel_for.
  template <class Fn>
  void run(ThreadPool& pool, int64_t n, Fn&& fn) {
    if (n <= 0) return;
    const Plan plan = next_plan(pool, n);
    const int64_t start = plan.timed ? now_ns() : 0;
    if (plan.split) {
      pool.parallel_for(n, 1, fn);
    } else {
      fn(int64_t{0}, n);
    }
    if (plan.timed) record(plan.split, n, now_ns() - start);
  }

  /// The measured wall-clock cost of one item run inline, and per item of a split run, in
  /// nanoseconds (negative: not measured yet).
  double inline_ns_per_item() const { return inline_ns_; }
  double split_ns_per_item() const { return split_ns_; }

 private:
  struct Plan {
    bool split;  // run on the pool (else inline)
    bool timed;  // measure this call
  };
  Plan next_plan(const ThreadPool& pool, int64_t n);
  void record(bool split, int64_t n, int64_t ns);
  static int64_t now_ns();

  double inline_ns_ = -1.0;
  double split_ns_ = -1.0;
  int inline_timings_ = 0;  // inline calls timed so far, up to the first estimate's count
  uint32_t calls_ = 0;
};

/// The process-wide pool used by kernels and ops (created on first use, thread-safe; a cheap
/// atomic load after that).
ThreadPool& default_pool();
/// Replaces the default pool with one of `num_threads` (0 = environment/hardware default) and
/// destroys the old one. Must not be called while work runs on the default pool; references
/// returned by earlier default_pool() calls are invalid afterwards. If constructing the new pool
/// throws, the old one stays.
void set_num_threads(int num_threads);

}  // namespace nn
