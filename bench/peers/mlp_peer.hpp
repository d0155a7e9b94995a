// What every network peer (Eigen, libtorch) runs: the start-up check that its MLP follows ours,
// and the three comparisons (the reference net's train step at batch 64 and 2048, the wide net's
// at 2048, batch-1 inference). A peer supplies a class PeerMlp built from a NetSnapshot, with
// float step() (one training step, returning the loss before it) and float infer_one() (the
// first output of the first input row).
#pragma once

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common/alternate_timing.hpp"
#include "net_snapshot.hpp"

namespace peers {

template <class PeerMlp>
void compare_train_step(benchmark::State& state, std::vector<int64_t> sizes) {
  workloads::MlpStep ours(sizes, state.range(0), kSeed);
  PeerMlp peer(snapshot(ours));
  bench_timing::compare_alternately(
      state, [&] { benchmark::DoNotOptimize(ours.step()); },
      [&] { benchmark::DoNotOptimize(peer.step()); }, bench_timing::CallUnit::microseconds);
}

template <class PeerMlp>
void compare_infer_one(benchmark::State& state) {
  workloads::MlpStep ours(train_step_sizes(), 1, kSeed);
  PeerMlp peer(snapshot(ours));
  bench_timing::compare_alternately(
      state, [&] { benchmark::DoNotOptimize(ours.infer_one()); },
      [&] { benchmark::DoNotOptimize(peer.infer_one()); }, bench_timing::CallUnit::nanoseconds);
}

/// The start-up check of a network peer: both nets' losses over kCheckSteps steps, and the
/// batch-1 output, within kLossTolerance of ours. Prints each result; returns whether all agree.
template <class PeerMlp>
bool mlp_peer_agrees(const char* peer_name) {
  bool ok = true;
  const std::pair<const char*, std::vector<int64_t>> nets[] = {
      {"TrainStep", train_step_sizes()}, {"TrainStepWide", wide_step_sizes()}};
  for (const auto& [name, sizes] : nets) {
    workloads::MlpStep ours(sizes, 64, kSeed);
    PeerMlp peer(snapshot(ours));
    std::vector<float> losses;
    for (int i = 0; i < kCheckSteps; ++i) losses.push_back(peer.step());
    ok = losses_agree(peer_name, name, our_losses(sizes, 64), losses) && ok;
  }
  workloads::MlpStep ours(train_step_sizes(), 1, kSeed);
  PeerMlp peer(snapshot(ours));
  const float a = ours.infer_one(), b = peer.infer_one();
  const bool infer_ok = std::fabs(a - b) <= kLossTolerance * std::fabs(a);
  std::printf("peer check %-8s Infer1               first output %.6f (ours %.6f) %s\n", peer_name,
              double(b), double(a), infer_ok ? "ok" : "MISMATCH");
  return ok && infer_ok;
}

/// Registers <prefix>/TrainStep/{64,2048}, <prefix>/TrainStepWide/2048 and <prefix>/Infer1.
template <class PeerMlp>
void register_mlp_benchmarks(const std::string& prefix) {
  benchmark::RegisterBenchmark((prefix + "/TrainStep").c_str(), compare_train_step<PeerMlp>,
                               train_step_sizes())
      ->Arg(64)
      ->Arg(2048)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark((prefix + "/TrainStepWide").c_str(), compare_train_step<PeerMlp>,
                               wide_step_sizes())
      ->Arg(2048)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark((prefix + "/Infer1").c_str(), compare_infer_one<PeerMlp>);
}

}  // namespace peers
