// run_ordered: every job runs once, results are consumed in job order on the calling thread, the
// window bounds the jobs in flight, and a failure anywhere stops the run without a hang.
// (The suite name ends in "Parallel" so that CI's TSan job runs it.)
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "analysis/ordered_jobs.hpp"
#include "phantom/error.hpp"

namespace {

// Jobs that take uneven times (job 0 the longest), so they finish out of order.
void uneven_pause(std::size_t job) {
  std::this_thread::sleep_for(std::chrono::microseconds(job % 3 == 0 ? 300 : 20));
}

TEST(OrderedJobsParallel, ConsumesEveryJobOnceInOrderOnTheCallingThread) {
  for (int threads : {1, 2, 4}) {
    for (std::size_t window : {1u, 3u, 8u}) {
      nn::ThreadPool pool(threads);
      const std::size_t n = 40;
      std::vector<int> slots(window, -1);
      std::vector<std::atomic<int>> runs(n);
      std::vector<std::size_t> consumed;
      std::mutex threads_mutex;
      std::vector<int> worker_ids;
      const std::thread::id caller = std::this_thread::get_id();
      phantom::run_ordered(
          pool, n, window,
          [&](int ith, std::size_t job) {
            uneven_pause(job);
            ++runs[job];
            slots[job % window] = static_cast<int>(job * job);
            std::lock_guard<std::mutex> lock(threads_mutex);
            worker_ids.push_back(ith);
          },
          [&](std::size_t job) {
            EXPECT_EQ(std::this_thread::get_id(), caller);
            EXPECT_EQ(slots[job % window], static_cast<int>(job * job)) << "slot not overwritten";
            consumed.push_back(job);
          });
      ASSERT_EQ(consumed.size(), n) << threads << " threads, window " << window;
      for (std::size_t j = 0; j < n; ++j) {
        EXPECT_EQ(consumed[j], j);
        EXPECT_EQ(runs[j].load(), 1) << "job " << j;
      }
      for (int ith : worker_ids) {
        EXPECT_GE(ith, 0);
        EXPECT_LT(ith, threads);
      }
    }
  }
}

TEST(OrderedJobsParallel, NoMoreThanTheWindowIsInFlight) {
  nn::ThreadPool pool(4);
  const std::size_t window = 3;
  std::atomic<std::size_t> started{0};
  std::atomic<std::size_t> consumed{0};
  std::atomic<std::size_t> most_in_flight{0};
  phantom::run_ordered(
      pool, 60, window,
      [&](int, std::size_t job) {
        // Started jobs minus consumed ones (consumed only moves forward, so this is an upper
        // bound of what is in flight at this moment).
        const std::size_t in_flight = ++started - consumed;
        std::size_t seen = most_in_flight.load();
        while (in_flight > seen && !most_in_flight.compare_exchange_weak(seen, in_flight)) {
        }
        uneven_pause(job);
      },
      [&](std::size_t) { ++consumed; });
  EXPECT_EQ(consumed.load(), 60u);
  EXPECT_LE(most_in_flight.load(), window);
}

TEST(OrderedJobsParallel, AFailingJobOrConsumerStopsTheRunAndIsRethrown) {
  for (int threads : {1, 3}) {
    nn::ThreadPool pool(threads);
    std::atomic<std::size_t> ran{0};
    EXPECT_THROW(phantom::run_ordered(
                     pool, 1000, 4,
                     [&](int, std::size_t job) {
                       ++ran;
                       if (job == 5) throw std::runtime_error("job 5");
                     },
                     [](std::size_t) {}),
                 std::runtime_error);
    EXPECT_LT(ran.load(), 1000u) << "the run stopped early";

    std::size_t consumed = 0;
    EXPECT_THROW(phantom::run_ordered(
                     pool, 1000, 4, [](int, std::size_t) {},
                     [&](std::size_t job) {
                       if (job == 7) throw std::logic_error("sink");
                       ++consumed;
                     }),
                 std::logic_error);
    EXPECT_EQ(consumed, 7u);
    // The pool is usable afterwards.
    std::size_t after = 0;
    phantom::run_ordered(
        pool, 5, 2, [](int, std::size_t) {}, [&](std::size_t) { ++after; });
    EXPECT_EQ(after, 5u);
  }
}

TEST(OrderedJobsParallel, InsideAPoolTaskItRunsInlineAndAnEmptyRunDoesNothing) {
  nn::ThreadPool outer(2), inner(2);
  std::vector<std::vector<std::size_t>> consumed(2);
  outer.run([&](int ith, int) {
    phantom::run_ordered(
        inner, 6, 2, [&](int worker, std::size_t) { EXPECT_EQ(worker, 0); },
        [&](std::size_t job) { consumed[static_cast<std::size_t>(ith)].push_back(job); });
  });
  for (const auto& c : consumed) EXPECT_EQ(c, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5}));

  bool called = false;
  phantom::run_ordered(
      inner, 0, 1, [&](int, std::size_t) { called = true; }, [&](std::size_t) { called = true; });
  EXPECT_FALSE(called);
  EXPECT_THROW(phantom::run_ordered(
                   inner, 3, 0, [](int, std::size_t) {}, [](std::size_t) {}),
               phantom::ConfigError);
}

}  // namespace
