// Every weight of a PPO network, parameter after parameter, in one flat list: what tests compare
// to say that two trainings (a resume, another thread count, a rewrite that changes nothing)
// learned exactly the same thing, or to measure how far apart two of them are.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "trainers/ppo/ppo_policy.hpp"
#include "trainers/trainer.hpp"

namespace test_support {

inline std::vector<float> flat_weights(const phantom::ActorCritic& net) {
  std::vector<float> w;
  for (const nn::Tensor& t : net.parameters()) w.insert(w.end(), t.data(), t.data() + t.numel());
  return w;
}

/// The weights of the trained PPO policy `policy_id` of a run.
inline std::vector<float> ppo_weights(const phantom::TrainingResults& res,
                                      const std::string& policy_id = "guesser") {
  auto ppo = std::dynamic_pointer_cast<phantom::PpoPolicy>(res.policies.at(policy_id));
  return flat_weights(*ppo->network());
}

}  // namespace test_support
