// PpoPolicy::Learning: the optimiser and the scratch PPO's learning reuses from one batch to
// the next (internal to trainers/ppo; not installed API).
#pragma once

#include <memory>
#include <vector>

#include "nn/optim.hpp"
#include "nn/tape.hpp"
#include "trainers/ppo/ppo_policy.hpp"

namespace phantom {

/// What learning reuses from one batch to the next.
struct PpoPolicy::Learning {
  std::vector<nn::Tensor> params;
  std::unique_ptr<nn::Adam> adam;
  nn::Tape tape;
  // Update scratch.
  std::vector<int64_t> order;
  struct Minibatch {
    int64_t size = 0;
    nn::Tensor features, actions, log_probs, advantages, returns, values;
  };
  std::vector<Minibatch> minibatches;  // one per distinct minibatch size

  Minibatch& minibatch(int64_t size, int64_t features, int64_t actions) {
    for (Minibatch& m : minibatches) {
      if (m.size == size) return m;
    }
    Minibatch m;
    m.size = size;
    m.features = nn::Tensor::zeros({size, features});
    m.actions = nn::Tensor::zeros({size, actions});
    m.log_probs = nn::Tensor::zeros({size});
    m.advantages = nn::Tensor::zeros({size});
    m.returns = nn::Tensor::zeros({size});
    m.values = nn::Tensor::zeros({size});
    minibatches.push_back(std::move(m));
    return minibatches.back();
  }
};

}  // namespace phantom
