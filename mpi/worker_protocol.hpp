// The messages of training over ranks: what rank 0 (the driver, mpi/mpi_worker_set.hpp) and the
// worker ranks (mpi/worker_server.hpp) say to each other, in the envelope of mpi/message.hpp.
//
// Rank 0 sends requests on kRequestTag; a worker rank answers on kAnswerTag, in the order asked.
// A request that needs an answer gets exactly one from every rank it went to, of the request's
// kind and sequence (rank 0 numbers its requests), or a worker_failure in its place. The bodies
// carry the encodings of trainers/sampling/worker_messages.hpp as string entries (their bytes
// are state dicts of their own, with their own checksum), one per worker, named by the worker's
// index, so that rank 0 reads them in worker order whatever rank sent them:
//
//   kind              rank 0 -> worker rank            worker rank -> rank 0
//   workers_ready     -                                rank, workers (int64s; unasked, once)
//   set_weights       weights (encode_weights)         - (no answer)
//   sample            count, sampling_state            batch.<i> (encode_batch), i <= count
//   collect_stats     -                                stats.<i>.parts, stats.<i>.<p>
//                                                      (encode_metrics, one per sub-env)
//   get_metrics       -                                records.<i> (encode_metrics)
//   filter_deltas     -                                filters.<i> (encode_filters, flushed)
//   set_filters       filters (encode_filters)         - (no answer)
//   set_explore       policies, policy.<k>, explore    - (no answer)
//   save_workers      prefix                           state.<i> (a state dict's bytes)
//   restore_workers   prefix, checkpoint, source       - (an empty answer once restored)
//   worker_failure    -                                rank, worker, error, type, skippable,
//                                                      and sub_env, episode_seed, step
//   finish / stop     (stop: rank, error)              stopped
//   evaluation_begin  iteration, weights (encode_weights - (no answer)
//                     of the evaluated policies),
//                     filters (encode_filters),
//                     sampling_state, shape (int64s:
//                     agents, metrics, custom metrics)
//   evaluation_sample workers (int64s, 1-based)        per worker i of the rank among them:
//                                                      steps.<i> and sample.<i>
//                                                      (encode_metrics), or failure.<i> (a
//                                                      worker_failure body's bytes: the env's
//                                                      when it has episode_seed)
//   evaluation_rebuild worker (1-based), restarts      - (no answer)
//
// Evaluation worker i (1-based) lives on the rank rollout worker i would
// (mpi/worker_placement.hpp); the evaluation messages go only to the ranks that hold evaluation
// workers (or, for a round and a rebuild, the workers concerned). An env failure of an evaluation
// worker is part of the answer, not a failure of the rank: rank 0 decides whether it ends the run
// (EvaluationOptions).
//
// A request that needs no answer and fails on a worker rank is remembered there, and the next
// request that needs one is answered with that failure: a rank never sends what was not asked
// for (except workers_ready, or a failure in its place), so rank 0 always knows what to wait for.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "mpi/communicator.hpp"
#include "mpi/message.hpp"
#include "nn/serialize.hpp"

namespace phantom::mpi {

/// Rank 0 -> worker ranks (the rollout sweep of mpi/rollout_ranks.hpp uses tags 1 and 2).
constexpr int kRequestTag = 3;
/// Worker ranks -> rank 0.
constexpr int kAnswerTag = 4;

/// The entry "<what>.<worker index>" of a body.
std::string worker_entry(const char* what, int worker_index);

/// Stores `bytes` as the string entry `name`.
void set_bytes(nn::StateDict& body, const std::string& name, const std::vector<uint8_t>& bytes);

/// A failure on a worker rank, as a worker_failure body: the rank, the worker whose operation
/// threw (0: none in particular), the error's text and kind (TrainingError with whether it is
/// skippable, EnvError, or another error), and where the env failed when the worker knows it
/// (RolloutWorker::env_failure: sub-env, episode seed, step), so that the failure can be
/// replayed.
struct WorkerFailure {
  int rank = 0;
  int worker = 0;
  std::string error;
  /// "TrainingError", "EnvError" or "Error".
  std::string type = "Error";
  bool skippable = true;
  bool has_env = false;
  int sub_env = 0;
  uint64_t episode_seed = 0;
  int64_t step = 0;
};

/// The failure `error` (the exception being handled) of worker `worker` on rank `rank`.
WorkerFailure describe_failure(const std::exception_ptr& error, int rank, int worker);
/// `failure` as a worker_failure body.
nn::StateDict failure_body(const WorkerFailure& failure);
/// The failure a body of failure_body holds; FormatError naming the entry (and the body's
/// source) if one is missing or out of range.
WorkerFailure read_failure(const nn::StateDict& body);
/// The exception rank 0 raises for `failure`: TrainingError (same skippable) or EnvError for
/// those kinds, RankFailure otherwise; the text "<worker kind> <i> on rank <r>: <error>
/// (sub-env <v>, episode seed <s>, step <t>)", the parenthesis only when the env failed.
[[noreturn]] void throw_failure(const WorkerFailure& failure,
                                const std::string& worker_kind = "rollout worker");

}  // namespace phantom::mpi
