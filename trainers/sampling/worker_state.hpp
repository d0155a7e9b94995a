// The rollout worker's internal state, shared by its three source files (rollout_worker.cpp:
// construction and the API; worker_poll.cpp: the poll loop and sample(); worker_checkpoint.cpp:
// save and restore). Not part of the installed API.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nn/thread_pool.hpp"
#include "trainers/env_runner.hpp"
#include "trainers/iteration_stats.hpp"
#include "trainers/offline/json_writer.hpp"
#include "trainers/sampling/rollout_worker.hpp"
#include "trainers/sampling/trajectory_builder.hpp"

namespace phantom {
namespace worker_internal {

inline float clip_reward(const RewardClipping& c, float r) {
  switch (c.mode) {
    case RewardClipping::Mode::off:
      return r;
    case RewardClipping::Mode::sign:
      return static_cast<float>((r > 0.0f) - (r < 0.0f));
    case RewardClipping::Mode::clamp:
      return std::clamp(r, static_cast<float>(-c.limit), static_cast<float>(c.limit));
  }
  return r;
}

// ---- State ----

/// One policy of the worker and the scratch of its acting batch and pieces.
struct PolicySlot {
  std::string id;
  std::shared_ptr<Policy> policy;
  TrainablePolicy* trainable = nullptr;  // null: a fixed policy (log-prob 0, never learns)
  bool trained = false;
  ObservationFilter* filter = nullptr;
  bool filter_changes_observations = true;  // false for a NoFilter: nothing to call per step
  int64_t obs_size = 0, action_size = 0;
  // This poll's acting rows: (sub-env, position) of each row and, for a trainable policy, which
  // reads them as one matrix, their filtered observations.
  std::vector<float> observations;
  std::vector<std::pair<int, int>> rows;
  ActionBatch out;
  SampleBatch piece, original;  // postprocessing scratch
};

/// What the worker keeps about one strategic agent of a sub-env.
struct AgentState {
  TrajectoryBuilder trajectory;  // this episode's rows since the last cut
  int policy = -1;               // slot index, bound for the episode (-1: not yet seen)
  int agent_index = -1;
  std::vector<float> obs;  // the last observation, filtered
  // Its action space's bounds when a Box (rescaled or clipped for the env), null otherwise; they
  // point into the env's space, which lives as long as the env.
  const float* box_low = nullptr;
  const float* box_high = nullptr;
};

}  // namespace worker_internal

struct RolloutWorker::SubEnv {
  std::unique_ptr<EnvRunner> runner;
  IterationStats stats;  // since the last collect_stats()
  Episode episode;
  std::vector<worker_internal::AgentState> agents;  // by strategic position
  int64_t episodes_started = 0;                     // episode ids, soft resets included
  int64_t fragment_env_steps = 0, fragment_agent_steps = 0;
  bool started = false;
  bool sampling = false;  // takes part in the current sample()
};

/// sample_async: a fragment with the statistics and episode records it produced.
struct RolloutWorker::Fragment {
  MultiAgentBatch batch;
  IterationStats stats;
  std::vector<EpisodeRecord> finished;
};

struct RolloutWorker::Impl {
  WorkerEnvFactory make_env;
  PolicyMappingFn mapping_fn;
  std::vector<worker_internal::PolicySlot> slots;  // in policy id order
  std::map<std::string, int> slot_of;              // policy id -> slot
  std::vector<std::unique_ptr<SubEnv>> envs;
  std::vector<int> positions_by_id;  // strategic positions sorted by agent id
  std::optional<int64_t> horizon;
  nn::Rng rng;
  MultiAgentBatch batch;
  std::vector<EpisodeRecord> finished;
  std::unique_ptr<nn::ThreadPool> pool;  // null: sub-envs step on the calling thread
  nn::MeasuredSplit step_split;          // whether stepping the sub-envs on `pool` pays
  Fragment in_flight, handed_out;        // sample_async
  bool has_in_flight = false;
  int64_t skipped_batches = 0;         // by learn_on_batch, since take_skipped_batches()
  std::unique_ptr<JsonWriter> output;  // options.output_dir; null: no offline output
};

}  // namespace phantom
