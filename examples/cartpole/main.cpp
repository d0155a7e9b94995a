// Runs CartPole-v1 episodes with a hand-written controller and with a random policy, and prints
// the mean episode length of each (= the mean return: the reward is 1 per step).
//
//   cartpole_demo [--episodes N] [--seed S] [--max-steps T]     (--help says more)
#include <cstdio>
#include <optional>
#include <string>

#include "cartpole.hpp"
#include "command_line.hpp"

namespace {

// Runs `episodes` episodes (seeds seed, seed + 1, ...) choosing actions with policy(obs) and
// returns the mean number of steps.
template <class Policy>
double mean_episode_length(cartpole::CartPoleEnv& env, int episodes, uint64_t seed,
                           Policy&& policy) {
  phantom::Actions actions = env.make_actions();
  int64_t total_steps = 0;
  for (int e = 0; e < episodes; ++e) {
    const phantom::StepResult* r = &env.reset(seed + static_cast<uint64_t>(e));
    while (!r->done()) {
      actions.set(0)[0] = static_cast<float>(policy(r->observation(0)));
      r = &env.step(actions);
      ++total_steps;
    }
  }
  return episodes > 0 ? static_cast<double>(total_steps) / episodes : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  int episodes = 100;
  uint64_t seed = 1;
  int64_t max_steps = cartpole::kMaxEpisodeSteps;
  examples::CommandLine cli("cartpole_demo",
                            "Runs CartPole-v1 with a hand-written controller and a random policy.");
  cli.integer("--episodes", "N", &episodes, 1, "episodes per policy")
      .seed("--seed", &seed, "seed of the first episode (then seed + 1, ...)")
      .integer("--max-steps", "T", &max_steps, 1, "steps after which an episode is truncated");
  if (std::optional<int> exit_code = cli.parse_or_exit(argc, argv)) return *exit_code;
  return examples::run_main(cli.program(), [&] {
    cartpole::CartPoleEnv env(max_steps);

    // Push towards where the pole is falling: its angle plus its angular velocity, so a pole that
    // leans right but already swings back left is not pushed further (plain sign(theta) overshoots
    // and falls within ~40 steps).
    double controlled = mean_episode_length(
        env, episodes, seed, [](const float* obs) { return obs[2] + obs[3] > 0.0f ? 1 : 0; });

    nn::Rng policy_rng(seed, /*stream=*/1);  // separate from the env's stream
    double random = mean_episode_length(env, episodes, seed, [&](const float*) {
      return static_cast<int>(policy_rng.uniform_int(2));
    });

    std::printf("CartPole-v1: %d episodes per policy, truncated at %lld steps\n", episodes,
                static_cast<long long>(max_steps));
    std::printf("  controller (push towards theta + theta_dot)  mean episode length %7.1f\n",
                controlled);
    std::printf("  random policy                                mean episode length %7.1f\n",
                random);
    return 0;
  });
}
