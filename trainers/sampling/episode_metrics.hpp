// Episode metrics: what a finished episode reports, and how an iteration summarises them.
//
// When an episode ends, the rollout worker copies what is worth reporting into an EpisodeRecord
// (length, raw reward totals, the callbacks' custom_metrics and hist_data). The trainer gathers
// the records of an iteration and summarises them into an EpisodeSummary: min/mean/max episode
// reward, mean length, reward statistics per policy and per agent, and custom metric
// aggregates.
//
// Few episodes may end in one iteration (long episodes, short iterations), which makes a mean
// over them alone jumpy. So the summary covers a smoothing window: EpisodeMetricsWindow keeps
// the most recent episodes and, when fewer than `window` (default 100) ended this iteration,
// fills the summary up with the most recent earlier ones; when more ended, it uses all of the
// new ones. episodes_this_iter still counts only the new ones. Evaluation results are not
// smoothed: they call summarize_episodes on their own episodes directly.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nn/serialize.hpp"
#include "trainers/sampling/episode.hpp"

namespace phantom {

/// What one finished episode reports (RLlib's RolloutMetrics).
struct EpisodeRecord {
  /// Env steps of the episode.
  int64_t length = 0;
  /// Sum of the raw env rewards of all agents.
  double total_reward = 0.0;
  /// Raw reward totals per (agent id, policy id).
  std::map<std::pair<std::string, std::string>, double> agent_rewards;
  /// The episode's custom_metrics as the callbacks left them (NaN allowed: it is dropped).
  std::map<std::string, double> custom_metrics;
  /// The episode's hist_data as the callbacks left them.
  std::map<std::string, std::vector<double>> hist_data;
  /// The sub-env that ran the episode.
  int env_index = 0;

  /// The record of `episode` as it stands (call it after on_episode_end, before the reset).
  static EpisodeRecord from_episode(const Episode& episode);
};

/// Statistics over the episodes of a smoothing window. Statistics of nothing are NaN.
struct EpisodeSummary {
  double episode_reward_min = std::numeric_limits<double>::quiet_NaN();
  double episode_reward_max = std::numeric_limits<double>::quiet_NaN();
  double episode_reward_mean = std::numeric_limits<double>::quiet_NaN();
  double episode_len_mean = std::numeric_limits<double>::quiet_NaN();
  /// Episodes that ended this iteration (the window may hold older ones too).
  int64_t episodes_this_iter = 0;

  /// Per policy id, over the reward totals of every (agent, policy) pair of every episode (an
  /// episode where two agents used the policy contributes two values).
  std::map<std::string, double> policy_reward_min;
  std::map<std::string, double> policy_reward_mean;
  std::map<std::string, double> policy_reward_max;
  /// Per agent id, the mean of the agent's episode reward over the episodes it appeared in.
  std::map<std::string, double> agent_reward_mean;

  /// For each custom metric k: "k_mean", "k_min" and "k_max" over the episodes that set it,
  /// NaN values left out (NaN if all were NaN). Empty when per-episode values were kept.
  std::map<std::string, double> custom_metrics;
  /// With keep_per_episode_custom_metrics: each custom metric's values, episode by episode,
  /// NaN values left out. Empty otherwise.
  std::map<std::string, std::vector<double>> per_episode_custom_metrics;

  /// Concatenated lists: "episode_reward" and "episode_lengths" (one value per episode, in
  /// window order), "policy_<id>_reward" (the values behind policy_reward_*), and each
  /// hist_data name of the episodes.
  std::map<std::string, std::vector<double>> hist_stats;
};

/// Summarises `episodes`, of which the last `new_episodes` ended this iteration. Throws
/// ValueError if new_episodes is not in [0, episodes.size()], or if an episode's hist_data uses
/// a name the summary reserves ("episode_reward", "episode_lengths", "policy_<id>_reward").
EpisodeSummary summarize_episodes(const std::vector<EpisodeRecord>& episodes, int64_t new_episodes,
                                  bool keep_per_episode_custom_metrics = false);

/// The summary's numbers as (column name, value) pairs for a CSV row, each name preceded by
/// `prefix`: episode_reward_max, episode_reward_min, episode_reward_mean, episode_len_mean,
/// episodes_this_iter, then "policy_reward_min/<id>" for every policy, likewise _max and _mean,
/// "agent_reward_mean/<id>" for every agent and "custom_metrics/<k>_mean" (_min, _max) in name
/// order. Lists (hist_stats, per-episode custom metrics) are not columns. Columns appear as
/// policies, agents and metrics appear, so a CSV writer should fix its header from the first
/// row or the set of ids it knows.
std::vector<std::pair<std::string, double>> to_columns(const EpisodeSummary& summary,
                                                       const std::string& prefix = "");

/// The smoothing window over a run's iterations.
class EpisodeMetricsWindow {
 public:
  /// `window` is the smoothing size (RLlib's metrics_num_episodes_for_smoothing). Throws
  /// ConfigError if it is below 1.
  explicit EpisodeMetricsWindow(int64_t window = 100);

  int64_t window() const { return window_; }

  /// Ends an iteration in which `new_episodes` ended (in the order they ended). The window's
  /// episodes become: all of the new ones if there are at least window() of them, else the
  /// most recent earlier episodes (as many as there are, up to window() in all) followed by
  /// the new ones.
  void add_iteration(const std::vector<EpisodeRecord>& new_episodes);
  /// The summary of the window's episodes (summarize_episodes of episodes() and
  /// new_episodes()).
  EpisodeSummary summarize(bool keep_per_episode_custom_metrics = false) const;

  /// The episodes the next summarize() covers, oldest first.
  const std::vector<EpisodeRecord>& episodes() const { return episodes_; }
  /// How many of episodes() ended in the last add_iteration.
  int64_t new_episodes() const { return new_episodes_; }

  /// Saves episodes() and new_episodes() under `prefix`, so a run resumed from the checkpoint
  /// smooths (and summarises) exactly as the uninterrupted run.
  void save(nn::StateDict& out, const std::string& prefix) const;
  /// Restores what save wrote. The window size stays this object's own. Throws FormatError
  /// naming the entry if the saved state is missing or inconsistent.
  void load(const nn::StateDict& in, const std::string& prefix);

 private:
  int64_t window_;
  std::vector<EpisodeRecord> episodes_;
  int64_t new_episodes_ = 0;
};

}  // namespace phantom
