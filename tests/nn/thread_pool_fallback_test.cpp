// Tests for the pool's behaviour when workers are late: a slice that no worker has claimed by
// the time the caller finished its own runs on the caller, exactly once, with the same
// exception and nesting rules as anywhere else; and for nn::MeasuredSplit, which runs a
// repeated loop on the pool only while that pays.
//
// ThreadPool::stall_workers() stands in for a worker that the operating system has not
// scheduled: it makes the outcome of a run deterministic (the caller runs every slice), which a
// real descheduled worker would not. The plain per-ith writes are checked by ThreadSanitizer
// (`make tsan`): two threads running one slice, or a missing happens-before edge to the caller,
// would be reported.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nn/thread_pool.hpp"

namespace {

using nn::MeasuredSplit;
using nn::ThreadPool;

// One counter per cache line, so per-ith writes do not false-share.
struct alignas(64) Slot {
  int64_t value = 0;
};

TEST(ThreadPoolFallbackTest, StalledWorkersSlicesRunOnCallerExactlyOnce) {
  for (int threads : {2, 3, 8}) {
    ThreadPool pool(threads);
    pool.stall_workers(true);
    for (int rep = 0; rep < 20; ++rep) {
      std::vector<int> calls(threads, 0);
      std::vector<std::thread::id> ids(threads);
      std::vector<int> nths(threads, 0);
      pool.run([&](int ith, int nth) {
        calls[ith] += 1;
        ids[ith] = std::this_thread::get_id();
        nths[ith] = nth;
      });
      for (int i = 0; i < threads; ++i) {
        EXPECT_EQ(calls[i], 1) << "threads=" << threads << " slice " << i;
        EXPECT_EQ(ids[i], std::this_thread::get_id())
            << "threads=" << threads << " slice " << i << " ran on a stalled worker";
        EXPECT_EQ(nths[i], threads) << "slice " << i << " saw the wrong nth";
      }
    }
    // Released, the workers take part again, and none reruns a slice of the runs it missed.
    pool.stall_workers(false);
    std::vector<Slot> calls(threads);
    constexpr int kRuns = 500;
    for (int r = 0; r < kRuns; ++r) pool.run([&](int ith, int) { calls[ith].value += 1; });
    for (int i = 0; i < threads; ++i) {
      EXPECT_EQ(calls[i].value, kRuns) << "threads=" << threads << " slice " << i;
    }
  }
}

TEST(ThreadPoolFallbackTest, SlicesNotYetTakenBySleepingWorkersRunOnce) {
  // Workers asleep past their spin window: the caller usually finishes the run before they
  // wake, and the late workers must find nothing left to do.
  ThreadPool pool(3);
  for (int rep = 0; rep < 20; ++rep) {
    std::this_thread::sleep_for(std::chrono::microseconds(pool.spin_window_us() + 300));
    std::vector<int> calls(3, 0);
    pool.run([&](int ith, int) { calls[ith] += 1; });
    for (int i = 0; i < 3; ++i) EXPECT_EQ(calls[i], 1) << "rep " << rep << " slice " << i;
  }
}

TEST(ThreadPoolFallbackTest, StallingWhileRunningKeepsEverySliceExactlyOnce) {
  // Workers stall and resume at random moments relative to the runs: each slice of each run is
  // still run by exactly one thread (a second one would add 2 or race, which TSan reports).
  ThreadPool pool(3);
  std::atomic<bool> done{false};
  std::thread toggler([&] {
    bool stalled = false;
    while (!done.load()) {
      stalled = !stalled;
      pool.stall_workers(stalled);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    pool.stall_workers(false);
  });
  constexpr int kRuns = 20000;
  std::vector<Slot> sums(3);
  for (int r = 0; r < kRuns; ++r) pool.run([&](int ith, int) { sums[ith].value += r; });
  done.store(true);
  toggler.join();
  const int64_t expected = int64_t{kRuns} * (kRuns - 1) / 2;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sums[i].value, expected) << "slice " << i;
}

TEST(ThreadPoolFallbackTest, ExceptionFromASliceTheCallerTookIsRethrown) {
  ThreadPool pool(3);
  pool.stall_workers(true);
  std::vector<int> calls(3, 0);
  try {
    pool.run([&](int ith, int) {
      calls[ith] += 1;
      if (ith == 1) throw std::runtime_error("slice 1 failed");
    });
    FAIL() << "the exception of slice 1 was lost";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "slice 1 failed");
  }
  // The slices after the failing one still ran, once each.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(calls[i], 1) << "slice " << i;

  // The caller's own slice fails: the slices it then takes from the workers still run.
  std::vector<int> after(3, 0);
  EXPECT_THROW(pool.run([&](int ith, int) {
    after[ith] += 1;
    if (ith == 0) throw std::logic_error("slice 0 failed");
  }),
               std::logic_error);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(after[i], 1) << "slice " << i;

  // Every slice fails: one exception comes out, and the pool still works, stalled or not.
  EXPECT_THROW(pool.run([](int ith, int) { throw std::runtime_error(std::to_string(ith)); }),
               std::runtime_error);
  pool.stall_workers(false);
  std::vector<int> fine(3, 0);
  pool.run([&](int ith, int) { fine[ith] += 1; });
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fine[i], 1) << "slice " << i;
}

TEST(ThreadPoolFallbackTest, NestedRunInsideATakenSliceRunsInline) {
  ThreadPool pool(2);
  ThreadPool other(2);
  pool.stall_workers(true);
  std::vector<int> in_task(2, 0), inner_nth(2, -1), other_nth(2, -1);
  pool.run([&](int ith, int) {
    in_task[ith] = ThreadPool::in_task();
    pool.run([&](int, int n) { inner_nth[ith] = n; });
    other.run([&](int, int n) { other_nth[ith] = n; });
  });
  EXPECT_FALSE(ThreadPool::in_task()) << "the marker must be cleared after the run";
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(in_task[i], 1) << "slice " << i;
    EXPECT_EQ(inner_nth[i], 1) << "slice " << i << ": a nested run on the same pool";
    EXPECT_EQ(other_nth[i], 1) << "slice " << i << ": a nested run on another pool";
  }
}

TEST(ThreadPoolFallbackTest, CallerWaitsForASliceAWorkerHasTaken) {
  // Slice 0 waits until a worker has started slice 1, which then outlasts the caller's spin:
  // the caller must not run slice 1 again, and must return only after it finished.
  ThreadPool pool(2);
  for (int rep = 0; rep < 3; ++rep) {
    std::atomic<bool> started{false};
    std::vector<int> calls(2, 0);
    std::vector<std::thread::id> ids(2);
    pool.run([&](int ith, int) {
      if (ith == 0) {
        while (!started.load()) std::this_thread::yield();
      } else {
        started.store(true);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      calls[ith] += 1;
      ids[ith] = std::this_thread::get_id();
    });
    EXPECT_EQ(calls[0], 1);
    EXPECT_EQ(calls[1], 1);
    EXPECT_NE(ids[1], std::this_thread::get_id()) << "slice 1 was run by the caller";
  }
}

// ---- MeasuredSplit ----

void sleep_us(int64_t us) {
  std::this_thread::sleep_for(std::chrono::microseconds(us));
}

TEST(MeasuredSplitTest, CheapLoopsStayOnTheCallingThread) {
  ThreadPool pool(2);
  MeasuredSplit split;
  std::vector<Slot> covered(8);
  for (int call = 0; call < 200; ++call) {
    split.run(pool, 8, [&](int64_t begin, int64_t end) {
      EXPECT_EQ(begin, 0) << "call " << call << " was split";
      EXPECT_EQ(end, 8);
      for (int64_t i = begin; i < end; ++i) covered[static_cast<std::size_t>(i)].value += 1;
    });
  }
  for (const Slot& c : covered) EXPECT_EQ(c.value, 200);
  EXPECT_GE(split.inline_ns_per_item(), 0.0) << "the item cost was never measured";
  EXPECT_LT(split.split_ns_per_item(), 0.0) << "a loop far below kMinShareNanos was split";
}

TEST(MeasuredSplitTest, DearLoopIsTriedSplitAndEveryItemRunsOnce) {
  // Each item sleeps longer than kMinShareNanos: after the first three (measured, inline) calls
  // the next one must be split, to learn what splitting costs.
  ASSERT_GT(30000, nn::kMinShareNanos) << "the test's items must be dearer than the threshold";
  ThreadPool pool(2);
  MeasuredSplit split;
  for (int call = 0; call < 6; ++call) {
    std::vector<Slot> covered(4);
    std::atomic<int> pieces{0};
    split.run(pool, 4, [&](int64_t begin, int64_t end) {
      pieces.fetch_add(1);
      for (int64_t i = begin; i < end; ++i) {
        sleep_us(30);
        covered[static_cast<std::size_t>(i)].value += 1;
      }
    });
    for (int i = 0; i < 4; ++i) EXPECT_EQ(covered[i].value, 1) << "call " << call << " item " << i;
    if (call < 3) {
      EXPECT_EQ(pieces.load(), 1) << "the first three calls must run inline";
    } else if (call == 3) {
      EXPECT_EQ(pieces.load(), 2) << "the fourth call must try the split";
    }
  }
  EXPECT_GT(split.split_ns_per_item(), 0.0);
}

TEST(MeasuredSplitTest, GoesBackInlineWhenSplittingIsSlower) {
  // Split runs are made much slower than inline ones (the second range pays 20 ms, as if its
  // worker had been descheduled): after learning that, the loop must run inline except for the
  // occasional probe. The penalty dwarfs what a loaded machine adds to the 25 us sleeps (on 2
  // busy cores they took 0.6-5 ms each, which made a 1 ms penalty fail half the runs).
  ThreadPool pool(2);
  MeasuredSplit split;
  auto body = [&](int64_t begin, int64_t end) {
    if (begin != 0) sleep_us(20000);
    for (int64_t i = begin; i < end; ++i) sleep_us(25);
  };
  for (int call = 0; call < 4; ++call) split.run(pool, 2, body);  // learn both costs (3 + 1)
  int split_calls = 0;
  for (int call = 0; call < 64; ++call) {
    std::atomic<int> pieces{0};
    split.run(pool, 2, [&](int64_t begin, int64_t end) {
      pieces.fetch_add(1);
      body(begin, end);
    });
    split_calls += pieces.load() > 1;
  }
  EXPECT_LE(split_calls, 4) << "inline per item " << split.inline_ns_per_item() << " ns, split "
                            << split.split_ns_per_item() << " ns";
}

TEST(MeasuredSplitTest, OneThreadOrNestedRunsInlineWithoutMeasuring) {
  ThreadPool one(1);
  MeasuredSplit split;
  int calls = 0;
  split.run(one, 10, [&](int64_t begin, int64_t end) {
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 10);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_LT(split.inline_ns_per_item(), 0.0) << "a one-thread pool has nothing to decide";

  ThreadPool two(2);
  MeasuredSplit inner;
  std::vector<int> nested_calls(2, 0);
  two.run([&](int ith, int) {
    if (ith != 0) return;
    inner.run(two, 10, [&](int64_t begin, int64_t end) {
      EXPECT_TRUE(begin == 0 && end == 10);
      nested_calls[0] += 1;
    });
  });
  EXPECT_EQ(nested_calls[0], 1);
  split.run(two, 0, [&](int64_t, int64_t) { FAIL() << "an empty loop was called"; });
}

}  // namespace
