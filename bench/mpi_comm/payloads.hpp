// Payloads: the real messages of one training iteration with rollout workers, for mpi_comm to
// encode, send and decode.
//
// A driver/worker split of training moves five things per iteration (trainers/sampling/
// worker_set.hpp): the learner's weights with the global vars and the merged observation filters
// go out to every worker; each worker's batch, episode statistics and filter delta come back.
// Their sizes decide what the wire costs, so they are taken from the real thing rather than
// guessed: the supply-chain experiment's PPO trainer (`make run`'s settings, one rollout worker
// of 8 sub-envs x 100 steps) runs a few iterations, and its worker set hands out its weights,
// one more fragment's batch and statistics, and its filters. The same trainer gives the time a
// worker takes to sample one fragment and the time the learner takes to learn on it: what the
// communication is to be compared with.
//
// A second set of weights comes from a wider network (32 observations -> 256 -> 256 -> 8 actions,
// actor and critic), as a model of an env with larger policies than the shop's.
#pragma once

#include <cstdint>
#include <memory>

#include "trainers/sampling/filter_set.hpp"
#include "trainers/sampling/multi_agent_batch.hpp"
#include "trainers/sampling/worker_messages.hpp"

namespace mpi_comm {

/// One iteration's messages and the times they are compared with (see the top of this file).
struct Payloads {
  /// The learner's weights and global vars after a few iterations (supply-chain PPO).
  phantom::WeightsMessage weights;
  /// The weights of the 32-256-256-8 actor-critic, with global vars.
  phantom::WeightsMessage wide_weights;
  /// The learner's merged filters (what the driver broadcasts after merging).
  phantom::FilterSnapshot merged_filters;
  /// A rollout worker's filter delta since the last sync (what each worker sends).
  phantom::FilterSnapshot filter_delta;
  /// The learner's filters, the receiver's own set that decode_filters shapes filters after.
  std::unique_ptr<phantom::FilterSet> filters_like;
  /// One fragment of the rollout worker (8 envs x 100 steps).
  phantom::MultiAgentBatch batch;
  /// That fragment's statistics and episode records.
  phantom::WorkerMetrics metrics;
  /// Median wall time of the rollout worker's sample() of one fragment, microseconds.
  double sample_us = 0.0;
  /// Median wall time of one training iteration of the learner minus sample_us: learning on one
  /// fragment (and the in-process sync), microseconds.
  double learn_us = 0.0;
};

/// Trains the supply-chain shop for `iterations` (>= 2) iterations with one rollout worker, then
/// takes the payloads, timing `samples` (>= 1) extra fragments. Deterministic: every rank that
/// calls it gets the same payloads (not the same times).
Payloads build_payloads(int iterations, int samples);

}  // namespace mpi_comm
