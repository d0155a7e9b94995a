// Payloads: the supply-chain PPO trainer run briefly, and its worker set's messages taken out.
#include "payloads.hpp"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "make_run_settings.hpp"
#include "phantom/error.hpp"
#include "supply_chain.hpp"
#include "trainers/ppo/actor_critic.hpp"
#include "trainers/ppo/ppo_policy.hpp"
#include "trainers/ppo/ppo_trainer.hpp"
#include "trainers/sampling/worker_set.hpp"

namespace mpi_comm {

namespace {

using Clock = std::chrono::steady_clock;

double micros(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::micro>(to - from).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// A FilterSet holding `snapshot`'s filters (a set to shape decoded filters after).
std::unique_ptr<phantom::FilterSet> filter_set_of(phantom::FilterSnapshot snapshot) {
  auto set = std::make_unique<phantom::FilterSet>();
  for (auto& [id, filter] : snapshot) set->add(id, std::move(filter));
  return set;
}

phantom::WeightsMessage wide_network_weights() {
  phantom::ActorCriticConfig config;
  config.hidden = {256, 256};
  nn::Rng init(1);
  auto net = std::make_shared<phantom::ActorCritic>(phantom::box(-1, 1, {32}),
                                                    phantom::box(-1, 1, {8}), config, init);
  phantom::PpoPolicy policy(net);
  phantom::WeightsMessage message;
  policy.get_weights(message.weights, "wide");
  message.vars = phantom::GlobalVars{};
  return message;
}

}  // namespace

Payloads build_payloads(int iterations, int samples) {
  if (iterations < 2 || samples < 1) {
    throw phantom::ValueError("mpi_comm: build_payloads needs iterations >= 2 and samples >= 1");
  }
  Payloads out;
  phantom::TrainOptions run;
  run.iterations = iterations;
  run.seed = 1;
  run.num_workers = 1;
  run.worker_threads = 1;
  run.show_progress = false;
  run.policies.add("shop", phantom::agents_of_type<supply_chain::ShopAgent>());
  run.policies_to_train = {"shop"};
  run.metrics = {{"stock", phantom::agent_metric<supply_chain::ShopAgent>(
                               "SHOP", &supply_chain::ShopAgent::stock)}};
  phantom::LocalWorkerSet* workers = nullptr;
  run.worker_set = [&workers](std::unique_ptr<phantom::RolloutWorker> local, int num_workers,
                              const phantom::RolloutWorkerFactory& make, int threads) {
    auto set =
        std::make_unique<phantom::LocalWorkerSet>(std::move(local), num_workers, make, threads);
    workers = set.get();
    return set;
  };
  std::vector<Clock::time_point> ends;
  run.on_iteration = [&](int iteration, const phantom::IterationStats& stats, int64_t) {
    ends.push_back(Clock::now());
    if (iteration + 1 < iterations) return false;
    // The last iteration: time `samples` fragments, drain their statistics, then take one
    // fragment's batch, statistics, records and filter delta as a worker would send them.
    std::vector<double> sample_times;
    for (int s = 0; s < samples; ++s) {
      const auto start = Clock::now();
      workers->sample();
      sample_times.push_back(micros(start, Clock::now()));
    }
    out.sample_us = median(sample_times);
    phantom::IterationStats drained;
    drained.reset(stats.returns.size(), stats.metrics.size(), stats.custom_metrics.size());
    workers->collect_stats(drained);
    workers->get_metrics();
    workers->worker(1).filters().snapshot(/*flush_after=*/true);
    out.batch = workers->sample();
    out.metrics.stats.reset(stats.returns.size(), stats.metrics.size(),
                            stats.custom_metrics.size());
    workers->collect_stats(out.metrics.stats);
    out.metrics.episodes = workers->get_metrics();
    out.filter_delta = workers->worker(1).filters().snapshot(/*flush_after=*/true);
    phantom::RolloutWorker& learner = workers->local_worker();
    out.weights.weights = learner.get_weights();
    out.weights.vars = learner.global_vars();
    out.merged_filters = learner.filters().snapshot(/*flush_after=*/false);
    out.filters_like = filter_set_of(learner.filters().snapshot(/*flush_after=*/false));
    return true;
  };
  phantom::PpoTrainer trainer(supply_chain::make_run_ppo_options());
  trainer.train([](const phantom::EnvConfig&) { return supply_chain::make_env(); },
                phantom::EnvConfig{}, run);
  // Iteration times from the second on (the first also builds the workers' buffers).
  std::vector<double> iteration_times;
  for (std::size_t i = 2; i < ends.size(); ++i)
    iteration_times.push_back(micros(ends[i - 1], ends[i]));
  if (iteration_times.empty()) iteration_times.push_back(micros(ends[0], ends[1]));
  out.learn_us = std::max(0.0, median(iteration_times) - out.sample_us);
  out.wide_weights = wide_network_weights();
  return out;
}

}  // namespace mpi_comm
