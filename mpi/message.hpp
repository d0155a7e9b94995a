// The one binary encoding of the messages ranks exchange: a fixed header, then a state dict.
//
// Layout, version 1 (every integer little-endian whatever the host):
//
//   offset  size  field
//   0       8     magic "PHNTMPI\0"
//   8       4     u32 version (1)
//   12      4     u32 kind (MessageKind)
//   16      8     u64 sequence: which unit of work the message is about (for rollouts, the
//                 message's index in the sweep); 0 where the kind has none
//   24      8     u64 body length B
//   32      B     the body: a state dict in the file format of nn/serialize.hpp (its own magic,
//                 version, entries and CRC-32)
//
// Why this shape: the magic and version come first, so bytes from another program, or from a
// build that speaks another version, are refused before anything else is read (every rank of a
// job should run the same build, but nothing enforces it). The kind says how to read the body;
// the body reuses the state-dict format, whose decoder already bounds every length and checks a
// checksum, and which holds named numbers, arrays and strings: what every kind needs.
// docs/DISTRIBUTED.md lists the kinds and their entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/serialize.hpp"

namespace phantom::mpi {

/// What a message says; the numbers are part of the format (never reuse one).
enum class MessageKind : uint32_t {
  /// Worker -> rank 0: a run of finished rollouts (mpi/rollout_codec.hpp).
  rollouts = 1,
  /// Worker -> rank 0: a rollout failed; entries "rank", "rollout_id", "seed", "error".
  failure = 2,
  /// Rank 0 -> worker: every rollout was received; the run is over.
  finish = 3,
  /// Rank 0 -> worker: stop, the run failed; entry "error" says why.
  stop = 4,
  /// Worker -> rank 0: the answer to stop, the last message the worker sends in that run.
  /// (Training over ranks: also the answer to finish.)
  stopped = 5,
  // Training with rollout workers on ranks (mpi/worker_protocol.hpp says what each holds). A
  // request's answer has the request's kind and sequence, or is a worker_failure.
  /// Worker rank -> rank 0, once, unasked: its rollout workers are built.
  workers_ready = 6,
  /// Rank 0 -> worker rank: the learner's weights and global vars (no answer).
  set_weights = 7,
  /// Rank 0 -> worker rank: sample once with each of its first workers; answered with batches.
  sample = 8,
  /// Rank 0 -> worker rank: each worker's statistics; answered with them.
  collect_stats = 9,
  /// Rank 0 -> worker rank: each worker's episode records; answered with them.
  get_metrics = 10,
  /// Rank 0 -> worker rank: each worker's filter deltas (flushed); answered with them.
  filter_deltas = 11,
  /// Rank 0 -> worker rank: the merged filters every worker copies (no answer).
  set_filters = 12,
  /// Rank 0 -> worker rank: switch exploration of some policies (no answer).
  set_explore = 13,
  /// Rank 0 -> worker rank: each worker's checkpoint state; answered with them.
  save_workers = 14,
  /// Rank 0 -> worker rank: a checkpoint to restore its workers from; answered when done.
  restore_workers = 15,
  /// Worker rank -> rank 0: a request failed there (in place of its answer).
  worker_failure = 16,
  // Evaluation workers on ranks (mpi/worker_protocol.hpp).
  /// Rank 0 -> worker rank: an evaluation starts; build its evaluation workers (no answer).
  evaluation_begin = 17,
  /// Rank 0 -> worker rank: one round, each of some evaluation workers samples once; answered
  /// with their samples or env failures.
  evaluation_sample = 18,
  /// Rank 0 -> worker rank: rebuild an evaluation worker after an env failure (no answer).
  evaluation_rebuild = 19,
};

/// The highest kind this version knows.
constexpr MessageKind kLastMessageKind = MessageKind::evaluation_rebuild;

/// The name of a kind ("rollouts", ...; "kind <n>" for a number this version does not know).
std::string kind_name(MessageKind kind);

/// The current version of the header, written by encode_message.
constexpr uint32_t kMessageVersion = 1;
/// Bytes before the body.
constexpr std::size_t kMessageHeaderBytes = 32;

/// A decoded message.
struct Message {
  MessageKind kind = MessageKind::rollouts;
  uint64_t sequence = 0;
  nn::StateDict body;
};

/// The bytes of a message: the header, then encode_state_dict(body).
std::vector<uint8_t> encode_message(MessageKind kind, uint64_t sequence, const nn::StateDict& body);
/// Parses bytes made by encode_message. `source` names them in errors (e.g. "message from
/// rank 2"). Throws phantom::FormatError naming the source and what is wrong: too short, another
/// magic, another version, an unknown kind, a body length other than the bytes that follow, or a
/// body the state-dict decoder refuses.
Message decode_message(const void* data, std::size_t size, const std::string& source);

}  // namespace phantom::mpi
