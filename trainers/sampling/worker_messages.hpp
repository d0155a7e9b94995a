// Worker messages: what a rollout worker hands to the driver (a MultiAgentBatch, the statistics
// and episode records of the episodes it finished, its filter deltas) and what the driver sends
// back (weights with the global vars, merged filters), as state dict entries and as bytes.
//
// Two readers need these in the same form. A worker's checkpoint holds the fragment it has in
// flight (sample_async), and a driver whose rollout workers live in other processes receives
// every batch and every iteration's metrics over a wire. Both write the values as
// nn::StateDict entries, which keep every float and double bit for bit (NaN payloads, -0,
// infinities), so a batch that travelled is identical to the one sampled and training with
// remote workers equals training with in-process ones. The byte form is the state dict file
// format (nn/serialize.hpp: versioned, with a CRC32), so a damaged message is a FormatError
// naming its source, never a wrong batch.
//
// Entry names under a prefix p (the worker checkpoint's layout, kept as it was):
//   batch:   p.env_steps, p.policies, p.policy<k> (id), p.batch<k> (SampleBatch::save),
//            p.non_finite, p.non_finite<k>.{what,policy,agent,where,value}
//   stats:   p.steps {env, agent, episodes}, p.returns / p.metrics / p.custom_metrics
//            (.counts, .values = sum, min, max each), p.finished_returns<i>
//   records: p.records, p.record<r>.{ints,total_reward,rewards,reward<k>.*,custom_metrics,
//            custom_metric<k>.*,hists,hist<k>.*}
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nn/serialize.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/sampling/episode_metrics.hpp"
#include "trainers/sampling/filter_set.hpp"
#include "trainers/sampling/multi_agent_batch.hpp"
#include "trainers/sampling/trainable_policy.hpp"

namespace phantom {

/// What a worker reports about the episodes it stepped since the driver last asked: the
/// statistics of collect_stats() and the records of get_metrics().
struct WorkerMetrics {
  IterationStats stats;
  std::vector<EpisodeRecord> episodes;
};

/// Writes `batch` (every policy's rows, env steps, non-finite values) under `prefix`.
void save_batch(const MultiAgentBatch& batch, nn::StateDict& out, const std::string& prefix);
/// Replaces `batch` by what save_batch wrote under `prefix`. Throws FormatError naming the
/// entry if one is missing or inconsistent (`batch` is then unchanged).
void load_batch(const nn::StateDict& in, const std::string& prefix, MultiAgentBatch& batch);

/// Writes the steps, episodes, accumulators and finished returns of `stats` under `prefix`
/// (not its trainer statistics, which the driver sets itself).
void save_stats(const IterationStats& stats, nn::StateDict& out, const std::string& prefix);
/// Reads what save_stats wrote into `stats`, which must already be sized (reset) as the saved
/// one was: FormatError naming the entry otherwise.
void load_stats(const nn::StateDict& in, const std::string& prefix, IterationStats& stats);

/// The single double saved under `name` (as a one-element list); FormatError naming the entry
/// if it holds another number of values.
double load_one_double(const nn::StateDict& in, const std::string& name);

/// An episode's named tallies: reward totals per (agent id, policy id), the callbacks' custom
/// metrics and histogram data. Episode records and a worker checkpoint's open episodes save them
/// in one layout under a prefix p: p.rewards, p.reward<k>.{agent,policy,value}; p.custom_metrics,
/// p.custom_metric<k>.{name,value}; p.hists, p.hist<k>.{name,values}.
struct EpisodeTallies {
  std::map<std::pair<std::string, std::string>, double> agent_rewards;
  std::map<std::string, double> custom_metrics;
  std::map<std::string, std::vector<double>> hist_data;
};
void save_episode_tallies(
    const std::map<std::pair<std::string, std::string>, double>& agent_rewards,
    const std::map<std::string, double>& custom_metrics,
    const std::map<std::string, std::vector<double>>& hist_data, nn::StateDict& out,
    const std::string& prefix);
/// What save_episode_tallies wrote; FormatError naming the entry if one is missing or malformed.
EpisodeTallies load_episode_tallies(const nn::StateDict& in, const std::string& prefix);

/// Writes the episode records under `prefix`.
void save_episode_records(const std::vector<EpisodeRecord>& records, nn::StateDict& out,
                          const std::string& prefix);
/// Reads what save_episode_records wrote; FormatError naming the entry if one is missing.
std::vector<EpisodeRecord> load_episode_records(const nn::StateDict& in, const std::string& prefix);

/// `batch` as bytes (the state dict file format).
std::vector<uint8_t> encode_batch(const MultiAgentBatch& batch);
/// The batch encode_batch wrote; `source` names the bytes in a FormatError (e.g. "worker 2").
MultiAgentBatch decode_batch(const void* data, std::size_t size, const std::string& source);

/// `metrics` as bytes, with the sizes of its statistics (agents, metrics, custom metrics).
std::vector<uint8_t> encode_metrics(const WorkerMetrics& metrics);
/// The metrics encode_metrics wrote, statistics sized as they were; FormatError naming
/// `source` and the entry for damaged bytes.
WorkerMetrics decode_metrics(const void* data, std::size_t size, const std::string& source);

/// The learner's weights (RolloutWorker::get_weights) and, if given, the global vars.
struct WeightsMessage {
  nn::StateDict weights;
  std::optional<GlobalVars> vars;
};

/// `message` as bytes.
std::vector<uint8_t> encode_weights(const WeightsMessage& message);
/// The weights and global vars encode_weights wrote; FormatError naming `source` for damaged
/// bytes.
WeightsMessage decode_weights(const void* data, std::size_t size, const std::string& source);

/// Filter snapshots (FilterSet::snapshot: a worker's deltas, or the learner's merged filters)
/// as bytes, every filter whole (kind, settings, statistics, buffer).
std::vector<uint8_t> encode_filters(const FilterSnapshot& filters);
/// The snapshot encode_filters wrote, as filters of the kinds and sizes of `like`'s (the
/// receiver's own set, whose filters are copied and then overwritten by the saved ones).
/// Throws FormatError naming `source` for damaged bytes, a policy id `like` lacks, or a filter
/// of another kind or size.
FilterSnapshot decode_filters(const void* data, std::size_t size, const std::string& source,
                              const FilterSet& like);

}  // namespace phantom
