// nn::ThreadPool: fixed std::thread workers, slices claimed by whoever comes first.
//
// How one run_raw(fn, ctx) travels through the pool (nth threads, slices 0 .. nth-1):
//
//   caller                                     worker i
//   ------                                     --------
//   lock run_mutex (one external caller)       spin, then yield, then sleep on work_cv,
//   task_fn/task_ctx = fn/ctx  (plain writes)    until `epoch` moves
//   pending = nth - 1
//   epoch += 1   ---- release/acquire ---->    sees the new epoch e
//   wake sleepers (only if any)                claim slice i (claims[i]: < e -> e), run it,
//   fn(ctx, 0, nth)                              pending -= 1; then try the other slices
//   claim every slice still unclaimed and      back to waiting
//     run it here (the inline fallback)
//   spin on `pending` == 0, then sleep on      (the last decrement wakes a sleeping caller)
//     done_cv    <---- release/acquire ----
//   rethrow the first captured exception
//
// Why the caller takes slices it finds unclaimed: a worker that has not started its slice by
// the time the caller finished its own is asleep, or descheduled because the machine is busy.
// Waiting for it used to cost a wake-up (~50 us) or a whole scheduler time slice (milliseconds)
// per run; running the slice here costs only the slice. Each slice has a fixed index, so the
// results do not depend on who runs it, and claiming (compare-and-swap on the slice's own
// counter) makes sure exactly one thread does. The caller still waits for slices a worker has
// claimed: it spins briefly (the worker started at about the time the caller did, so it is
// about to finish) and then sleeps, which also frees its core for the worker if the scheduler
// had parked it behind another program.
//
// Why spin at all: waking a thread that sleeps on a condition variable costs tens of
// microseconds (a futex syscall plus the scheduler), while a hand-off through a cache line that
// the other core is already polling costs ~0.1 us. RL ops are a few microseconds each and arrive
// back to back, so a short spin window keeps every hand-off on the fast path; after the window
// the workers sleep, so an idle pool burns no CPU. Idle workers poll with `pause` only briefly
// and then yield their core between polls, so that on a busy machine another runnable thread
// gets the core instead of our poll. When the pool has more threads than the machine has
// cores, a spinning thread steals the core from the thread it waits for, so the window is zero
// there and threads sleep at once.
//
// Why the task pointer can be a plain (non-atomic) field: the caller writes it before the
// release increment of `epoch`, and a thread reads it only after it has claimed a slice of that
// epoch (which it can only do after the acquire load that saw the epoch); the caller writes it
// again only after it has seen the release decrement of `pending` for every claimed slice.
// Those edges order every write before every read, which is also what ThreadSanitizer checks.
// A worker that is still looking for slices of an old epoch cannot claim one of the new epoch:
// a claim only succeeds on a slice whose counter is below the claimer's epoch.
#include "nn/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nn/error.hpp"
#include "nn/parse_number.hpp"

namespace nn {

namespace {

// How long an idle worker polls for the next run before it goes to sleep. It should cover the
// gap between two back-to-back ops (a few microseconds each, plus the caller's own bookkeeping
// between them) with a wide margin, yet be short enough that a pool left idle stops using CPU
// almost at once.
constexpr int kSpinWindowMicros = 100;

// Of that window, how long a worker polls with `pause` before it starts yielding its core
// between polls. Runs that follow each other closely arrive within a few microseconds, so this
// keeps the fast path; the rest of the window costs a busy machine almost nothing.
constexpr int kPauseMicros = 20;

// How long the caller spins for slices that workers have claimed but not finished, before it
// sleeps. A worker claims its slice about when the caller starts its own, so with slices of
// equal size it finishes within a few microseconds of the caller; much longer means the worker
// was descheduled, and sleeping then frees the caller's core for it.
constexpr int kCallerSpinMicros = 50;

// The most threads PHANTOM_NUM_THREADS may ask for: a typo such as 80000 should fail loudly
// rather than try to start that many threads.
constexpr int64_t kMaxThreadsFromEnv = 1024;

// True while this thread executes a task (always, on a worker). A run() issued while it is set
// runs inline, so a task may call ops that themselves use a pool without deadlocking.
thread_local bool t_in_task = false;

// Sets t_in_task for a scope and restores the previous value, also when the task throws.
class InTaskScope {
 public:
  InTaskScope() : previous_(t_in_task) { t_in_task = true; }
  ~InTaskScope() { t_in_task = previous_; }
  InTaskScope(const InTaskScope&) = delete;
  InTaskScope& operator=(const InTaskScope&) = delete;

 private:
  bool previous_;
};

// Tells the core this is a spin-wait loop: on x86 `pause` saves power and avoids the pipeline
// flush on exit from the loop, and on a hyper-threaded core it lends the sibling thread our
// execution slots. Elsewhere we give the time slice away instead.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#else
  std::this_thread::yield();
#endif
}

// Polls `done()` for up to `window`; returns true as soon as it holds, false when the window
// ran out (the caller then sleeps). For the first `pause_part` of the window it polls with
// cpu_relax(), reading the clock only every 64 polls (a `pause` takes 10-150 cycles depending on
// the CPU, so that is a few microseconds at most between checks). After that it yields the core
// between polls, so that another runnable thread on this core (of this program or another) is
// not kept waiting by our polling; a yield is a system call, so the clock is read after each.
template <class Done>
bool spin_until(Done done, std::chrono::microseconds window, std::chrono::microseconds pause_part) {
  if (done()) return true;
  if (window.count() <= 0) return false;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + window;
  const auto stop_pausing = start + pause_part;
  for (auto now = start; now < stop_pausing && now < deadline;
       now = std::chrono::steady_clock::now()) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
  }
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::yield();
  }
  return true;
}

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();  // 0 when unknown
  return n == 0 ? 1 : static_cast<int>(n);
}

// PHANTOM_NUM_THREADS if set (a positive integer, else ConfigError), else 0.
int threads_from_env() {
  const char* name = "PHANTOM_NUM_THREADS";
  const char* text = std::getenv(name);
  if (text == nullptr) return 0;
  return static_cast<int>(phantom::require_integer<phantom::ConfigError>(
      text, std::string(name) + ", the thread count (a positive integer)", 1, kMaxThreadsFromEnv));
}

// One slice's claim marker on a cache line of its own: the epoch of the last run in which some
// thread claimed the slice.
struct alignas(64) Claim {
  std::atomic<uint64_t> epoch{0};
};

}  // namespace

// Everything the workers share with the caller. The fields that change on every run live on
// cache lines of their own, so a worker polling `epoch` does not keep stealing the line that
// other threads are decrementing `pending` on.
struct ThreadPool::Impl {
  using TaskFn = void (*)(void* ctx, int ith, int nth);

  explicit Impl(int nth)
      : nth(nth),
        spin_window(nth <= hardware_threads() ? kSpinWindowMicros : 0),
        claims(static_cast<std::size_t>(nth)) {}

  const int nth;
  // Zero when oversubscribed (more threads than cores): see the top of the file.
  const std::chrono::microseconds spin_window;
  std::vector<std::thread> workers;

  // Serialises external callers: one run at a time owns the task slot below.
  std::mutex run_mutex;

  // The task of the current run. Plain fields, published by `epoch` (see the top of the file).
  TaskFn task_fn = nullptr;
  void* task_ctx = nullptr;

  // Bumped once per run; workers look for slices to claim whenever it moves.
  alignas(64) std::atomic<uint64_t> epoch{0};
  // Slices 1 .. nth-1 of the current run that have not finished yet (slice 0 is the caller's).
  alignas(64) std::atomic<int> pending{0};
  // claims[s]: slice s belongs to whoever moved it to the current epoch (claims[0] is unused).
  // Sized once here, so run() allocates nothing.
  std::vector<Claim> claims;

  // The first exception of the current run. Whoever wins `error_claimed` writes `error`; the
  // caller reads it after it has seen pending == 0, which orders the write before the read.
  alignas(64) std::atomic<bool> error_claimed{false};
  std::exception_ptr error;

  // Testing aid (stall_workers): while set, workers claim nothing, as if descheduled.
  std::atomic<bool> stalled{false};

  // Sleeping. One mutex guards both condition variables. `sleepers` and `caller_sleeping` let
  // the fast path skip the mutex and the notify syscall when nobody sleeps; see wait_for_task()
  // and wait_for_workers() for why no wake-up can be lost.
  std::mutex sleep_mutex;
  std::condition_variable work_cv;  // workers wait here for a new epoch (or stop)
  std::condition_variable done_cv;  // the caller waits here for pending == 0
  std::atomic<int> sleepers{0};
  std::atomic<bool> caller_sleeping{false};
  std::atomic<bool> stop{false};

  void record_error() {
    // exchange: exactly one participant wins, and only the error path allocates.
    if (!error_claimed.exchange(true, std::memory_order_acq_rel)) error = std::current_exception();
  }

  // Claims slice s for the run of epoch e; true for exactly one thread per slice and run. A
  // thread still working on an older epoch fails, because the counter is already >= e - 1 >=
  // its epoch (every slice of a run is claimed before the next run starts).
  bool claim(int s, uint64_t e) {
    std::atomic<uint64_t>& c = claims[static_cast<std::size_t>(s)].epoch;
    uint64_t seen = c.load(std::memory_order_relaxed);
    while (seen < e) {
      if (c.compare_exchange_weak(seen, e, std::memory_order_acq_rel, std::memory_order_relaxed))
        return true;
    }
    return false;
  }

  // Runs slice s (claimed by this thread) and reports it finished. The last slice to finish
  // wakes a sleeping caller. Returns nothing: errors go to record_error().
  void run_slice(int s) {
    try {
      task_fn(task_ctx, s, nth);
    } catch (...) {
      record_error();
    }
    // release: our slice's writes (and `error`) become visible to the caller that sees 0.
    if (pending.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
        caller_sleeping.load(std::memory_order_seq_cst)) {
      { std::lock_guard<std::mutex> lock(sleep_mutex); }
      done_cv.notify_one();
    }
  }

  // Claims and runs every slice of epoch e it can get, starting at `first` and going round.
  void take_slices(uint64_t e, int first) {
    for (int k = 0; k < nth - 1; ++k) {
      const int s = 1 + (first - 1 + k) % (nth - 1);
      if (claim(s, e)) run_slice(s);
    }
  }

  // Blocks until `epoch` differs from `seen` or the pool stops; returns false on stop.
  bool wait_for_task(uint64_t seen) {
    auto ready = [&] {
      return epoch.load(std::memory_order_acquire) != seen || stop.load(std::memory_order_acquire);
    };
    if (!spin_until(ready, spin_window, std::chrono::microseconds(kPauseMicros))) {
      // Announce ourselves before the last check (both seq_cst). The caller bumps `epoch` and
      // then reads `sleepers` (also seq_cst): in the single order of seq_cst operations either
      // it sees our increment and notifies, or we see its new epoch and never wait. We hold
      // sleep_mutex from the increment until wait() releases it, and the caller takes that
      // mutex before notifying, so the notify cannot slip in between our check and our wait.
      std::unique_lock<std::mutex> lock(sleep_mutex);
      sleepers.fetch_add(1, std::memory_order_seq_cst);
      while (epoch.load(std::memory_order_seq_cst) == seen &&
             !stop.load(std::memory_order_seq_cst)) {
        work_cv.wait(lock);
      }
      sleepers.fetch_sub(1, std::memory_order_relaxed);
    }
    return !stop.load(std::memory_order_acquire);
  }

  // Called by the caller after it bumped `epoch`.
  void wake_workers() {
    if (sleepers.load(std::memory_order_seq_cst) == 0) return;  // all spinning: nothing to do
    { std::lock_guard<std::mutex> lock(sleep_mutex); }
    work_cv.notify_all();
  }

  // The caller's side: blocks until every claimed slice has finished (the caller has claimed
  // whatever was left, so that is every slice).
  void wait_for_workers() {
    auto done = [&] { return pending.load(std::memory_order_acquire) == 0; };
    const auto window = std::chrono::microseconds(spin_window.count() > 0 ? kCallerSpinMicros : 0);
    if (spin_until(done, window, window)) return;
    // The mirror image of wait_for_task(): announce, then check; the last slice's thread
    // decrements `pending` and then reads `caller_sleeping`, all seq_cst.
    std::unique_lock<std::mutex> lock(sleep_mutex);
    caller_sleeping.store(true, std::memory_order_seq_cst);
    while (pending.load(std::memory_order_seq_cst) != 0) done_cv.wait(lock);
    caller_sleeping.store(false, std::memory_order_relaxed);
  }

  // No run is in progress (the owner is not inside run()), so every worker is spinning,
  // sleeping in wait_for_task(), or about to find that every slice is taken. Same lost-wake-up
  // reasoning as wake_workers(), except that we always take the mutex and notify: this happens
  // once per pool.
  void stop_and_join() {
    stop.store(true, std::memory_order_seq_cst);
    { std::lock_guard<std::mutex> lock(sleep_mutex); }
    work_cv.notify_all();
    for (auto& t : workers) t.join();
  }

  void worker_main(int ith) {
    t_in_task = true;   // a worker only ever runs tasks: nested runs on it go inline
    uint64_t seen = 0;  // not epoch.load(): a late-starting worker must still join run #1
    while (wait_for_task(seen)) {
      seen = epoch.load(std::memory_order_acquire);
      if (!stalled.load(std::memory_order_relaxed)) take_slices(seen, ith);
    }
  }
};

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads < 0) {
    throw phantom::ConfigError("ThreadPool: num_threads = " + std::to_string(num_threads) +
                               ": expected a positive count, or 0 for the default");
  }
  if (num_threads == 0) num_threads = threads_from_env();
  if (num_threads == 0) num_threads = hardware_threads();
  num_threads_ = num_threads;
  impl_ = new Impl(num_threads);
  try {
    Impl* impl = impl_;
    impl->workers.reserve(static_cast<size_t>(num_threads - 1));
    for (int ith = 1; ith < num_threads; ++ith) {
      impl->workers.emplace_back([impl, ith] { impl->worker_main(ith); });
    }
  } catch (...) {
    // Thread creation failed (resource limits): stop the workers that did start.
    impl_->stop_and_join();
    delete impl_;
    throw;
  }
}

ThreadPool::~ThreadPool() {
  impl_->stop_and_join();
  delete impl_;
}

bool ThreadPool::in_task() {
  return t_in_task;
}

int ThreadPool::spin_window_us() const {
  return static_cast<int>(impl_->spin_window.count());
}

void ThreadPool::stall_workers(bool stalled) {
  impl_->stalled.store(stalled, std::memory_order_relaxed);
}

void ThreadPool::run_raw(void (*fn)(void* ctx, int ith, int nth), void* ctx) {
  // Nested call, or nothing to share: run inline. The marker is still set, so a run() inside
  // this task (on any pool) goes inline too.
  if (t_in_task || num_threads_ == 1) {
    InTaskScope in_task;
    fn(ctx, 0, 1);
    return;
  }
  Impl& p = *impl_;
  std::lock_guard<std::mutex> one_caller(p.run_mutex);

  // Publish the task. The plain writes and the relaxed store happen before the increment, whose
  // release half hands them to every worker that acquires the new epoch.
  p.task_fn = fn;
  p.task_ctx = ctx;
  p.pending.store(num_threads_ - 1, std::memory_order_relaxed);
  const uint64_t e = p.epoch.fetch_add(1, std::memory_order_seq_cst) + 1;  // see wait_for_task()
  p.wake_workers();

  {
    InTaskScope in_task;
    try {
      fn(ctx, 0, num_threads_);
    } catch (...) {
      p.record_error();
    }
    // The inline fallback: whatever no worker has claimed by now, we run here (in slice order).
    p.take_slices(e, 1);
  }
  p.wait_for_workers();  // also after an exception: the workers still use fn and ctx

  if (p.error_claimed.load(std::memory_order_relaxed)) {  // ordered by wait_for_workers()
    std::exception_ptr error = std::move(p.error);
    p.error = nullptr;
    p.error_claimed.store(false, std::memory_order_relaxed);
    std::rethrow_exception(error);
  }
}

// ---------------------------------------------------------------------------------------------
// MeasuredSplit
// ---------------------------------------------------------------------------------------------

namespace {

// Below the threshold, time one call in this many: enough to notice the items getting dearer
// (an env whose episodes grow), at a negligible cost for loops of a microsecond.
constexpr uint32_t kSampleEvery = 16;
// Above it, run the way that is slower lately once in this many calls, to keep its average
// current. A way that is twice as slow then costs 1/32 ~ 3 % of the loop's time.
constexpr uint32_t kProbeEvery = 32;
// Moving averages move by this fraction of each new sample...
constexpr double kAverageWeight = 0.125;
// ...which is first capped at this multiple of the average, so that one run during which the
// thread was descheduled for milliseconds does not swing the decision on its own.
constexpr double kOutlierCap = 4.0;

// The first estimate of an item's inline cost is the least of this many timed inline calls: a
// call during which the thread was descheduled only ever looks dearer, and a single such call
// would otherwise be the whole first estimate, enough to split a loop of a microsecond.
constexpr int kFirstInlineTimings = 3;

void update_average(double& average, double sample) {
  if (average < 0.0) {
    average = sample;
    return;
  }
  if (sample > kOutlierCap * average) sample = kOutlierCap * average;
  average += kAverageWeight * (sample - average);
}

}  // namespace

int64_t MeasuredSplit::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

MeasuredSplit::Plan MeasuredSplit::next_plan(const ThreadPool& pool, int64_t n) {
  ++calls_;
  const int nth = pool.num_threads();
  if (nth == 1 || ThreadPool::in_task()) return {false, false};     // nothing to decide
  if (inline_timings_ < kFirstInlineTimings) return {false, true};  // first learn the item cost
  const double share_ns = inline_ns_ * static_cast<double>(n) / nth;
  if (share_ns < static_cast<double>(kMinShareNanos)) return {false, calls_ % kSampleEvery == 0};
  if (split_ns_ < 0.0) return {true, true};  // worth a try: learn what splitting costs
  const bool split_faster = split_ns_ < inline_ns_;
  const bool probe = calls_ % kProbeEvery == 0;
  return {split_faster != probe, true};
}

void MeasuredSplit::record(bool split, int64_t n, int64_t ns) {
  const double per_item = static_cast<double>(ns) / static_cast<double>(n);
  if (!split && inline_timings_ < kFirstInlineTimings) {
    inline_ns_ = inline_timings_++ == 0 ? per_item : std::min(inline_ns_, per_item);
    return;
  }
  update_average(split ? split_ns_ : inline_ns_, per_item);
}

// ---------------------------------------------------------------------------------------------
// The default pool
// ---------------------------------------------------------------------------------------------

namespace {

// Holds the process-wide pool. `current` is read lock-free on every default_pool() call; the
// mutex only serialises creation and replacement. The holder is a function-local static, so its
// construction is thread-safe, and its destructor joins the pool's workers at exit.
struct DefaultPoolHolder {
  std::mutex mutex;
  std::unique_ptr<ThreadPool> owner;
  std::atomic<ThreadPool*> current{nullptr};

  ~DefaultPoolHolder() { current.store(nullptr, std::memory_order_release); }
};

DefaultPoolHolder& default_holder() {
  static DefaultPoolHolder holder;
  return holder;
}

}  // namespace

ThreadPool& default_pool() {
  DefaultPoolHolder& h = default_holder();
  // acquire: pairs with the release store below, so a thread that sees the pointer also sees
  // the fully constructed pool.
  if (ThreadPool* p = h.current.load(std::memory_order_acquire)) return *p;
  std::lock_guard<std::mutex> lock(h.mutex);
  if (!h.owner) {
    h.owner = std::make_unique<ThreadPool>(0);
    h.current.store(h.owner.get(), std::memory_order_release);
  }
  return *h.owner;
}

void set_num_threads(int num_threads) {
  DefaultPoolHolder& h = default_holder();
  // Build the new pool first: if it throws (bad PHANTOM_NUM_THREADS), the old one stays.
  auto fresh = std::make_unique<ThreadPool>(num_threads);
  std::lock_guard<std::mutex> lock(h.mutex);
  h.current.store(fresh.get(), std::memory_order_release);
  h.owner.swap(fresh);
  // `fresh` now holds the old pool; destroying it joins its workers. References to it that
  // callers still hold dangle from here on, which is why this must not run concurrently with
  // work on the default pool.
}

}  // namespace nn
