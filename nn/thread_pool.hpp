// A fixed pool of std::thread workers for data-parallel kernels and environment stepping.
//
// Work is always split statically: run(fn) calls fn(ith, nth) once for every ith in [0, nth),
// with the calling thread taking part as ith == 0. Which thread runs which ith never changes the
// result, because each ith owns a fixed slice of the work and partial results are combined in a
// fixed order by the caller. A call made from inside a running task runs inline with nth == 1,
// so nesting never deadlocks.
//
// Workers spin briefly before sleeping: a spinning hand-off costs ~0.1 us, waking a thread that
// sleeps on a condition variable ~50 us, and typical RL ops take a few us. Only parallelise work
// worth several microseconds per thread.
#pragma once

#include <cstdint>
#include <utility>

namespace nn {

class ThreadPool {
 public:
  /// `num_threads` counts the caller: 1 means no worker threads. 0 means PHANTOM_NUM_THREADS if
  /// set, else std::thread::hardware_concurrency().
  explicit ThreadPool(int num_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Number of participants in run() (workers + the calling thread).
  int num_threads() const { return num_threads_; }

  /// Calls fn(ith, nth) for ith in [0, nth) and returns when all calls have returned. nth is
  /// num_threads(), or 1 when called from inside a task. The first exception thrown by any call is
  /// rethrown here after all calls finish. Does not allocate.
  template <class Fn>
  void run(Fn&& fn) {
    auto* ctx = &fn;
    run_raw([](void* c, int ith, int nth) { (*static_cast<decltype(ctx)>(c))(ith, nth); }, ctx);
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

  /// The type-erased entry point behind run().
  void run_raw(void (*fn)(void* ctx, int ith, int nth), void* ctx);

 private:
  struct Impl;
  Impl* impl_ = nullptr;
  int num_threads_ = 1;
};

/// The process-wide pool used by kernels and ops (created on first use).
ThreadPool& default_pool();
/// Replaces the default pool with one of `num_threads` (0 = environment/hardware default).
/// Must not be called while the default pool is running work.
void set_num_threads(int num_threads);

}  // namespace nn
