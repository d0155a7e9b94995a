// Tests for nn::ThreadPool: the (ith, nth) contract, split/parallel_for coverage, exceptions,
// nesting, concurrent callers, construction/destruction while workers spin or sleep, and the
// PHANTOM_NUM_THREADS parsing.
//
// Several tests write plain (non-atomic) per-ith slots from the workers and read them in the
// caller after run() returns. That is deliberate: it checks that run() gives the caller a
// happens-before edge from every participant, which ThreadSanitizer verifies (`make tsan`).
#include "nn/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nn/error.hpp"

namespace {

using nn::ThreadPool;

// One counter per cache line, so per-ith writes do not false-share (matters for the stress test).
struct alignas(64) Slot {
  int64_t value = 0;
};

// Sleeps longer than any spin window, so the pool's threads are asleep afterwards.
void sleep_past_spin_window(const ThreadPool& pool) {
  std::this_thread::sleep_for(std::chrono::microseconds(3 * pool.spin_window_us() + 2000));
}

// Sets or unsets an environment variable for one scope and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      had_old_ = true;
      old_ = old;
    }
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_old_) {
      setenv(name_, old_.c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  bool had_old_ = false;
  std::string old_;
};

TEST(ThreadPoolTest, EveryIthRunsOnceWithTheRightNth) {
  // 8 is more threads than this machine's cores: the pool must still work (without spinning).
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.num_threads(), threads);
    for (int rep = 0; rep < 50; ++rep) {
      std::vector<int> calls(threads, 0);
      std::vector<int> seen_nth(threads, -1);
      std::vector<std::thread::id> ids(threads);
      pool.run([&](int ith, int nth) {
        ASSERT_GE(ith, 0);
        ASSERT_LT(ith, threads);
        calls[ith] += 1;  // plain writes: each ith owns its slot
        seen_nth[ith] = nth;
        ids[ith] = std::this_thread::get_id();
      });
      for (int i = 0; i < threads; ++i) {
        EXPECT_EQ(calls[i], 1) << "threads=" << threads << " ith=" << i;
        EXPECT_EQ(seen_nth[i], threads);
      }
      // The caller takes part as ith 0. Another ith runs on a worker, or on the caller when no
      // worker had taken it yet (thread_pool_fallback_test.cpp), but never on two threads.
      EXPECT_EQ(ids[0], std::this_thread::get_id());
    }
  }
}

TEST(ThreadPoolTest, SplitCoversRangeExactlyWithBalancedSizes) {
  std::vector<int64_t> sizes;
  for (int64_t n = 0; n <= 130; ++n) sizes.push_back(n);
  for (int64_t n : {1000, 1023, 1024, 1025, 99991, 1000000007}) sizes.push_back(n);
  for (int64_t n : sizes) {
    for (int nth = 1; nth <= 17; ++nth) {
      int64_t expected_begin = 0;
      int64_t smallest = n, largest = 0, previous = n;
      for (int ith = 0; ith < nth; ++ith) {
        auto r = ThreadPool::split(n, ith, nth);
        ASSERT_EQ(r.first, expected_begin) << "n=" << n << " ith=" << ith << " nth=" << nth;
        ASSERT_LE(r.first, r.second);
        int64_t size = r.second - r.first;
        ASSERT_LE(size, previous) << "earlier ranges must not be smaller";
        previous = size;
        smallest = std::min(smallest, size);
        largest = std::max(largest, size);
        expected_begin = r.second;
      }
      ASSERT_EQ(expected_begin, n) << "n=" << n << " nth=" << nth;
      ASSERT_LE(largest - smallest, 1) << "n=" << n << " nth=" << nth;
    }
  }
}

TEST(ThreadPoolTest, ParallelForCoversRangeExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int64_t n : {int64_t{1}, int64_t{2}, int64_t{7}, int64_t{64}, int64_t{1000}}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      for (auto& h : hits) h.store(0);
      pool.parallel_for(n, 1, [&](int64_t begin, int64_t end) {
        ASSERT_LT(begin, end);
        for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1)
            << "threads=" << threads << " n=" << n << " i=" << i;
      }
    }
    // n <= 0: fn is not called at all.
    pool.parallel_for(0, 1, [&](int64_t, int64_t) { FAIL() << "called for n == 0"; });
  }
}

TEST(ThreadPoolTest, ParallelForRunsSmallRangesInline) {
  ThreadPool pool(3);
  int calls = 0;
  std::thread::id where;
  // n < 2 * min_per_thread: one call covering everything, on the calling thread.
  pool.parallel_for(99, 50, [&](int64_t begin, int64_t end) {
    ++calls;
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 99);
    where = std::this_thread::get_id();
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(where, std::this_thread::get_id());
}

TEST(ThreadPoolTest, ExceptionFromWorkerIsRethrownAndPoolStaysUsable) {
  for (int threads : {2, 3, 8}) {
    ThreadPool pool(threads);
    for (int rep = 0; rep < 3; ++rep) {
      std::vector<int> done(threads, 0);
      try {
        pool.run([&](int ith, int) {
          if (ith == threads - 1) throw std::runtime_error("worker failed");
          done[ith] = 1;
        });
        FAIL() << "no exception";
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "worker failed");
      }
      // Every other participant still ran to completion before run() rethrew.
      for (int i = 0; i < threads - 1; ++i) EXPECT_EQ(done[i], 1);

      std::vector<int> calls(threads, 0);
      pool.run([&](int ith, int) { calls[ith] += 1; });
      for (int c : calls) EXPECT_EQ(c, 1);
    }
  }
}

TEST(ThreadPoolTest, ExceptionFromCallerIsRethrownAfterWorkersFinish) {
  ThreadPool pool(3);
  std::atomic<int> finished{0};
  EXPECT_THROW(pool.run([&](int ith, int) {
    if (ith == 0) throw std::logic_error("caller failed");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // still running when 0 throws
    finished.fetch_add(1);
  }),
               std::logic_error);
  EXPECT_EQ(finished.load(), 2);  // run() waited for both workers

  // All participants throw: exactly one exception comes out, and the pool still works.
  EXPECT_THROW(pool.run([](int ith, int) { throw std::runtime_error(std::to_string(ith)); }),
               std::runtime_error);
  int sum = 0;
  std::vector<int> part(3, 0);
  pool.run([&](int ith, int) { part[ith] = ith + 1; });
  for (int p : part) sum += p;
  EXPECT_EQ(sum, 6);
}

TEST(ThreadPoolTest, NestedRunRunsInline) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    ThreadPool other(2);
    std::vector<int> inner_nth(threads, -1), inner_ith(threads, -1), same_thread(threads, 0);
    std::vector<int64_t> inner_cover(threads, 0);
    EXPECT_FALSE(ThreadPool::in_task());
    pool.run([&](int ith, int) {
      EXPECT_TRUE(ThreadPool::in_task());
      auto outer_id = std::this_thread::get_id();
      pool.run([&](int i, int n) {
        inner_ith[ith] = i;
        inner_nth[ith] = n;
        same_thread[ith] = std::this_thread::get_id() == outer_id;
      });
      // A different pool also runs inline: no thread of ours blocks waiting for another pool.
      other.run([&](int i, int n) { EXPECT_TRUE(i == 0 && n == 1); });
      // parallel_for inside a task: one inline call covering the whole range.
      pool.parallel_for(1000, 1, [&](int64_t b, int64_t e) { inner_cover[ith] += e - b; });
    });
    EXPECT_FALSE(ThreadPool::in_task());
    for (int i = 0; i < threads; ++i) {
      EXPECT_EQ(inner_ith[i], 0);
      EXPECT_EQ(inner_nth[i], 1);
      EXPECT_EQ(same_thread[i], 1);
      EXPECT_EQ(inner_cover[i], 1000);
    }
  }
}

TEST(ThreadPoolTest, StressManyTinyRuns) {
  // Back-to-back tiny runs: the spinning hand-off path. Each ith adds (run + ith) to its own slot.
  ThreadPool pool(2);
  constexpr int64_t kRuns = 100000;
  std::vector<Slot> slots(2);
  for (int64_t run = 0; run < kRuns; ++run) {
    pool.run([&](int ith, int) { slots[ith].value += run + ith; });
  }
  const int64_t base = kRuns * (kRuns - 1) / 2;
  EXPECT_EQ(slots[0].value, base);
  EXPECT_EQ(slots[1].value, base + kRuns);
}

TEST(ThreadPoolTest, StressOversubscribedRuns) {
  // More threads than cores: no spinning, every hand-off goes through the condition variables.
  ThreadPool pool(8);
  constexpr int64_t kRuns = 2000;
  std::vector<Slot> slots(8);
  for (int64_t run = 0; run < kRuns; ++run) {
    pool.run([&](int ith, int) { slots[ith].value += 1; });
  }
  for (const Slot& s : slots) EXPECT_EQ(s.value, kRuns);
}

TEST(ThreadPoolTest, TwoExternalCallersAreSerialised) {
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    constexpr int kRunsPerCaller = 5000;
    std::atomic<int> active{0};
    std::atomic<int> overlaps{0};
    auto hammer = [&](std::vector<Slot>* slots) {
      for (int r = 0; r < kRunsPerCaller; ++r) {
        pool.run([&](int ith, int nth) {
          // ith 0 runs on the calling thread; if two runs overlapped we would see active == 2.
          if (ith == 0 && active.fetch_add(1) != 0) overlaps.fetch_add(1);
          (*slots)[ith].value += nth;  // plain write, ordered by the pool
          if (ith == 0) {
            std::this_thread::yield();
            active.fetch_sub(1);
          }
        });
      }
    };
    std::vector<Slot> a(threads), b(threads);
    std::thread t1(hammer, &a), t2(hammer, &b);
    t1.join();
    t2.join();
    EXPECT_EQ(overlaps.load(), 0);
    for (int i = 0; i < threads; ++i) {
      EXPECT_EQ(a[i].value, int64_t{kRunsPerCaller} * threads);
      EXPECT_EQ(b[i].value, int64_t{kRunsPerCaller} * threads);
    }
  }
}

TEST(ThreadPoolTest, ConstructAndDestroyRapidly) {
  // Destroyed while the workers are still starting up, or spinning right after a run.
  for (int i = 0; i < 200; ++i) {
    ThreadPool pool(1 + i % 4);
    if (i % 2 == 0) {
      std::vector<int> calls(pool.num_threads(), 0);
      pool.run([&](int ith, int) { calls[ith] += 1; });
      for (int c : calls) ASSERT_EQ(c, 1);
    }
  }
  // Destroyed while the workers sleep on the condition variable; also wake them once first.
  for (int threads : {2, 3, 8}) {
    ThreadPool pool(threads);
    sleep_past_spin_window(pool);
    std::vector<int> calls(threads, 0);
    pool.run([&](int ith, int) { calls[ith] += 1; });  // wakes sleeping workers
    for (int c : calls) EXPECT_EQ(c, 1);
    sleep_past_spin_window(pool);
  }
  { ThreadPool never_used(3); }
}

TEST(ThreadPoolTest, RunsAfterSleepingAndWhenTheCallerWaitsLong) {
  ThreadPool pool(2);
  for (int rep = 0; rep < 5; ++rep) {
    sleep_past_spin_window(pool);  // workers asleep: the wake-up path
    std::vector<int> calls(2, 0);
    pool.run([&](int ith, int) {
      // The worker outlasts the caller's spin window: the caller must sleep and be woken.
      if (ith == 1) sleep_past_spin_window(pool);
      calls[ith] += 1;
    });
    EXPECT_EQ(calls[0], 1);
    EXPECT_EQ(calls[1], 1);
  }
}

TEST(ThreadPoolTest, SpinWindowIsZeroWhenOversubscribed) {
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  if (cores < 1) cores = 1;
  ThreadPool fits(std::min(cores, 2));
  EXPECT_GT(fits.spin_window_us(), 0);
  ThreadPool over(cores + 1);
  EXPECT_EQ(over.spin_window_us(), 0);
}

TEST(ThreadPoolTest, DeterministicChunkedReductionForAnyThreadCount) {
  // The determinism rule from docs/THREADING.md: partial sums over chunks whose boundaries do not
  // depend on nth, combined in chunk order, give bit-identical float results for any pool size.
  constexpr int64_t kN = 100003, kChunk = 1024;
  constexpr int64_t kChunks = (kN + kChunk - 1) / kChunk;
  std::vector<float> x(kN);
  for (int64_t i = 0; i < kN; ++i) x[i] = 1.0f / static_cast<float>(i % 977 + 1);
  auto reduce = [&](ThreadPool& pool) {
    std::vector<float> partial(kChunks, 0.0f);
    pool.parallel_for(kChunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        float s = 0.0f;
        for (int64_t i = c * kChunk; i < std::min(kN, (c + 1) * kChunk); ++i) s += x[i];
        partial[c] = s;
      }
    });
    float total = 0.0f;
    for (float p : partial) total += p;  // fixed order
    return total;
  };
  ThreadPool one(1);
  const float expected = reduce(one);
  for (int threads : {2, 3, 8}) {
    ThreadPool pool(threads);
    EXPECT_EQ(reduce(pool), expected) << "threads=" << threads;
  }
}

TEST(ThreadPoolTest, ThreadCountFromEnvironment) {
  const int hw = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  {
    ScopedEnv env("PHANTOM_NUM_THREADS", nullptr);
    ThreadPool pool;
    EXPECT_EQ(pool.num_threads(), hw);
  }
  {
    ScopedEnv env("PHANTOM_NUM_THREADS", "3");
    ThreadPool from_env;
    EXPECT_EQ(from_env.num_threads(), 3);
    ThreadPool explicit_count(2);  // the constructor argument wins over the variable
    EXPECT_EQ(explicit_count.num_threads(), 2);
  }
  {
    ScopedEnv env("PHANTOM_NUM_THREADS", "1");
    EXPECT_EQ(ThreadPool().num_threads(), 1);
  }
  for (const char* bad : {"abc", "0", "-3", "", " 4", "4x", "2.5", "99999999999999999999"}) {
    ScopedEnv env("PHANTOM_NUM_THREADS", bad);
    try {
      ThreadPool pool;
      FAIL() << "PHANTOM_NUM_THREADS='" << bad << "' was accepted";
    } catch (const phantom::ConfigError& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("PHANTOM_NUM_THREADS"), std::string::npos) << msg;
      EXPECT_NE(msg.find(std::string("'") + bad + "'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("positive integer"), std::string::npos) << msg;
    }
  }
  EXPECT_THROW(ThreadPool(-1), phantom::ConfigError);
}

TEST(ThreadPoolTest, DefaultPoolIsSharedAndReplaceable) {
  ThreadPool& a = nn::default_pool();
  EXPECT_EQ(&a, &nn::default_pool());
  EXPECT_GE(a.num_threads(), 1);

  nn::set_num_threads(3);
  ThreadPool& b = nn::default_pool();
  EXPECT_EQ(b.num_threads(), 3);
  std::vector<int> calls(3, 0);
  b.run([&](int ith, int) { calls[ith] += 1; });
  for (int c : calls) EXPECT_EQ(c, 1);

  {
    // A bad environment leaves the current default pool in place.
    ScopedEnv env("PHANTOM_NUM_THREADS", "abc");
    EXPECT_THROW(nn::set_num_threads(0), phantom::ConfigError);
    EXPECT_EQ(nn::default_pool().num_threads(), 3);
  }

  nn::set_num_threads(0);  // back to the environment/hardware default for the other tests
  EXPECT_GE(nn::default_pool().num_threads(), 1);
}

TEST(ThreadPoolTest, DefaultPoolFirstUseFromManyThreads) {
  // Concurrent first use (or use right after replacement) must agree on one pool.
  nn::set_num_threads(2);
  std::vector<ThreadPool*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&seen, t] { seen[t] = &nn::default_pool(); });
  }
  for (auto& t : threads) t.join();
  for (ThreadPool* p : seen) EXPECT_EQ(p, seen[0]);
  nn::set_num_threads(0);
}

}  // namespace

// run() accepts a const callable (it used to take a non-const pointer to it).
TEST(ThreadPoolTest, RunAcceptsConstCallable) {
  nn::ThreadPool pool(2);
  std::atomic<int> calls{0};
  const auto fn = [&](int, int) { calls.fetch_add(1); };
  pool.run(fn);
  EXPECT_EQ(calls.load(), pool.num_threads());
}
