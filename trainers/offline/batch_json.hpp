// One MultiAgentBatch as one line of JSON: the record of an offline experience file.
//
// Experience written by one run and read by another (or by a later iteration of the same run)
// must come back exactly as it was sampled: an importance weight or a Q-learning update that
// reads 0.30000001 instead of 0.3 is a different experiment. So every float32 is written as the
// shortest decimal that reads back as the same float, and read back with a float conversion
// (never through a double, which would round twice).
//
// A line is an object in RLlib's layout:
//
//   {"type":"MultiAgentBatch","count":3,"policy_batches":{"shop":{"obs":[[0.5,2.0],...],
//    "actions":[1.0,...],"eps_id":[7,7,7],...},"other":{...}}}
//
// "count" is the batch's env steps; each policy's batch holds its columns in their order, a
// column of width 1 as a flat list and a wider one as one list per row. JSON has a single
// number type, so the column's type is carried by how its numbers are written: a float32 value
// always has a '.' or an exponent ("1.0", "2.5e-08"), an int64 value never has. A column is
// int64 when all its numbers are written as integers, float32 otherwise. NaN and the infinities,
// which JSON cannot hold, are written as the bare words NaN, Infinity and -Infinity (as
// Python's json module does); the sampling layer's non-finite checks keep them out of rewards
// and observations, so they can only come from a policy's own outputs (a NaN value estimate).
// A NaN reads back as a quiet NaN (its payload bits are not kept).
//
// Policy ids and column names must be UTF-8 (JSON's encoding): the writer puts U+FFFD in place of
// bytes that are not, and the reader refuses them, so that a name never reads back changed.
// A policy whose batch has no rows is left out of the line (its columns' widths and types could
// not be written), so it is absent from the batch read back. MultiAgentBatch::non_finite is not
// written: it describes the sampling, not the data.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "trainers/sampling/multi_agent_batch.hpp"

namespace phantom {

/// Appends `batch` as one JSON object (see the top of this file), without a newline. The
/// action_logp and action_prob columns of the policies in `without_probabilities` are left out
/// (they hold no behaviour probability: see RolloutWorkerOptions::output_dir).
void append_batch_json(std::string& out, const MultiAgentBatch& batch,
                       const std::set<std::string>& without_probabilities = {});

/// The batch written on `line` (no newline). Throws FormatError saying what is wrong and where
/// ("at character N: ..."): not JSON, no "type" or another type than "MultiAgentBatch", no
/// "count", a column whose rows have different widths, an integer beyond int64, a number beyond
/// a float. The caller adds the file and line.
MultiAgentBatch parse_batch_json(std::string_view line);

}  // namespace phantom
