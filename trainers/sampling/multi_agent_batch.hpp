// MultiAgentBatch: the sample batches of several policies, gathered over the same env steps.
//
// In a multi-agent env each policy gets the rows of the agents mapped to it, so one env step can
// add rows to several policies, or several rows to one. The batch therefore counts two things:
// env_steps, the steps the envs took (how sampling and training sizes are measured by default),
// and agent_steps(), the rows of all policies together.
//
// Policies are kept in a std::map, so they are visited in sorted id order whatever order they
// acted in: everything built from a MultiAgentBatch is deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "trainers/sampling/non_finite.hpp"
#include "trainers/sampling/sample_batch.hpp"

namespace phantom {

/// The batches of several policies over the same env steps (see the top of this file).
struct MultiAgentBatch {
  /// Policy id -> the rows of that policy's agents.
  std::map<std::string, SampleBatch> policy_batches;
  /// Env steps these rows were sampled over (the batch's "count").
  int64_t env_steps = 0;
  /// The first non-finite reward or observation each policy's rows received while this batch
  /// was sampled, in the order they were met (empty: every value was finite; a worker that
  /// raises on them never fills it). RolloutWorker::learn_on_batch skips those policies.
  std::vector<NonFiniteValue> non_finite;
  /// The entry of non_finite for `policy_id`, or null.
  const NonFiniteValue* non_finite_of(const std::string& policy_id) const;

  /// Rows of all policies together.
  int64_t agent_steps() const;
  /// The policy ids, sorted.
  std::vector<std::string> policy_ids() const;
  /// True if the batch holds rows (or an emptied batch) for `policy_id`.
  bool has_policy(const std::string& policy_id) const {
    return policy_batches.count(policy_id) > 0;
  }
  /// The batch of `policy_id`; throws ConfigError naming it and the present ids if it is absent.
  SampleBatch& batch(const std::string& policy_id);
  const SampleBatch& batch(const std::string& policy_id) const;

  /// Forgets all rows and non-finite values and sets env_steps to 0. Each policy keeps its (now
  /// empty) batch and its memory, so refilling allocates nothing; policy_ids() therefore still
  /// lists it.
  void clear();

  /// The batches one after the other: env_steps add up, and each policy's rows are the
  /// concatenation of its rows in the inputs that have it (a policy may be absent from some).
  /// Throws ConfigError naming the policy and column if a policy's batches have different
  /// columns (the batch numbers in the message count only the inputs that have that policy),
  /// ValueError if an input is null.
  static MultiAgentBatch concat(const std::vector<const MultiAgentBatch*>& batches);
};

}  // namespace phantom
