// PPO on CartPole-v1 with CleanRL's hyper-parameters, over several seeds: how many env steps
// and how much wall-clock time each seed needs until the mean return of its last 100 episodes
// reaches 475.
//
//   cartpole_train [--seeds N] [--first-seed S] [--max-steps STEPS] [--threads T]  (--help)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "cartpole.hpp"
#include "command_line.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

namespace {

struct SeedResult {
  uint64_t seed;
  bool solved;
  int64_t steps;
  double seconds;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

SeedResult solve(uint64_t seed, int64_t max_steps, int threads) {
  phantom::PpoOptions ppo;  // the defaults are CleanRL's CartPole settings
  ppo.threads = threads;
  phantom::PpoTrainer trainer(ppo);
  int64_t per_iteration = int64_t{ppo.num_envs} * ppo.steps_per_env;

  phantom::TrainOptions run;
  run.iterations = static_cast<int>(max_steps / per_iteration);  // also the LR annealing horizon
  run.seed = seed;
  run.policies.add("cart", phantom::agent_ids({"CARTPOLE"}));
  run.policies_to_train = {"cart"};
  run.show_progress = false;
  std::deque<double> last100;
  SeedResult result{seed, false, 0, 0.0};
  run.on_iteration = [&](int, const phantom::IterationStats& stats, int64_t env_steps) {
    for (double r : stats.finished_returns[0]) {
      last100.push_back(r);
      if (last100.size() > 100) last100.pop_front();
    }
    double mean = last100.empty() ? 0.0
                                  : std::accumulate(last100.begin(), last100.end(), 0.0) /
                                        static_cast<double>(last100.size());
    result.steps = env_steps;
    result.solved = last100.size() == 100 && mean >= 475.0;
    return result.solved;
  };
  auto start = std::chrono::steady_clock::now();
  trainer.train([](const phantom::EnvConfig& c) { return cartpole::make_cartpole_env(c); },
                phantom::EnvConfig{}, run);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 5;
  uint64_t first_seed = 1;
  int64_t max_steps = 500000;
  int threads = 1;
  examples::CommandLine cli("cartpole_train",
                            "Trains PPO on CartPole-v1 (CleanRL's settings) over several seeds.");
  cli.integer("--seeds", "N", &seeds, 1, "seeds to train")
      .seed("--first-seed", &first_seed, "the first seed (then first + 1, ...)")
      .integer("--max-steps", "STEPS", &max_steps, 1, "env steps per seed at most")
      .integer("--threads", "T", &threads, 1, "threads stepping the envs");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  return examples::run_main(cli.program(), [&] {
    std::printf(
        "PPO on CartPole-v1 (CleanRL settings), solved = mean of the last 100 episode "
        "returns >= 475, at most %lld steps\n",
        static_cast<long long>(max_steps));
    std::vector<double> steps, seconds;
    int solved = 0;
    for (int k = 0; k < seeds; ++k) {
      SeedResult r = solve(first_seed + static_cast<uint64_t>(k), max_steps, threads);
      std::printf("  seed %-4llu %-10s %8lld steps %8.2f s  %9.0f steps/s\n",
                  static_cast<unsigned long long>(r.seed), r.solved ? "solved" : "NOT solved",
                  static_cast<long long>(r.steps), r.seconds,
                  static_cast<double>(r.steps) / r.seconds);
      if (r.solved) {
        ++solved;
        steps.push_back(static_cast<double>(r.steps));
        seconds.push_back(r.seconds);
      }
    }
    std::printf("solved %d of %d seeds; median over solved seeds: %.0f steps, %.2f s\n", solved,
                seeds, median(steps), median(seconds));
    return solved * 5 >= seeds * 4 ? 0 : 1;  // the target: at least 4 of 5 seeds
  });
}
