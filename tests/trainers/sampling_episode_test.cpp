// Episode, Callbacks and episode metrics: policy binding per episode, agent indices, soft and
// hard resets, custom metric aggregation, the smoothing window and its checkpoint, and the
// forwarding of CallbackList.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "nn/error.hpp"
#include "nn/serialize.hpp"
#include "support/error_message.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/sampling/callbacks.hpp"
#include "trainers/sampling/episode.hpp"
#include "trainers/sampling/episode_metrics.hpp"

namespace {

using phantom::Episode;
using phantom::EpisodeMetricsWindow;
using phantom::EpisodeRecord;
using phantom::EpisodeSummary;
using phantom::PolicyMappingFn;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// A mapping function that counts its calls and answers "p<call number>", so a test sees both
// how often it ran and which call an agent's binding came from.
struct CountingMapping {
  int calls = 0;
  PolicyMappingFn fn() {
    return [this](const std::string&, const Episode&) { return "p" + std::to_string(calls++); };
  }
};

// Same value, NaN equal to NaN.
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// --- Episode --------------------------------------------------------------------------------

TEST(Episode, PolicyForCallsTheMappingOncePerAgentPerEpisodeWhateverTheLength) {
  CountingMapping mapping;
  const PolicyMappingFn fn = mapping.fn();
  Episode episode(/*id=*/10, /*env_index=*/0);
  const int lengths[3] = {1, 4, 7};
  for (int e = 0; e < 3; ++e) {
    if (e > 0) episode.reset(10 + e);
    for (int step = 0; step < lengths[e]; ++step) {
      episode.policy_for("a", fn);
      episode.policy_for("b", fn);
    }
  }
  EXPECT_EQ(mapping.calls, 6);  // 2 agents x 3 episodes
  // The last episode bound a to the 5th call and b to the 6th.
  EXPECT_EQ(episode.policy_for("a", fn), "p4");
  EXPECT_EQ(episode.policy_for("b", fn), "p5");
}

TEST(Episode, ChangingTheMappingMidEpisodeHasNoEffectUntilTheNextEpisode) {
  Episode episode(1);
  EXPECT_EQ(episode.policy_for("a", [](const std::string&, const Episode&) { return "old"; }),
            "old");
  const PolicyMappingFn fresh = [](const std::string&, const Episode&) { return "new"; };
  EXPECT_EQ(episode.policy_for("a", fresh), "old");
  episode.reset(2);
  EXPECT_EQ(episode.policy_for("a", fresh), "new");
}

TEST(Episode, TheMappingSeesTheEpisodeAndTheAgentsIndexIsAlreadySet) {
  Episode episode(/*id=*/42, /*env_index=*/3);
  episode.ensure_agent("first");
  std::string seen;
  episode.policy_for("second", [&](const std::string& agent, const Episode& e) {
    seen = agent + " " + std::to_string(e.id) + " " + std::to_string(e.env_index) + " " +
           std::to_string(e.agent_index(agent));
    return std::string("p");
  });
  EXPECT_EQ(seen, "second 42 3 1");
}

TEST(Episode, BindingsSurviveASoftResetButNotAReset) {
  CountingMapping mapping;
  const PolicyMappingFn fn = mapping.fn();
  Episode episode(1);
  EXPECT_EQ(episode.policy_for("a", fn), "p0");
  EXPECT_EQ(episode.policy_for("b", fn), "p1");
  episode.soft_reset(2);
  EXPECT_EQ(episode.id, 2);
  EXPECT_EQ(episode.policy_for("b", fn), "p1");
  EXPECT_EQ(episode.policy_for("a", fn), "p0");
  EXPECT_EQ(episode.agent_index("a"), 0);  // indices carry over too
  EXPECT_EQ(episode.agent_index("b"), 1);
  EXPECT_EQ(mapping.calls, 2);
  episode.reset(3);
  EXPECT_FALSE(episode.has_agent("a"));
  EXPECT_EQ(episode.policy_for("b", fn), "p2");
  EXPECT_EQ(episode.policy_for("a", fn), "p3");
  EXPECT_EQ(mapping.calls, 4);
}

TEST(Episode, AgentIndexIsTheOrderOfFirstAppearance) {
  const PolicyMappingFn fn = [](const std::string&, const Episode&) { return "p"; };
  Episode episode(1);
  episode.policy_for("zed", fn);
  episode.ensure_agent("alpha");        // an explicit ensure counts as appearing
  episode.add_reward("mid", "p", 1.0);  // so does a reward
  episode.policy_for("zed", fn);
  EXPECT_EQ(episode.ensure_agent("alpha"), 1);  // already there: unchanged
  EXPECT_EQ(episode.num_agents(), 3);
  EXPECT_EQ(episode.agent_index("zed"), 0);
  EXPECT_EQ(episode.agent_index("alpha"), 1);
  EXPECT_EQ(episode.agent_index("mid"), 2);
  EXPECT_EQ(episode.agent_id(2), "mid");
  // A new episode orders by its own appearances.
  episode.reset(2);
  EXPECT_EQ(episode.num_agents(), 0);
  episode.policy_for("mid", fn);
  episode.policy_for("zed", fn);
  EXPECT_EQ(episode.agent_index("mid"), 0);
  EXPECT_EQ(episode.agent_index("zed"), 1);
}

TEST(Episode, ErrorsNameTheAgentAndTheEpisode) {
  Episode episode(/*id=*/7, /*env_index=*/2);
  std::string m =
      test_support::message_of<phantom::ValueError>([&] { episode.agent_index("ghost"); });
  EXPECT_HAS(m, "agent 'ghost'");
  EXPECT_HAS(m, "episode 7");
  EXPECT_HAS(m, "env 2");
  m = test_support::message_of<phantom::ValueError>([&] { episode.last_action("ghost"); });
  EXPECT_HAS(m, "agent 'ghost'");
  m = test_support::message_of<phantom::ValueError>([&] { episode.agent_id(0); });
  EXPECT_HAS(m, "agent_index 0");
  m = test_support::message_of<phantom::ValueError>(
      [&] { episode.policy_for("a", PolicyMappingFn()); });
  EXPECT_HAS(m, "agent 'a'");
  EXPECT_HAS(m, "no policy mapping function");
}

TEST(Episode, AMappingThatThrowsLeavesTheAgentUnbound) {
  Episode episode(1);
  EXPECT_THROW(
      episode.policy_for("a", [](const std::string&, const Episode&) -> std::string { throw 5; }),
      int);
  EXPECT_TRUE(episode.has_agent("a"));
  EXPECT_EQ(episode.policy_for("a", [](const std::string&, const Episode&) { return "p"; }), "p");
}

TEST(Episode, PolicyReferencesStayValidWhileAgentsAreAdded) {
  const PolicyMappingFn fn = [](const std::string& agent, const Episode&) {
    return "policy of " + agent + " with a name too long for the small string buffer";
  };
  Episode episode(1);
  const std::string& first = episode.policy_for("a0", fn);
  for (int i = 1; i < 200; ++i) episode.policy_for("a" + std::to_string(i), fn);
  EXPECT_EQ(first, "policy of a0 with a name too long for the small string buffer");
}

TEST(Episode, RewardsSumPerAgentAndPolicyInKeyOrder) {
  Episode episode(1);
  episode.add_reward("b", "p1", 1.5);
  episode.add_reward("a", "p2", -1.0);
  episode.add_reward("b", "p1", 2.0);
  episode.add_reward("a", "p0", 0.0);  // an agent under two policies: two entries
  EXPECT_EQ(episode.total_reward, 2.5);
  const auto rewards = episode.agent_rewards();
  ASSERT_EQ(rewards.size(), 3u);
  auto it = rewards.begin();
  EXPECT_EQ(it->first, std::make_pair(std::string("a"), std::string("p0")));
  EXPECT_EQ(it->second, 0.0);
  ++it;
  EXPECT_EQ(it->first, std::make_pair(std::string("a"), std::string("p2")));
  EXPECT_EQ(it->second, -1.0);
  ++it;
  EXPECT_EQ(it->first, std::make_pair(std::string("b"), std::string("p1")));
  EXPECT_EQ(it->second, 3.5);
}

// The worker's per-step path credits the bound policy, even when the agent was first credited
// under another policy by id, and finds the entry again after each reset.
TEST(Episode, RewardByIndexGoesToTheBoundPolicy) {
  const PolicyMappingFn to_q = [](const std::string&, const Episode&) { return "q"; };
  Episode episode(1);
  episode.add_reward("a", "p", 1.0);                              // entry 0: (a, p)
  EXPECT_THROW(episode.add_reward(0, 5.0), phantom::ValueError);  // a is not bound yet
  episode.policy_for("a", to_q);
  episode.add_reward(0, 2.0);  // entry 1: (a, q)
  episode.add_reward(0, 0.5);
  EXPECT_EQ(episode.total_reward, 3.5);
  auto rewards = episode.agent_rewards();
  EXPECT_EQ((rewards[{"a", "p"}]), 1.0);
  EXPECT_EQ((rewards[{"a", "q"}]), 2.5);

  for (bool soft : {true, false}) {
    if (soft) {
      episode.soft_reset(2);
    } else {
      episode.reset(3);
      episode.policy_for("a", to_q);
    }
    episode.add_reward("a", "p", 4.0);  // now entry 0 is (a, p) again, before q
    episode.add_reward(0, 1.0);
    rewards = episode.agent_rewards();
    EXPECT_EQ((rewards[{"a", "p"}]), 4.0) << (soft ? "soft reset" : "reset");
    EXPECT_EQ((rewards[{"a", "q"}]), 1.0) << (soft ? "soft reset" : "reset");
  }
  EXPECT_THROW(episode.add_reward(1, 1.0), phantom::ValueError);  // no agent has index 1
}

// Both ways of crediting an (agent, policy) pair add to one total, in call order: a total
// restored by id before the per-step path starts, and rewards by id after it, land in the same sum
// a single accumulator would give (so a resumed episode reports bit-identical returns).
TEST(Episode, RewardsByIdAndByIndexShareOneTotalInCallOrder) {
  const PolicyMappingFn to_q = [](const std::string&, const Episode&) { return "q"; };
  const double restored = 0.1, step1 = 0.2, by_id = 1e16, step2 = -1e16;
  Episode episode(1);
  episode.policy_for("a", to_q);
  episode.add_reward("a", "q", restored);  // as a checkpoint restores it
  episode.add_reward(0, step1);
  episode.add_reward("a", "q", by_id);
  episode.add_reward(0, step2);
  const double in_call_order = ((restored + step1) + by_id) + step2;
  ASSERT_NE(in_call_order, restored + step1 + (by_id + step2));  // the order is visible
  const auto rewards = episode.agent_rewards();
  ASSERT_EQ(rewards.size(), 1u);
  EXPECT_EQ((rewards.at({"a", "q"})), in_call_order);
}

TEST(Episode, SoftResetZeroesCountersAndKeepsWhatDescribesTheContinuingEnv) {
  Episode episode(/*id=*/1, /*env_index=*/4);
  episode.length = 9;
  episode.add_reward("a", "p", 2.0);
  const float action[2] = {0.5f, -1.0f}, obs[1] = {3.0f};
  episode.set_last_action("a", action, 2);
  episode.set_last_observation("a", obs, 1);
  episode.set_last_reward("a", 2.0f);
  episode.user_data["seen"] = 3;
  episode.custom_metrics["m"] = 1.0;
  episode.hist_data["h"] = {1.0, 2.0};

  episode.soft_reset(2);
  EXPECT_EQ(episode.id, 2);
  EXPECT_EQ(episode.length, 0);
  EXPECT_EQ(episode.total_reward, 0.0);
  EXPECT_TRUE(episode.agent_rewards().empty());
  EXPECT_TRUE(episode.hist_data.empty());  // reported with the closed episode already
  EXPECT_EQ(episode.env_index, 4);
  EXPECT_EQ(std::any_cast<int>(episode.user_data.at("seen")), 3);
  EXPECT_EQ(episode.custom_metrics.at("m"), 1.0);
  EXPECT_EQ(episode.last_action("a"), std::vector<float>({0.5f, -1.0f}));
  EXPECT_EQ(episode.last_observation("a"), std::vector<float>({3.0f}));
  EXPECT_EQ(episode.last_reward("a"), 2.0f);
  episode.add_reward("a", "p", 1.0);
  EXPECT_EQ(episode.agent_rewards().at({"a", "p"}), 1.0);

  episode.reset(3);
  EXPECT_EQ(episode.id, 3);
  EXPECT_EQ(episode.env_index, 4);
  EXPECT_EQ(episode.total_reward, 0.0);
  EXPECT_TRUE(episode.user_data.empty());
  EXPECT_TRUE(episode.custom_metrics.empty());
  EXPECT_TRUE(episode.agent_rewards().empty());
  EXPECT_FALSE(episode.has_agent("a"));
  episode.ensure_agent("a");
  EXPECT_TRUE(episode.last_action("a").empty());
  EXPECT_TRUE(episode.last_observation("a").empty());
  EXPECT_EQ(episode.last_reward("a"), 0.0f);
}

TEST(Episode, RecordCopiesWhatTheEpisodeReports) {
  Episode episode(/*id=*/1, /*env_index=*/2);
  episode.length = 5;
  episode.add_reward("a", "p", 1.0);
  episode.add_reward("b", "q", 2.0);
  episode.custom_metrics["m"] = 4.0;
  episode.hist_data["h"] = {1.0};
  episode.user_data["scratch"] = 1;
  const EpisodeRecord r = EpisodeRecord::from_episode(episode);
  EXPECT_EQ(r.length, 5);
  EXPECT_EQ(r.total_reward, 3.0);
  EXPECT_EQ(r.env_index, 2);
  EXPECT_EQ(r.agent_rewards, episode.agent_rewards());
  EXPECT_EQ(r.custom_metrics, episode.custom_metrics);
  EXPECT_EQ(r.hist_data, episode.hist_data);
}

// --- summaries ------------------------------------------------------------------------------

EpisodeRecord record(double reward, int64_t length = 1) {
  EpisodeRecord r;
  r.total_reward = reward;
  r.length = length;
  return r;
}

TEST(EpisodeSummary, CustomMetricsDropNaNBeforeAggregating) {
  std::vector<EpisodeRecord> episodes = {record(0), record(0), record(0)};
  episodes[0].custom_metrics["m"] = 1.0;
  episodes[1].custom_metrics["m"] = kNaN;
  episodes[2].custom_metrics["m"] = 3.0;
  episodes[1].custom_metrics["all_nan"] = kNaN;
  episodes[2].custom_metrics["only_last"] = 5.0;

  const EpisodeSummary s = phantom::summarize_episodes(episodes, 3);
  EXPECT_EQ(s.custom_metrics.at("m_mean"), 2.0);
  EXPECT_EQ(s.custom_metrics.at("m_min"), 1.0);
  EXPECT_EQ(s.custom_metrics.at("m_max"), 3.0);
  EXPECT_TRUE(std::isnan(s.custom_metrics.at("all_nan_mean")));
  EXPECT_TRUE(std::isnan(s.custom_metrics.at("all_nan_min")));
  EXPECT_TRUE(std::isnan(s.custom_metrics.at("all_nan_max")));
  EXPECT_EQ(s.custom_metrics.at("only_last_mean"), 5.0);  // over the episodes that set it
  EXPECT_TRUE(s.per_episode_custom_metrics.empty());

  const EpisodeSummary kept = phantom::summarize_episodes(episodes, 3, true);
  EXPECT_EQ(kept.per_episode_custom_metrics.at("m"), std::vector<double>({1.0, 3.0}));
  EXPECT_TRUE(kept.per_episode_custom_metrics.at("all_nan").empty());
  EXPECT_TRUE(kept.custom_metrics.empty());
}

TEST(EpisodeSummary, RewardsLengthsPoliciesAgentsAndHistograms) {
  std::vector<EpisodeRecord> episodes = {record(3.0, 10), record(-1.0, 20), record(7.0, 30)};
  episodes[0].agent_rewards = {{{"a", "shared"}, 1.0}, {{"b", "shared"}, 2.0}};
  episodes[1].agent_rewards = {{{"a", "shared"}, -1.0}};
  episodes[2].agent_rewards = {{{"a", "solo"}, 4.0}, {{"b", "shared"}, 3.0}};
  episodes[0].hist_data["h"] = {1.0, 2.0};
  episodes[2].hist_data["h"] = {3.0};

  const EpisodeSummary s = phantom::summarize_episodes(episodes, 2);
  EXPECT_EQ(s.episodes_this_iter, 2);
  EXPECT_EQ(s.episode_reward_min, -1.0);
  EXPECT_EQ(s.episode_reward_max, 7.0);
  EXPECT_EQ(s.episode_reward_mean, 3.0);
  EXPECT_EQ(s.episode_len_mean, 20.0);
  // "shared" got 1, 2, -1, 3 (two agents in the first episode: two values).
  EXPECT_EQ(s.policy_reward_min.at("shared"), -1.0);
  EXPECT_EQ(s.policy_reward_max.at("shared"), 3.0);
  EXPECT_EQ(s.policy_reward_mean.at("shared"), 1.25);
  EXPECT_EQ(s.policy_reward_mean.at("solo"), 4.0);
  // a: 1, -1, 4; b: 2, 3 (absent from the second episode).
  EXPECT_EQ(s.agent_reward_mean.at("a"), 4.0 / 3.0);
  EXPECT_EQ(s.agent_reward_mean.at("b"), 2.5);
  EXPECT_EQ(s.hist_stats.at("episode_reward"), std::vector<double>({3.0, -1.0, 7.0}));
  EXPECT_EQ(s.hist_stats.at("episode_lengths"), std::vector<double>({10.0, 20.0, 30.0}));
  EXPECT_EQ(s.hist_stats.at("policy_shared_reward"), std::vector<double>({1.0, 2.0, -1.0, 3.0}));
  EXPECT_EQ(s.hist_stats.at("h"), std::vector<double>({1.0, 2.0, 3.0}));
}

TEST(EpisodeSummary, WithoutEpisodesEveryStatisticIsNaN) {
  const EpisodeSummary s = phantom::summarize_episodes({}, 0);
  EXPECT_TRUE(std::isnan(s.episode_reward_min));
  EXPECT_TRUE(std::isnan(s.episode_reward_max));
  EXPECT_TRUE(std::isnan(s.episode_reward_mean));
  EXPECT_TRUE(std::isnan(s.episode_len_mean));
  EXPECT_EQ(s.episodes_this_iter, 0);
  EXPECT_TRUE(s.policy_reward_mean.empty());
  EXPECT_TRUE(s.hist_stats.at("episode_reward").empty());
  EXPECT_TRUE(std::isnan(EpisodeMetricsWindow().summarize().episode_reward_mean));
}

TEST(EpisodeSummary, ANaNRewardShowsInMinAndMax) {
  const EpisodeSummary s = phantom::summarize_episodes({record(1.0), record(kNaN)}, 2);
  EXPECT_TRUE(std::isnan(s.episode_reward_min));
  EXPECT_TRUE(std::isnan(s.episode_reward_max));
  EXPECT_TRUE(std::isnan(s.episode_reward_mean));
}

TEST(EpisodeSummary, ErrorsNameTheCount) {
  std::string m = test_support::message_of<phantom::ValueError>(
      [] { phantom::summarize_episodes({record(1.0)}, 2); });
  EXPECT_HAS(m, "new_episodes is 2");
  EXPECT_HAS(m, "(1)");
}

TEST(EpisodeSummary, HistDataMayNotUseTheSummarysOwnListNames) {
  for (const char* name : {"episode_reward", "episode_lengths", "policy_x_reward"}) {
    std::vector<EpisodeRecord> episodes = {record(1.0), record(2.0)};
    episodes[1].env_index = 3;
    episodes[1].hist_data[name] = {1.0};
    const std::string m = test_support::message_of<phantom::ValueError>(
        [&] { phantom::summarize_episodes(episodes, 2); });
    EXPECT_HAS(m, std::string("hist_data '") + name + "'");
    EXPECT_HAS(m, "episode 1 (env 3)");
  }
  std::vector<EpisodeRecord> fine = {record(1.0)};
  fine[0].hist_data["policy_reward"] = {1.0};  // not of the form policy_<id>_reward
  EXPECT_NO_THROW(phantom::summarize_episodes(fine, 1));
}

TEST(EpisodeSummary, ColumnsAreNamedAndOrderedForACsvRow) {
  std::vector<EpisodeRecord> episodes = {record(1.0, 4), record(3.0, 6)};
  episodes[0].agent_rewards = {{{"b", "p"}, 1.0}};
  episodes[1].agent_rewards = {{{"a", "q"}, 3.0}};
  episodes[0].custom_metrics["m"] = 2.0;
  const auto columns = phantom::to_columns(phantom::summarize_episodes(episodes, 1), "train/");
  const std::vector<std::pair<std::string, double>> expected = {
      {"train/episode_reward_max", 3.0},    {"train/episode_reward_min", 1.0},
      {"train/episode_reward_mean", 2.0},   {"train/episode_len_mean", 5.0},
      {"train/episodes_this_iter", 1.0},    {"train/policy_reward_min/p", 1.0},
      {"train/policy_reward_min/q", 3.0},   {"train/policy_reward_max/p", 1.0},
      {"train/policy_reward_max/q", 3.0},   {"train/policy_reward_mean/p", 1.0},
      {"train/policy_reward_mean/q", 3.0},  {"train/agent_reward_mean/a", 3.0},
      {"train/agent_reward_mean/b", 1.0},   {"train/custom_metrics/m_max", 2.0},
      {"train/custom_metrics/m_mean", 2.0}, {"train/custom_metrics/m_min", 2.0}};
  EXPECT_EQ(columns, expected);
}

// --- the smoothing window -------------------------------------------------------------------

// `n` episodes whose rewards are first, first + 1, ...
std::vector<EpisodeRecord> numbered(int first, int n) {
  std::vector<EpisodeRecord> out;
  for (int i = 0; i < n; ++i) out.push_back(record(first + i));
  return out;
}

TEST(EpisodeMetricsWindow, FewNewEpisodesAreFilledUpWithTheMostRecentOlderOnes) {
  EpisodeMetricsWindow window;
  window.add_iteration(numbered(0, 30));
  EXPECT_EQ(window.summarize().episodes_this_iter, 30);
  window.add_iteration(numbered(30, 5));
  const EpisodeSummary s = window.summarize();
  EXPECT_EQ(s.episodes_this_iter, 5);
  EXPECT_EQ(s.hist_stats.at("episode_reward").size(), 35u);
  EXPECT_EQ(s.episode_reward_min, 0.0);
  EXPECT_EQ(s.episode_reward_max, 34.0);
  EXPECT_EQ(s.episode_reward_mean, 17.0);
}

TEST(EpisodeMetricsWindow, ManyNewEpisodesAreAllUsedAndHistoryKeepsTheLastWindow) {
  EpisodeMetricsWindow window;
  window.add_iteration(numbered(0, 30));
  window.add_iteration(numbered(1000, 130));
  EpisodeSummary s = window.summarize();
  EXPECT_EQ(s.episodes_this_iter, 130);
  EXPECT_EQ(s.hist_stats.at("episode_reward").size(), 130u);  // not capped, no older ones
  EXPECT_EQ(s.episode_reward_min, 1000.0);
  EXPECT_EQ(s.episode_reward_max, 1129.0);
  // Next iteration: 10 new ones after the last 90 of the 130.
  window.add_iteration(numbered(5000, 10));
  s = window.summarize();
  EXPECT_EQ(s.episodes_this_iter, 10);
  const std::vector<double> rewards = s.hist_stats.at("episode_reward");
  ASSERT_EQ(rewards.size(), 100u);
  EXPECT_EQ(rewards.front(), 1040.0);
  EXPECT_EQ(rewards[89], 1129.0);
  EXPECT_EQ(rewards[90], 5000.0);
  EXPECT_EQ(rewards.back(), 5009.0);
  // An iteration without episodes summarises the last 100.
  window.add_iteration({});
  s = window.summarize();
  EXPECT_EQ(s.episodes_this_iter, 0);
  EXPECT_EQ(s.hist_stats.at("episode_reward"), rewards);
}

TEST(EpisodeMetricsWindow, ASmallWindowSize) {
  EpisodeMetricsWindow window(3);
  window.add_iteration(numbered(0, 2));
  window.add_iteration(numbered(2, 2));
  EXPECT_EQ(window.summarize().hist_stats.at("episode_reward"),
            std::vector<double>({1.0, 2.0, 3.0}));
  const std::string m =
      test_support::message_of<phantom::ConfigError>([] { EpisodeMetricsWindow bad(0); });
  EXPECT_HAS(m, "metrics_num_episodes_for_smoothing is 0");
}

void expect_same_summary(const EpisodeSummary& a, const EpisodeSummary& b) {
  const auto ca = phantom::to_columns(a), cb = phantom::to_columns(b);
  ASSERT_EQ(ca.size(), cb.size());
  for (std::size_t i = 0; i < ca.size(); ++i) {
    EXPECT_EQ(ca[i].first, cb[i].first);
    EXPECT_TRUE(same(ca[i].second, cb[i].second)) << ca[i].first;
  }
  EXPECT_EQ(a.hist_stats, b.hist_stats);
  EXPECT_EQ(a.per_episode_custom_metrics, b.per_episode_custom_metrics);
}

// Episodes with everything a record holds, including NaN metrics and empty lists.
std::vector<EpisodeRecord> rich(int first, int n) {
  std::vector<EpisodeRecord> out = numbered(first, n);
  for (int i = 0; i < n; ++i) {
    EpisodeRecord& r = out[static_cast<std::size_t>(i)];
    r.length = 3 + i;
    r.env_index = i % 2;
    r.agent_rewards = {{{"a", "p"}, 0.25 * i}, {{"b b", ""}, -0.1 * i}};
    r.custom_metrics["m"] = i % 3 == 0 ? kNaN : 1.0 / (1 + i);
    r.hist_data["h"] = std::vector<double>(static_cast<std::size_t>(i % 3), 0.1 * i);
  }
  return out;
}

TEST(EpisodeMetricsWindow, SaveAndLoadResumeTheSameSmoothing) {
  EpisodeMetricsWindow original(8);
  original.add_iteration(rich(0, 6));
  original.add_iteration(rich(10, 4));

  nn::StateDict dict;
  original.save(dict, "metrics.window");
  const std::vector<uint8_t> bytes = nn::encode_state_dict(dict);
  const nn::StateDict loaded_dict = nn::decode_state_dict(bytes.data(), bytes.size(), "ckpt");
  EpisodeMetricsWindow resumed(8);
  resumed.add_iteration(rich(50, 3));  // overwritten by load
  resumed.load(loaded_dict, "metrics.window");

  EXPECT_EQ(resumed.new_episodes(), 4);
  expect_same_summary(original.summarize(), resumed.summarize());
  expect_same_summary(original.summarize(true), resumed.summarize(true));
  original.add_iteration(rich(20, 3));
  resumed.add_iteration(rich(20, 3));
  expect_same_summary(original.summarize(), resumed.summarize());
  expect_same_summary(original.summarize(true), resumed.summarize(true));
}

TEST(EpisodeMetricsWindow, LoadRejectsInconsistentStateAndNamesTheEntry) {
  EpisodeMetricsWindow window;
  window.add_iteration(rich(0, 2));
  nn::StateDict dict;
  window.save(dict, "w");
  dict.set_int("w.new_episodes", 3);
  EpisodeMetricsWindow target;
  target.add_iteration(numbered(0, 1));
  std::string m = test_support::message_of<phantom::FormatError>([&] { target.load(dict, "w"); });
  EXPECT_HAS(m, "'w.new_episodes' is 3");
  EXPECT_EQ(target.episodes().size(), 1u);  // unchanged by the failed load
  dict.set_int("w.new_episodes", 2);
  dict.set_string("w.1.hist_data.0.values", "123");
  m = test_support::message_of<phantom::FormatError>([&] { target.load(dict, "w"); });
  EXPECT_HAS(m, "'w.1.hist_data.0.values'");
  m = test_support::message_of<phantom::FormatError>([&] { target.load(dict, "other"); });
  EXPECT_HAS(m, "other.count");
}

// --- callbacks ------------------------------------------------------------------------------

// Records "<name>:<hook>" for every hook, with the identity of what it received checked.
class Recorder : public phantom::Callbacks {
 public:
  Recorder(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}

  void on_algorithm_init(phantom::Trainer&) override { note("algorithm_init"); }
  void on_create_policy(const std::string& id, phantom::TrainablePolicy&) override {
    note("create_policy " + id);
  }
  void on_sub_environment_created(phantom::RolloutWorker&, phantom::PhantomEnv&,
                                  const phantom::EnvContext&, int env_index) override {
    note("sub_environment_created " + std::to_string(env_index));
  }
  void on_episode_start(phantom::RolloutWorker&, Episode& episode, int env_index) override {
    note("episode_start " + std::to_string(env_index));
    episode.custom_metrics[name_] = 1.0;  // hooks may write the episode's tables
  }
  void on_episode_step(phantom::RolloutWorker&, Episode& episode, int) override {
    note("episode_step " + std::to_string(episode.length));
  }
  void on_postprocess_trajectory(phantom::RolloutWorker&, Episode&, const std::string& agent_id,
                                 const std::string& policy_id, phantom::SampleBatch&,
                                 const phantom::SampleBatch&) override {
    note("postprocess_trajectory " + agent_id + " " + policy_id);
  }
  void on_episode_end(phantom::RolloutWorker&, Episode& episode, int) override {
    note("episode_end " + std::to_string(episode.id));
  }
  void on_sample_end(phantom::RolloutWorker&, phantom::MultiAgentBatch&) override {
    note("sample_end");
  }
  void on_learn_on_batch(phantom::TrainablePolicy&, phantom::SampleBatch&,
                         std::map<std::string, double>& result) override {
    note("learn_on_batch");
    result[name_] = static_cast<double>(result.size());
  }
  void on_train_result(phantom::Trainer&, phantom::IterationStats& result) override {
    note("train_result");
    result.set_stat(name_, 1.0);
  }
  void on_evaluate_start(phantom::Trainer&) override { note("evaluate_start"); }
  void on_evaluate_end(phantom::Trainer&, phantom::IterationStats&) override {
    note("evaluate_end");
  }

 private:
  void note(const std::string& what) { log_.push_back(name_ + ":" + what); }
  std::string name_;
  std::vector<std::string>& log_;
};

// Stand-ins for objects of types this test only sees declared: the hooks under test pass the
// references along without touching them.
template <class T>
T& stand_in() {
  alignas(64) static unsigned char storage[64];
  return *reinterpret_cast<T*>(storage);
}

TEST(CallbackList, ForwardsEveryHookToEachCallbacksInOrder) {
  std::vector<std::string> log;
  auto first = std::make_shared<Recorder>("first", log);
  auto second = std::make_shared<Recorder>("second", log);
  phantom::CallbackList list({first});
  list.add(second);
  EXPECT_EQ(list.callbacks().size(), 2u);

  auto& worker = stand_in<phantom::RolloutWorker>();
  auto& trainer = stand_in<phantom::Trainer>();
  auto& policy = stand_in<phantom::TrainablePolicy>();
  auto& batch = stand_in<phantom::SampleBatch>();
  phantom::Callbacks& callbacks = list;  // called through the base, as a worker does
  Episode episode(/*id=*/9, /*env_index=*/1);
  phantom::IterationStats stats;
  std::map<std::string, double> learner;

  callbacks.on_algorithm_init(trainer);
  callbacks.on_create_policy("p", policy);
  callbacks.on_sub_environment_created(worker, stand_in<phantom::PhantomEnv>(),
                                       stand_in<phantom::EnvContext>(), 1);
  callbacks.on_episode_start(worker, episode, 1);
  episode.length = 1;
  callbacks.on_episode_step(worker, episode, 1);
  callbacks.on_postprocess_trajectory(worker, episode, "a", "p", batch, batch);
  callbacks.on_episode_end(worker, episode, 1);
  callbacks.on_sample_end(worker, stand_in<phantom::MultiAgentBatch>());
  callbacks.on_learn_on_batch(policy, batch, learner);
  callbacks.on_train_result(trainer, stats);
  callbacks.on_evaluate_start(trainer);
  callbacks.on_evaluate_end(trainer, stats);

  std::vector<std::string> expected;
  for (const char* hook :
       {"algorithm_init", "create_policy p", "sub_environment_created 1", "episode_start 1",
        "episode_step 1", "postprocess_trajectory a p", "episode_end 9", "sample_end",
        "learn_on_batch", "train_result", "evaluate_start", "evaluate_end"}) {
    expected.push_back(std::string("first:") + hook);
    expected.push_back(std::string("second:") + hook);
  }
  EXPECT_EQ(log, expected);
  // Mutations reach the shared objects, the second callbacks seeing the first's.
  EXPECT_EQ(episode.custom_metrics.size(), 2u);
  EXPECT_EQ(learner.at("first"), 0.0);
  EXPECT_EQ(learner.at("second"), 1.0);
  ASSERT_EQ(stats.stats().size(), 2u);
}

TEST(CallbackList, RejectsNullCallbacksByPosition) {
  std::vector<std::string> log;
  std::string m = test_support::message_of<phantom::ValueError>([&] {
    phantom::CallbackList list({std::make_shared<Recorder>("r", log), nullptr});
  });
  EXPECT_HAS(m, "entry 1");
  phantom::CallbackList list;
  m = test_support::message_of<phantom::ValueError>([&] { list.add(nullptr); });
  EXPECT_HAS(m, "entry 0");
}

TEST(Callbacks, DefaultsDoNothing) {
  phantom::Callbacks callbacks;
  Episode episode(1);
  episode.custom_metrics["m"] = 1.0;
  callbacks.on_episode_start(stand_in<phantom::RolloutWorker>(), episode, 0);
  callbacks.on_episode_end(stand_in<phantom::RolloutWorker>(), episode, 0);
  phantom::IterationStats stats;
  callbacks.on_train_result(stand_in<phantom::Trainer>(), stats);
  EXPECT_EQ(episode.custom_metrics, (std::map<std::string, double>{{"m", 1.0}}));
  EXPECT_TRUE(stats.stats().empty());
}

}  // namespace
