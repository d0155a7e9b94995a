// RolloutWorker's checkpoints: filters, policies, the generator, and every sub-env mid-episode.
#include <algorithm>
#include <utility>

#include "nn/error.hpp"
#include "trainers/sampling/worker_messages.hpp"
#include "trainers/sampling/worker_state.hpp"

namespace phantom {

using worker_internal::AgentState;
using worker_internal::PolicySlot;

namespace {

void restore_floats(const nn::StateDict& in, const std::string& name, std::vector<float>& dst) {
  std::vector<double> v = in.get_doubles(name);
  if (v.size() != dst.size()) {
    throw FormatError(in.source() + ": " + name + " holds " + std::to_string(v.size()) +
                      " values, expected " + std::to_string(dst.size()));
  }
  std::copy(v.begin(), v.end(), dst.begin());
}

}  // namespace

void RolloutWorker::save(nn::StateDict& out, const std::string& prefix) const {
  filters_.save(out, prefix + ".filters");
  for (const PolicySlot& slot : impl_->slots) {
    if (slot.trainable) slot.trainable->get_state(out, prefix + ".policy." + slot.id);
  }
  out.set_rng(prefix + ".rng", impl_->rng);
  out.set_int(prefix + ".global_timestep", global_vars_.timestep);
  for (int e = 0; e < num_envs(); ++e) {
    save_sub_env(*impl_->envs[static_cast<std::size_t>(e)], out,
                 prefix + ".env" + std::to_string(e));
  }
  out.set_int(prefix + ".in_flight", impl_->has_in_flight ? 1 : 0);
  if (impl_->has_in_flight) save_fragment(impl_->in_flight, out, prefix + ".in_flight");
}

void RolloutWorker::restore(const nn::StateDict& in, const std::string& prefix) {
  filters_.load(in, prefix + ".filters");
  for (const PolicySlot& slot : impl_->slots) {
    if (slot.trainable) slot.trainable->set_state(in, prefix + ".policy." + slot.id);
  }
  impl_->rng = in.get_rng(prefix + ".rng");
  global_vars_.timestep = in.get_count(prefix + ".global_timestep");
  for (int e = 0; e < num_envs(); ++e) {
    restore_sub_env(*impl_->envs[static_cast<std::size_t>(e)], in,
                    prefix + ".env" + std::to_string(e));
  }
  impl_->has_in_flight = in.get_int(prefix + ".in_flight") != 0;
  if (impl_->has_in_flight) restore_fragment(impl_->in_flight, in, prefix + ".in_flight");
}

// ---- The fragment in flight (sample_async) ----
// Its batch, statistics and records are written as a worker sends them (worker_messages.hpp).

void RolloutWorker::save_fragment(const Fragment& f, nn::StateDict& out,
                                  const std::string& prefix) const {
  save_batch(f.batch, out, prefix);
  save_stats(f.stats, out, prefix);
  save_episode_records(f.finished, out, prefix);
}

void RolloutWorker::restore_fragment(Fragment& f, const nn::StateDict& in,
                                     const std::string& prefix) {
  load_batch(in, prefix, f.batch);
  IterationStats& st = f.stats;
  const IterationStats& shape = impl_->envs[0]->stats;
  st.reset(shape.returns.size(), shape.metrics.size(), shape.custom_metrics.size());
  load_stats(in, prefix, st);
  f.finished = load_episode_records(in, prefix);
}

// A sub-env mid-episode: the env itself is restored by replaying the actions since its reset
// (EnvRunner), everything the worker knows about the episode is saved as data. Episode
// user_data holds arbitrary C++ values and is not saved.
void RolloutWorker::save_sub_env(const SubEnv& s, nn::StateDict& out,
                                 const std::string& prefix) const {
  s.runner->save(out, prefix + ".runner");
  out.set_int(prefix + ".started", s.started ? 1 : 0);
  out.set_int(prefix + ".episodes_started", s.episodes_started);
  out.set_int(prefix + ".fragment_agent_steps", s.fragment_agent_steps);
  const Episode& ep = s.episode;
  out.set_int(prefix + ".episode.id", ep.id);
  out.set_int(prefix + ".episode.length", ep.length);
  out.set_doubles(prefix + ".episode.total_reward", {ep.total_reward});
  save_episode_tallies(ep.agent_rewards(), ep.custom_metrics, ep.hist_data, out,
                       prefix + ".episode");
  for (std::size_t i = 0; i < s.agents.size(); ++i) {
    const AgentState& a = s.agents[i];
    const std::string p = prefix + ".agent" + std::to_string(i);
    a.trajectory.to_batch().save(out, p + ".rows");
    out.set_int(p + ".open", a.trajectory.open() ? 1 : 0);
    out.set_string(p + ".policy",
                   a.policy >= 0 ? impl_->slots[static_cast<std::size_t>(a.policy)].id : "");
    out.set_int(p + ".agent_index", a.agent_index);
    out.set_doubles(p + ".obs", std::vector<double>(a.obs.begin(), a.obs.end()));
    const std::vector<float> prev_action = a.trajectory.prev_action();
    out.set_doubles(p + ".prev_action",
                    std::vector<double>(prev_action.begin(), prev_action.end()));
    out.set_doubles(p + ".prev_reward", {a.trajectory.prev_reward()});
  }
}

void RolloutWorker::restore_sub_env(SubEnv& s, const nn::StateDict& in, const std::string& prefix) {
  Impl& m = *impl_;
  s.runner->load(in, prefix + ".runner");
  s.started = in.get_int(prefix + ".started") != 0;
  s.episodes_started = in.get_count(prefix + ".episodes_started");
  s.fragment_agent_steps = in.get_count(prefix + ".fragment_agent_steps");
  Episode& ep = s.episode;
  ep.reset(in.get_int(prefix + ".episode.id"));
  ep.length = in.get_count(prefix + ".episode.length");
  // Agents in their saved order, so their agent indices come back the same.
  std::vector<std::pair<int, int>> by_index;  // (agent index, position)
  for (std::size_t i = 0; i < s.agents.size(); ++i) {
    AgentState& a = s.agents[i];
    const std::string p = prefix + ".agent" + std::to_string(i);
    SampleBatch rows;
    rows.load(in, p + ".rows");
    const bool open = in.get_int(p + ".open") != 0;
    const std::string& policy = in.get_string(p + ".policy");
    a.policy = -1;
    if (!policy.empty()) {
      auto it = m.slot_of.find(policy);
      if (it == m.slot_of.end()) {
        throw FormatError(in.source() + ": " + p + ": policy '" + policy +
                          "' is not a policy of this worker");
      }
      a.policy = it->second;
    }
    a.agent_index = static_cast<int>(in.get_int(p + ".agent_index"));
    if (a.agent_index >= 0) by_index.emplace_back(a.agent_index, static_cast<int>(i));
    restore_floats(in, p + ".obs", a.obs);
    std::vector<float> prev_action(a.trajectory.prev_action().size());
    restore_floats(in, p + ".prev_action", prev_action);
    a.trajectory.restore(rows, open, prev_action,
                         static_cast<float>(load_one_double(in, p + ".prev_reward")),
                         in.source() + ": " + p + ".rows");
  }
  std::sort(by_index.begin(), by_index.end());
  const std::vector<std::string>& ids = s.runner->env().strategic_agent_ids();
  for (auto [index, i] : by_index) {
    const AgentState& a = s.agents[static_cast<std::size_t>(i)];
    const std::string saved = a.policy >= 0 ? m.slots[static_cast<std::size_t>(a.policy)].id : "";
    if (saved.empty()) {
      ep.ensure_agent(ids[static_cast<std::size_t>(i)]);
    } else {
      ep.policy_for(ids[static_cast<std::size_t>(i)],
                    [&saved](const std::string&, const Episode&) { return saved; });
    }
  }
  EpisodeTallies tallies = load_episode_tallies(in, prefix + ".episode");
  for (const auto& [key, value] : tallies.agent_rewards)
    ep.add_reward(key.first, key.second, value);
  // Summed step by step in the original run: restored as saved, not re-added from the parts.
  ep.total_reward = load_one_double(in, prefix + ".episode.total_reward");
  ep.custom_metrics = std::move(tallies.custom_metrics);
  ep.hist_data = std::move(tallies.hist_data);
}

}  // namespace phantom
