// A fixed pool of std::thread workers for data-parallel kernels and environment stepping.
//
// Work is always split statically: run(fn) calls fn(ith, nth) once for every ith in [0, nth),
// with the calling thread taking part as ith == 0. Which thread runs which ith never changes the
// result, because each ith owns a fixed slice of the work and partial results are combined in a
// fixed order by the caller. A call made from inside a running task runs inline with nth == 1,
// so nesting never deadlocks.
//
// Workers spin briefly before sleeping: a spinning hand-off costs ~0.1 us, waking a thread that
// sleeps on a condition variable ~50 us, and typical RL ops take a few us. So after each run the
// workers (and a caller waiting for them) poll for ~100 us, which covers back-to-back ops, and
// then sleep, so an idle pool uses no CPU. A pool with more threads than cores does not spin
// (a spinning thread would take the core from the thread it waits for). Only parallelise work
// worth several microseconds per thread. docs/THREADING.md describes the model.
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

  /// Calls fn(ith, nth) for ith in [0, nth) and returns when all calls have returned. nth is
  /// num_threads(), or 1 when called from inside a task (of any pool): nested calls run inline on
  /// the calling thread. The first exception thrown by any call is rethrown here after all calls
  /// finish, and the pool stays usable. Does not allocate (except to capture an exception).
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

/// The process-wide pool used by kernels and ops (created on first use, thread-safe; a cheap
/// atomic load after that).
ThreadPool& default_pool();
/// Replaces the default pool with one of `num_threads` (0 = environment/hardware default) and
/// destroys the old one. Must not be called while work runs on the default pool; references
/// returned by earlier default_pool() calls are invalid afterwards. If constructing the new pool
/// throws, the old one stays.
void set_num_threads(int num_threads);

}  // namespace nn
