// The one timing rule of peer_bench: our implementation and the peer's are timed alternately
// inside every benchmark iteration (who goes first alternates too), so the VM's speed drift,
// which can be 2x from one minute to the next, hits both sides alike and cancels in the ratio.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

namespace peers {

/// The unit of the per-call counters: "ours_us"/"peer_us" or "ours_ns"/"peer_ns".
enum class CallUnit { microseconds, nanoseconds };

namespace detail {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Timed calls per block: enough for a block to last about 50 us, so that reading the clock
// (tens of nanoseconds) does not weigh on calls of 50 ns. Estimated from 16 warm-up calls of
// each side.
template <class Ours, class Peer>
int64_t calls_per_block(Ours& ours, Peer& peer) {
  constexpr int kWarmup = 16;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kWarmup; ++i) {
    ours();
    peer();
  }
  const double per_pair = seconds_since(start) / kWarmup;
  return std::max<int64_t>(1, static_cast<int64_t>(50e-6 / std::max(per_pair, 1e-12)));
}

}  // namespace detail

/// Runs the benchmark loop: each iteration times a block of calls of `ours` and a block of calls
/// of `peer`, in alternating order. Each block starts with one untimed call, so that each side is
/// timed with its own data in the caches, as in a loop of training steps, not just after the
/// other side evicted it. Reports per-call times (ours_*, peer_*) and speedup = the
/// peer's total time over ours (above 1: we are faster), summed over all iterations.
template <class Ours, class Peer>
void compare_alternately(benchmark::State& state, Ours&& ours, Peer&& peer, CallUnit unit) {
  const int64_t calls = detail::calls_per_block(ours, peer);
  double ours_seconds = 0, peer_seconds = 0;
  bool ours_first = true;
  for (auto _ : state) {
    for (int turn = 0; turn < 2; ++turn) {
      const bool our_turn = (turn == 0) == ours_first;
      const auto call = [&] { our_turn ? ours() : peer(); };
      call();  // untimed: brings this side's data back into the caches
      const auto start = std::chrono::steady_clock::now();
      for (int64_t i = 0; i < calls; ++i) call();
      benchmark::ClobberMemory();
      (our_turn ? ours_seconds : peer_seconds) += detail::seconds_since(start);
    }
    ours_first = !ours_first;
  }
  const double total_calls = static_cast<double>(state.iterations()) * static_cast<double>(calls);
  const bool us = unit == CallUnit::microseconds;
  const double scale = (us ? 1e6 : 1e9) / std::max(total_calls, 1.0);
  state.counters[us ? "ours_us" : "ours_ns"] = ours_seconds * scale;
  state.counters[us ? "peer_us" : "peer_ns"] = peer_seconds * scale;
  state.counters["speedup"] = peer_seconds / ours_seconds;
  state.counters["calls_per_block"] = static_cast<double>(calls);
}

}  // namespace peers
