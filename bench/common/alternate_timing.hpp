// The timing rule for any benchmark that quotes a ratio (ours against a peer library in
// peer_bench, a train step against its floor in nn_bench): the two sides are timed alternately
// inside every benchmark iteration (who goes first alternates too), so the VM's speed drift,
// which can be 2x from one minute to the next, hits both sides alike and cancels in the ratio.
//
// Blocks are timed in this thread's CPU time: on a shared machine a block that another program
// preempts is not charged the milliseconds it waited. Every side runs on the calling thread
// (one thread each), so that time holds all their work; the wall-clock ratio is reported beside
// it (speedup_wall, or <ratio>_wall) as the check that nothing ran elsewhere.
#pragma once

#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

namespace bench_timing {

/// The unit of the per-call counters: <side>_us or <side>_ns (SideNames).
enum class CallUnit { microseconds, nanoseconds };

/// The counter names of the two sides and of their ratio (the peer's time over ours):
/// <ours>_us, <peer>_us, <ratio> and <ratio>_wall.
struct SideNames {
  const char* ours = "ours";
  const char* peer = "peer";
  const char* ratio = "speedup";
};

namespace detail {

// The calling thread's CPU time and the wall clock, in seconds.
struct Instant {
  double cpu, wall;
  static Instant now() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    return {static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec), wall};
  }
};

// Timed calls per block: enough for the faster side's block to last about 50 us, so that
// reading the clocks (a system call for the CPU time, well under a microsecond) does not weigh
// on calls of 50 ns. Estimated from 16 warm-up calls of each side.
template <class Ours, class Peer>
int64_t calls_per_block(Ours& ours, Peer& peer) {
  constexpr int kWarmup = 16;
  const Instant start = Instant::now();
  for (int i = 0; i < kWarmup; ++i) ours();
  const Instant middle = Instant::now();
  for (int i = 0; i < kWarmup; ++i) peer();
  const double faster = std::min(middle.wall - start.wall, Instant::now().wall - middle.wall);
  return std::max<int64_t>(1, static_cast<int64_t>(50e-6 / std::max(faster / kWarmup, 1e-12)));
}

}  // namespace detail

/// Runs the benchmark loop: each iteration times a block of calls of `ours` and a block of calls
/// of `peer`, in alternating order. Each block starts with one untimed call, so that each side is
/// timed with its own data in the caches, as in a loop of training steps, not just after the
/// other side evicted it. Reports per-call CPU times (ours_*, peer_*), speedup = the peer's total
/// CPU time over ours (above 1: we are faster) and speedup_wall, the same in wall-clock time,
/// summed over all iterations; `names` renames these counters.
template <class Ours, class Peer>
void compare_alternately(benchmark::State& state, Ours&& ours, Peer&& peer, CallUnit unit,
                         const SideNames& names = {}) {
  const int64_t calls = detail::calls_per_block(ours, peer);
  detail::Instant ours_total{0, 0}, peer_total{0, 0};
  bool ours_first = true;
  for (auto _ : state) {
    for (int turn = 0; turn < 2; ++turn) {
      const bool our_turn = (turn == 0) == ours_first;
      const auto call = [&] { our_turn ? ours() : peer(); };
      call();  // untimed: brings this side's data back into the caches
      const detail::Instant start = detail::Instant::now();
      for (int64_t i = 0; i < calls; ++i) call();
      benchmark::ClobberMemory();
      const detail::Instant end = detail::Instant::now();
      detail::Instant& total = our_turn ? ours_total : peer_total;
      total.cpu += end.cpu - start.cpu;
      total.wall += end.wall - start.wall;
    }
    ours_first = !ours_first;
  }
  const double total_calls = static_cast<double>(state.iterations()) * static_cast<double>(calls);
  const bool us = unit == CallUnit::microseconds;
  const double scale = (us ? 1e6 : 1e9) / std::max(total_calls, 1.0);
  const std::string suffix = us ? "_us" : "_ns", ratio = names.ratio;
  state.counters[names.ours + suffix] = ours_total.cpu * scale;
  state.counters[names.peer + suffix] = peer_total.cpu * scale;
  state.counters[ratio] = peer_total.cpu / ours_total.cpu;
  state.counters[ratio + "_wall"] = peer_total.wall / ours_total.wall;
  state.counters["calls_per_block"] = static_cast<double>(calls);
}

}  // namespace bench_timing
