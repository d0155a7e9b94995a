// A rollout sweep shared among the ranks of an MPI job, streamed in order to rank 0.
//
//   phantom::mpi::Session session(&argc, &argv);
//   phantom::mpi::Communicator comm;
//   phantom::RolloutRunner runner(make_env, config, policies, options);   // on every rank
//   std::optional<phantom::RolloutCsvWriter> csv;
//   if (comm.rank() == 0) csv.emplace("rollouts.csv");
//   phantom::mpi::run_over_ranks(comm, runner, [&](const phantom::Rollout& r) { csv->write(r); });
//   if (comm.rank() == 0) csv->close();
//
// Who runs what. The sweep's rollouts (RolloutRunner::size(), in rollout-id order) are cut into
// messages of RankOptions::rollouts_per_message consecutive ids; message m is run by rank
// m % size, with RolloutRunner::run_range (so each rank also uses the runner's worker threads).
// Every rank, rank 0 included, runs its share; a worker rank sends each of its messages to
// rank 0 as soon as it has run it.
//
// Order and memory. Rank 0 hands every rollout to the sink in rollout-id order, message after
// message: its own straight from the runner, the others' as they arrive (mpi/message.hpp,
// mpi/rollout_codec.hpp). A worker rank sends with a synchronous send (MPI_Issend), which
// completes only once rank 0 has started to receive the message, and keeps at most
// RankOptions::window of them under way: it waits before running more. Rank 0, while the next
// message in order has not arrived, runs its own next messages ahead, also at most `window`.
// Memory therefore stays bounded for a sweep of any size, as with the in-process runner. A rank
// that waits polls and sleeps rather than spin in MPI's busy wait, leaving the CPU to the rank
// it waits for when they share cores.
//
// Identity with one process. A rollout depends only on its id (RolloutRunner's contract) and its
// bytes cross ranks unchanged, env_config being rebuilt on rank 0 from the runner
// (RolloutRunner::config_at). So the sink sees the same rollouts, in the same order, as
// RolloutRunner::run in one process: the CSV files written from it are byte-identical, for any
// number of ranks, worker threads per rank or rollouts per message.
//
// Failure. If the env or a policy throws on some rank, that rank sends rank 0, in place of the
// message it was running, its rank, the rollout's id and seed, and the error. When rank 0 comes
// to that message in order (every rank keeps delivering the messages before it) it tells every
// worker to stop, receives and discards what each still had under way until each confirms, and
// throws RankFailure; each worker throws a RankFailure with the same text once it has confirmed.
// The failure reported is that of the first failing message in rollout order, and the sink has
// had the rollouts before that message (and those of it before the failing rollout if rank 0 ran
// it), never the failing one. An error on rank 0 itself (its rollouts, or the sink) stops the
// workers the same way. No rank is left waiting: a worker waits only for rank 0 (which answers
// every message it waits for), and rank 0 only for the next message in order from the rank that
// owes it. A rank that dies, on the other hand (killed, out of memory), ends the whole job: plain
// MPI cannot continue without it.
#pragma once

#include "analysis/rollout_runner.hpp"
#include "mpi/communicator.hpp"

namespace phantom::mpi {

/// How run_over_ranks shares the sweep.
struct RankOptions {
  /// Consecutive rollouts a rank runs and sends as one message (>= 1). Larger: fewer, larger
  /// messages; smaller: finer sharing of a short sweep among the ranks.
  int rollouts_per_message = 32;
  /// Messages a rank may have run that rank 0 has not yet taken (>= 1): the bound on memory.
  int window = 4;
};

/// Runs `runner`'s whole sweep over the ranks of `comm` (see the top of this file). Collective:
/// every rank calls it, with a runner made the same way (the same env factory, config, policies
/// and options) and the same options. On rank 0, `sink` gets every rollout in rollout-id order
/// and the progress bar shows (if the runner's options ask for one); elsewhere `sink` is never
/// called. Throws phantom::ConfigError if an option is below 1, RankFailure (on every rank) if
/// a rollout failed on some rank, and on rank 0 rethrows an error of its sink after stopping the
/// workers (who throw RankFailure).
void run_over_ranks(const Communicator& comm, RolloutRunner& runner, const RolloutSink& sink,
                    const RankOptions& options = {});

}  // namespace phantom::mpi
