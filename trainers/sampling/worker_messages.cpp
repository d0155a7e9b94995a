// Worker messages: batches, statistics and episode records as state dict entries and bytes.
#include "trainers/sampling/worker_messages.hpp"

#include <utility>

#include "nn/error.hpp"

namespace phantom {

namespace {

void save_accumulators(const std::vector<Accumulator>& acc, nn::StateDict& out,
                       const std::string& prefix) {
  std::vector<int64_t> counts;
  std::vector<double> values;  // sum, min, max of each
  for (const Accumulator& a : acc) {
    counts.push_back(a.count);
    values.insert(values.end(), {a.sum, a.min, a.max});
  }
  out.set_int64s(prefix + ".counts", counts);
  out.set_doubles(prefix + ".values", values);
}

void load_accumulators(std::vector<Accumulator>& acc, const nn::StateDict& in,
                       const std::string& prefix) {
  std::vector<int64_t> counts = in.get_int64s(prefix + ".counts");
  std::vector<double> values = in.get_doubles(prefix + ".values");
  if (counts.size() != acc.size() || values.size() != 3 * acc.size()) {
    throw FormatError(in.source() + ": " + prefix + ": " + std::to_string(counts.size()) +
                      " saved accumulators, expected " + std::to_string(acc.size()));
  }
  for (std::size_t k = 0; k < acc.size(); ++k) {
    acc[k].count = counts[k];
    acc[k].sum = values[3 * k];
    acc[k].min = values[3 * k + 1];
    acc[k].max = values[3 * k + 2];
  }
}

// The prefix of every entry of a message (it holds one thing).
constexpr const char* kMessage = "message";

nn::StateDict decode(const void* data, std::size_t size, const std::string& source) {
  return nn::decode_state_dict(data, size, source);
}

}  // namespace

void save_batch(const MultiAgentBatch& batch, nn::StateDict& out, const std::string& prefix) {
  out.set_int(prefix + ".env_steps", batch.env_steps);
  const std::vector<std::string> ids = batch.policy_ids();
  out.set_int(prefix + ".policies", static_cast<int64_t>(ids.size()));
  for (std::size_t k = 0; k < ids.size(); ++k) {
    out.set_string(prefix + ".policy" + std::to_string(k), ids[k]);
    batch.batch(ids[k]).save(out, prefix + ".batch" + std::to_string(k));
  }
  out.set_int(prefix + ".non_finite", static_cast<int64_t>(batch.non_finite.size()));
  for (std::size_t k = 0; k < batch.non_finite.size(); ++k) {
    const NonFiniteValue& v = batch.non_finite[k];
    const std::string p = prefix + ".non_finite" + std::to_string(k);
    out.set_string(p + ".what", v.what);
    out.set_string(p + ".policy", v.policy_id);
    out.set_string(p + ".agent", v.agent_id);
    out.set_int64s(p + ".where", {v.env_index, v.episode_id, v.step});
    out.set_doubles(p + ".value", {v.value});
  }
}

void load_batch(const nn::StateDict& in, const std::string& prefix, MultiAgentBatch& batch) {
  MultiAgentBatch loaded;
  loaded.env_steps = in.get_count(prefix + ".env_steps");
  const auto limit = static_cast<int64_t>(in.size());  // each takes at least one entry
  const int64_t policies = in.get_count(prefix + ".policies", limit);
  for (int64_t k = 0; k < policies; ++k) {
    const std::string& id = in.get_string(prefix + ".policy" + std::to_string(k));
    loaded.policy_batches[id].load(in, prefix + ".batch" + std::to_string(k));
  }
  const int64_t non_finite = in.get_count(prefix + ".non_finite", limit);
  for (int64_t k = 0; k < non_finite; ++k) {
    const std::string p = prefix + ".non_finite" + std::to_string(k);
    NonFiniteValue v;
    v.what = in.get_string(p + ".what");
    v.policy_id = in.get_string(p + ".policy");
    v.agent_id = in.get_string(p + ".agent");
    const std::vector<int64_t> where = in.get_int64s(p + ".where");
    if (where.size() != 3) throw FormatError(in.source() + ": " + p + ".where: expected 3");
    v.env_index = static_cast<int>(where[0]);
    v.episode_id = where[1];
    v.step = where[2];
    v.value = load_one_double(in, p + ".value");
    loaded.non_finite.push_back(std::move(v));
  }
  batch = std::move(loaded);
}

void save_stats(const IterationStats& stats, nn::StateDict& out, const std::string& prefix) {
  out.set_int64s(prefix + ".steps", {stats.env_steps, stats.agent_steps, stats.episodes});
  save_accumulators(stats.returns, out, prefix + ".returns");
  save_accumulators(stats.metrics, out, prefix + ".metrics");
  save_accumulators(stats.custom_metrics, out, prefix + ".custom_metrics");
  for (std::size_t i = 0; i < stats.finished_returns.size(); ++i) {
    out.set_doubles(prefix + ".finished_returns" + std::to_string(i), stats.finished_returns[i]);
  }
}

void load_stats(const nn::StateDict& in, const std::string& prefix, IterationStats& stats) {
  std::vector<int64_t> steps = in.get_int64s(prefix + ".steps");
  if (steps.size() != 3) throw FormatError(in.source() + ": " + prefix + ".steps: expected 3");
  stats.env_steps = steps[0];
  stats.agent_steps = steps[1];
  stats.episodes = steps[2];
  load_accumulators(stats.returns, in, prefix + ".returns");
  load_accumulators(stats.metrics, in, prefix + ".metrics");
  load_accumulators(stats.custom_metrics, in, prefix + ".custom_metrics");
  for (std::size_t i = 0; i < stats.finished_returns.size(); ++i) {
    stats.finished_returns[i] = in.get_doubles(prefix + ".finished_returns" + std::to_string(i));
  }
}

double load_one_double(const nn::StateDict& in, const std::string& name) {
  std::vector<double> v = in.get_doubles(name);
  if (v.size() != 1) {
    throw FormatError(in.source() + ": " + name + " holds " + std::to_string(v.size()) +
                      " values, expected 1");
  }
  return v[0];
}

void save_episode_tallies(
    const std::map<std::pair<std::string, std::string>, double>& agent_rewards,
    const std::map<std::string, double>& custom_metrics,
    const std::map<std::string, std::vector<double>>& hist_data, nn::StateDict& out,
    const std::string& prefix) {
  // Names are saved one entry each (any bytes), values beside them.
  int k = 0;
  for (const auto& [key, value] : agent_rewards) {
    const std::string q = prefix + ".reward" + std::to_string(k++);
    out.set_string(q + ".agent", key.first);
    out.set_string(q + ".policy", key.second);
    out.set_doubles(q + ".value", {value});
  }
  out.set_int(prefix + ".rewards", k);
  k = 0;
  for (const auto& [name, value] : custom_metrics) {
    const std::string q = prefix + ".custom_metric" + std::to_string(k++);
    out.set_string(q + ".name", name);
    out.set_doubles(q + ".value", {value});
  }
  out.set_int(prefix + ".custom_metrics", k);
  k = 0;
  for (const auto& [name, list] : hist_data) {
    const std::string q = prefix + ".hist" + std::to_string(k++);
    out.set_string(q + ".name", name);
    out.set_doubles(q + ".values", list);
  }
  out.set_int(prefix + ".hists", k);
}

EpisodeTallies load_episode_tallies(const nn::StateDict& in, const std::string& prefix) {
  const auto limit = static_cast<int64_t>(in.size());  // each takes at least one entry
  EpisodeTallies t;
  for (int64_t k = 0, n = in.get_count(prefix + ".rewards", limit); k < n; ++k) {
    const std::string q = prefix + ".reward" + std::to_string(k);
    t.agent_rewards[{in.get_string(q + ".agent"), in.get_string(q + ".policy")}] =
        load_one_double(in, q + ".value");
  }
  for (int64_t k = 0, n = in.get_count(prefix + ".custom_metrics", limit); k < n; ++k) {
    const std::string q = prefix + ".custom_metric" + std::to_string(k);
    t.custom_metrics[in.get_string(q + ".name")] = load_one_double(in, q + ".value");
  }
  for (int64_t k = 0, n = in.get_count(prefix + ".hists", limit); k < n; ++k) {
    const std::string q = prefix + ".hist" + std::to_string(k);
    t.hist_data[in.get_string(q + ".name")] = in.get_doubles(q + ".values");
  }
  return t;
}

void save_episode_records(const std::vector<EpisodeRecord>& records, nn::StateDict& out,
                          const std::string& prefix) {
  out.set_int(prefix + ".records", static_cast<int64_t>(records.size()));
  for (std::size_t r = 0; r < records.size(); ++r) {
    const EpisodeRecord& rec = records[r];
    const std::string p = prefix + ".record" + std::to_string(r);
    out.set_int64s(p + ".ints", {rec.length, rec.env_index});
    out.set_doubles(p + ".total_reward", {rec.total_reward});
    save_episode_tallies(rec.agent_rewards, rec.custom_metrics, rec.hist_data, out, p);
  }
}

std::vector<EpisodeRecord> load_episode_records(const nn::StateDict& in,
                                                const std::string& prefix) {
  const auto limit = static_cast<int64_t>(in.size());  // each takes at least one entry
  std::vector<EpisodeRecord> records;
  const int64_t count = in.get_count(prefix + ".records", limit);
  for (int64_t r = 0; r < count; ++r) {
    const std::string p = prefix + ".record" + std::to_string(r);
    EpisodeRecord rec;
    std::vector<int64_t> ints = in.get_int64s(p + ".ints");
    if (ints.size() != 2) throw FormatError(in.source() + ": " + p + ".ints: expected 2");
    rec.length = ints[0];
    rec.env_index = static_cast<int>(ints[1]);
    rec.total_reward = load_one_double(in, p + ".total_reward");
    EpisodeTallies tallies = load_episode_tallies(in, p);
    rec.agent_rewards = std::move(tallies.agent_rewards);
    rec.custom_metrics = std::move(tallies.custom_metrics);
    rec.hist_data = std::move(tallies.hist_data);
    records.push_back(std::move(rec));
  }
  return records;
}

std::vector<uint8_t> encode_batch(const MultiAgentBatch& batch) {
  nn::StateDict out;
  save_batch(batch, out, kMessage);
  return nn::encode_state_dict(out);
}

MultiAgentBatch decode_batch(const void* data, std::size_t size, const std::string& source) {
  MultiAgentBatch batch;
  load_batch(decode(data, size, source), kMessage, batch);
  return batch;
}

std::vector<uint8_t> encode_metrics(const WorkerMetrics& metrics) {
  nn::StateDict out;
  const IterationStats& s = metrics.stats;
  out.set_int64s(std::string(kMessage) + ".shape",
                 {static_cast<int64_t>(s.returns.size()), static_cast<int64_t>(s.metrics.size()),
                  static_cast<int64_t>(s.custom_metrics.size())});
  save_stats(s, out, kMessage);
  save_episode_records(metrics.episodes, out, kMessage);
  return nn::encode_state_dict(out);
}

WorkerMetrics decode_metrics(const void* data, std::size_t size, const std::string& source) {
  const nn::StateDict in = decode(data, size, source);
  const std::string shape_entry = std::string(kMessage) + ".shape";
  const std::vector<int64_t> shape = in.get_int64s(shape_entry);
  // Each slot is at least 8 bytes of the message: a damaged size cannot allocate beyond it.
  const auto limit = static_cast<int64_t>(size / 8);
  if (shape.size() != 3 || shape[0] < 0 || shape[1] < 0 || shape[2] < 0 || shape[0] > limit ||
      shape[1] > limit || shape[2] > limit) {
    throw FormatError(source + ": " + shape_entry +
                      ": expected 3 sizes (agents, metrics, custom metrics), each >= 0 and "
                      "within the message");
  }
  WorkerMetrics m;
  m.stats.reset(static_cast<std::size_t>(shape[0]), static_cast<std::size_t>(shape[1]),
                static_cast<std::size_t>(shape[2]));
  load_stats(in, kMessage, m.stats);
  m.episodes = load_episode_records(in, kMessage);
  return m;
}

// The weights' entries travel in the message's own dict under this prefix: encoded once, with
// one checksum, whatever kinds of entries they are.
constexpr const char* kWeightsPrefix = "message.weights/";

std::vector<uint8_t> encode_weights(const WeightsMessage& message) {
  nn::StateDict out;
  out.set_int(std::string(kMessage) + ".has_global_vars", message.vars ? 1 : 0);
  if (message.vars) out.set_int(std::string(kMessage) + ".timestep", message.vars->timestep);
  out.append_prefixed(message.weights, kWeightsPrefix);
  return nn::encode_state_dict(out);
}

WeightsMessage decode_weights(const void* data, std::size_t size, const std::string& source) {
  const nn::StateDict in = decode(data, size, source);
  WeightsMessage m;
  m.weights = in.extract_prefixed(kWeightsPrefix);
  if (in.get_int(std::string(kMessage) + ".has_global_vars") != 0) {
    m.vars = GlobalVars{in.get_count(std::string(kMessage) + ".timestep")};
  }
  return m;
}

std::vector<uint8_t> encode_filters(const FilterSnapshot& filters) {
  nn::StateDict out;
  out.set_int(std::string(kMessage) + ".count", static_cast<int64_t>(filters.size()));
  int64_t k = 0;
  for (const auto& [id, filter] : filters) {
    const std::string p = std::string(kMessage) + "." + std::to_string(k++);
    out.set_string(p + ".policy", id);
    filter->save(out, p + ".filter");
  }
  return nn::encode_state_dict(out);
}

FilterSnapshot decode_filters(const void* data, std::size_t size, const std::string& source,
                              const FilterSet& like) {
  const nn::StateDict in = decode(data, size, source);
  const auto limit = static_cast<int64_t>(in.size());  // each takes at least one entry
  FilterSnapshot out;
  for (int64_t k = 0, n = in.get_count(std::string(kMessage) + ".count", limit); k < n; ++k) {
    const std::string p = std::string(kMessage) + "." + std::to_string(k);
    const std::string& id = in.get_string(p + ".policy");
    auto mine = like.filters().find(id);
    if (mine == like.filters().end()) {
      throw FormatError(source + ": " + p + ": a filter of policy '" + id +
                        "', which the receiving worker does not have");
    }
    std::unique_ptr<ObservationFilter> filter = mine->second->copy();
    filter->load(in, p + ".filter");
    out[id] = std::move(filter);
  }
  return out;
}

}  // namespace phantom
