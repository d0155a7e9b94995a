// Episode metrics: the summary statistics, the smoothing window and its checkpoint entries.
//
// Checkpoint layout under a prefix P (all names end in the record's number i or the entry's
// number j, counting from 0):
//   P.count, P.new_episodes                                  ints
//   P.<i>.length, P.<i>.env_index                            ints
//   P.<i>.total_reward                                       float
//   P.<i>.agent_rewards.count                                int
//   P.<i>.agent_rewards.<j>.agent / .policy / .reward        string, string, float
//   P.<i>.custom_metrics.count                               int
//   P.<i>.custom_metrics.<j>.name / .value                   string, float
//   P.<i>.hist_data.count                                    int
//   P.<i>.hist_data.<j>.name / .values                       string, doubles (set_doubles:
//                                                            8 little-endian bytes each)
#include "trainers/sampling/episode_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nn/error.hpp"

namespace phantom {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct MinMeanMax {
  double min = kNaN, mean = kNaN, max = kNaN;
};

// Min, mean and max of `values`; all NaN if it is empty, and min/max NaN if a value is (like the
// mean, so a NaN reward is not hidden by the comparisons skipping it).
MinMeanMax min_mean_max(const std::vector<double>& values) {
  MinMeanMax out;
  if (values.empty()) return out;
  double lo = values[0], hi = values[0], sum = 0.0;
  bool has_nan = false;
  for (double x : values) {
    sum += x;
    if (std::isnan(x)) has_nan = true;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  out.mean = sum / static_cast<double>(values.size());
  out.min = has_nan ? kNaN : lo;
  out.max = has_nan ? kNaN : hi;
  return out;
}

std::string policy_hist_name(const std::string& policy_id) {
  return "policy_" + policy_id + "_reward";
}

// Whether a hist_data name would clash with a list the summary fills itself. Every
// "policy_<id>_reward" is reserved, not only those of the policies seen so far, so a clash shows
// at once rather than when the policy first appears.
bool is_reserved_hist_name(const std::string& name) {
  const std::string head = "policy_", tail = "_reward";
  return name == "episode_reward" || name == "episode_lengths" ||
         (name.size() > head.size() + tail.size() && name.compare(0, head.size(), head) == 0 &&
          name.compare(name.size() - tail.size(), tail.size(), tail) == 0);
}

// A saved count: an int in [0, limit].
std::size_t get_count(const nn::StateDict& in, const std::string& name, int64_t limit) {
  int64_t n = in.get_int(name);
  if (n < 0 || n > limit) {
    throw FormatError(in.source() + ": entry '" + name + "' is " + std::to_string(n) +
                      "; expected a count from 0 to " + std::to_string(limit));
  }
  return static_cast<std::size_t>(n);
}

void save_record(const EpisodeRecord& r, nn::StateDict& out, const std::string& p) {
  out.set_int(p + ".length", r.length);
  out.set_int(p + ".env_index", r.env_index);
  out.set_float(p + ".total_reward", r.total_reward);
  out.set_int(p + ".agent_rewards.count", static_cast<int64_t>(r.agent_rewards.size()));
  std::size_t j = 0;
  for (const auto& [key, reward] : r.agent_rewards) {
    const std::string e = p + ".agent_rewards." + std::to_string(j++);
    out.set_string(e + ".agent", key.first);
    out.set_string(e + ".policy", key.second);
    out.set_float(e + ".reward", reward);
  }
  out.set_int(p + ".custom_metrics.count", static_cast<int64_t>(r.custom_metrics.size()));
  j = 0;
  for (const auto& [name, value] : r.custom_metrics) {
    const std::string e = p + ".custom_metrics." + std::to_string(j++);
    out.set_string(e + ".name", name);
    out.set_float(e + ".value", value);
  }
  out.set_int(p + ".hist_data.count", static_cast<int64_t>(r.hist_data.size()));
  j = 0;
  for (const auto& [name, values] : r.hist_data) {
    const std::string e = p + ".hist_data." + std::to_string(j++);
    out.set_string(e + ".name", name);
    out.set_doubles(e + ".values", values);
  }
}

// Entries per map are bounded by the dict's size (each takes at least one entry).
EpisodeRecord load_record(const nn::StateDict& in, const std::string& p) {
  const auto limit = static_cast<int64_t>(in.size());
  EpisodeRecord r;
  r.length = in.get_int(p + ".length");
  r.env_index = static_cast<int>(in.get_int(p + ".env_index"));
  r.total_reward = in.get_float(p + ".total_reward");
  std::size_t n = get_count(in, p + ".agent_rewards.count", limit);
  for (std::size_t j = 0; j < n; ++j) {
    const std::string e = p + ".agent_rewards." + std::to_string(j);
    r.agent_rewards[{in.get_string(e + ".agent"), in.get_string(e + ".policy")}] =
        in.get_float(e + ".reward");
  }
  n = get_count(in, p + ".custom_metrics.count", limit);
  for (std::size_t j = 0; j < n; ++j) {
    const std::string e = p + ".custom_metrics." + std::to_string(j);
    r.custom_metrics[in.get_string(e + ".name")] = in.get_float(e + ".value");
  }
  n = get_count(in, p + ".hist_data.count", limit);
  for (std::size_t j = 0; j < n; ++j) {
    const std::string e = p + ".hist_data." + std::to_string(j);
    r.hist_data[in.get_string(e + ".name")] = in.get_doubles(e + ".values");
  }
  return r;
}

}  // namespace

EpisodeRecord EpisodeRecord::from_episode(const Episode& episode) {
  EpisodeRecord r;
  r.length = episode.length;
  r.total_reward = episode.total_reward;
  r.agent_rewards = episode.agent_rewards();
  r.custom_metrics = episode.custom_metrics;
  r.hist_data = episode.hist_data;
  r.env_index = episode.env_index;
  return r;
}

EpisodeSummary summarize_episodes(const std::vector<EpisodeRecord>& episodes, int64_t new_episodes,
                                  bool keep_per_episode_custom_metrics) {
  if (new_episodes < 0 || new_episodes > static_cast<int64_t>(episodes.size())) {
    throw ValueError("summarize_episodes: new_episodes is " + std::to_string(new_episodes) +
                     "; expected 0 to the number of episodes (" + std::to_string(episodes.size()) +
                     ")");
  }
  EpisodeSummary s;
  s.episodes_this_iter = new_episodes;

  std::vector<double>& rewards = s.hist_stats["episode_reward"];
  std::vector<double>& lengths = s.hist_stats["episode_lengths"];
  std::map<std::string, std::vector<double>> policy_rewards, agent_rewards, metrics;
  for (const EpisodeRecord& e : episodes) {
    rewards.push_back(e.total_reward);
    lengths.push_back(static_cast<double>(e.length));
    // An agent's episode reward: its totals over the policies it used (one per episode, unless
    // the worker reported it under several).
    std::map<std::string, double> per_agent;
    for (const auto& [key, reward] : e.agent_rewards) {
      policy_rewards[key.second].push_back(reward);
      per_agent[key.first] += reward;
    }
    for (const auto& [agent, reward] : per_agent) agent_rewards[agent].push_back(reward);
    for (const auto& [name, value] : e.custom_metrics) {
      std::vector<double>& values = metrics[name];  // a metric that is all NaN still appears
      if (!std::isnan(value)) values.push_back(value);
    }
  }

  const MinMeanMax r = min_mean_max(rewards);
  s.episode_reward_min = r.min;
  s.episode_reward_mean = r.mean;
  s.episode_reward_max = r.max;
  s.episode_len_mean = min_mean_max(lengths).mean;

  for (auto& [policy, values] : policy_rewards) {
    const MinMeanMax p = min_mean_max(values);
    s.policy_reward_min[policy] = p.min;
    s.policy_reward_mean[policy] = p.mean;
    s.policy_reward_max[policy] = p.max;
    s.hist_stats[policy_hist_name(policy)] = std::move(values);
  }
  for (const auto& [agent, values] : agent_rewards) {
    s.agent_reward_mean[agent] = min_mean_max(values).mean;
  }

  for (auto& [name, values] : metrics) {
    if (keep_per_episode_custom_metrics) {
      s.per_episode_custom_metrics[name] = std::move(values);
    } else {
      const MinMeanMax m = min_mean_max(values);
      s.custom_metrics[name + "_mean"] = m.mean;
      s.custom_metrics[name + "_min"] = m.min;
      s.custom_metrics[name + "_max"] = m.max;
    }
  }

  // Each hist_data name's lists, concatenated in episode order.
  std::map<std::string, std::vector<double>> user_lists;
  for (std::size_t i = 0; i < episodes.size(); ++i) {
    for (const auto& [name, values] : episodes[i].hist_data) {
      if (is_reserved_hist_name(name)) {
        throw ValueError("summarize_episodes: episode " + std::to_string(i) + " (env " +
                         std::to_string(episodes[i].env_index) + ") has hist_data '" + name +
                         "', a name the summary reserves for its own lists; rename it");
      }
      std::vector<double>& list = user_lists[name];
      list.insert(list.end(), values.begin(), values.end());
    }
  }
  for (auto& [name, values] : user_lists) s.hist_stats[name] = std::move(values);
  return s;
}

std::vector<std::pair<std::string, double>> to_columns(const EpisodeSummary& summary,
                                                       const std::string& prefix) {
  std::vector<std::pair<std::string, double>> columns;
  columns.emplace_back(prefix + "episode_reward_max", summary.episode_reward_max);
  columns.emplace_back(prefix + "episode_reward_min", summary.episode_reward_min);
  columns.emplace_back(prefix + "episode_reward_mean", summary.episode_reward_mean);
  columns.emplace_back(prefix + "episode_len_mean", summary.episode_len_mean);
  columns.emplace_back(prefix + "episodes_this_iter",
                       static_cast<double>(summary.episodes_this_iter));
  for (const auto& [id, v] : summary.policy_reward_min) {
    columns.emplace_back(prefix + "policy_reward_min/" + id, v);
  }
  for (const auto& [id, v] : summary.policy_reward_max) {
    columns.emplace_back(prefix + "policy_reward_max/" + id, v);
  }
  for (const auto& [id, v] : summary.policy_reward_mean) {
    columns.emplace_back(prefix + "policy_reward_mean/" + id, v);
  }
  for (const auto& [id, v] : summary.agent_reward_mean) {
    columns.emplace_back(prefix + "agent_reward_mean/" + id, v);
  }
  for (const auto& [name, v] : summary.custom_metrics) {
    columns.emplace_back(prefix + "custom_metrics/" + name, v);
  }
  return columns;
}

EpisodeMetricsWindow::EpisodeMetricsWindow(int64_t window) : window_(window) {
  if (window < 1) {
    throw ConfigError("metrics_num_episodes_for_smoothing is " + std::to_string(window) +
                      "; expected at least 1 episode");
  }
}

void EpisodeMetricsWindow::add_iteration(const std::vector<EpisodeRecord>& new_episodes) {
  const auto fresh = static_cast<int64_t>(new_episodes.size());
  const int64_t older = std::min<int64_t>(std::max<int64_t>(window_ - fresh, 0),
                                          static_cast<int64_t>(episodes_.size()));
  // Keep the `older` most recent episodes: the current ones are the last window() (or more,
  // after a large iteration) of the run, so their tail is the run's most recent.
  episodes_.erase(episodes_.begin(), episodes_.end() - older);
  episodes_.insert(episodes_.end(), new_episodes.begin(), new_episodes.end());
  new_episodes_ = fresh;
}

EpisodeSummary EpisodeMetricsWindow::summarize(bool keep_per_episode_custom_metrics) const {
  return summarize_episodes(episodes_, new_episodes_, keep_per_episode_custom_metrics);
}

void EpisodeMetricsWindow::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_int(prefix + ".count", static_cast<int64_t>(episodes_.size()));
  out.set_int(prefix + ".new_episodes", new_episodes_);
  for (std::size_t i = 0; i < episodes_.size(); ++i) {
    save_record(episodes_[i], out, prefix + "." + std::to_string(i));
  }
}

void EpisodeMetricsWindow::load(const nn::StateDict& in, const std::string& prefix) {
  const std::size_t count = get_count(in, prefix + ".count", static_cast<int64_t>(in.size()));
  const int64_t fresh =
      static_cast<int64_t>(get_count(in, prefix + ".new_episodes", static_cast<int64_t>(count)));
  std::vector<EpisodeRecord> loaded;
  loaded.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    loaded.push_back(load_record(in, prefix + "." + std::to_string(i)));
  }
  episodes_ = std::move(loaded);  // only once everything was read: a failed load changes nothing
  new_episodes_ = fresh;
}

}  // namespace phantom
