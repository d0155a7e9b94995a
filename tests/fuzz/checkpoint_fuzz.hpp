// The body of the trainer-checkpoint fuzz targets (ppo_checkpoint_fuzz.cpp,
// q_checkpoint_fuzz.cpp): the input becomes the only checkpoint of a run directory, which a
// fresh trainer loads. An accepted checkpoint must give policies that act: each computes an
// action for a zero observation (whatever weights the file held).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "nn/rng.hpp"
#include "trainers/trainer.hpp"

namespace fuzz {

template <class MakeTrainer>
void load_checkpoint(const uint8_t* data, std::size_t size, MakeTrainer make_trainer,
                     const phantom::EnvFactory& make_env, const phantom::TrainOptions& run) {
  const std::string run_dir = scratch_dir();
  write_file(run_dir + "/checkpoint-000001.bin", state_dict_bytes(data, size));
  auto trainer = make_trainer();
  auto loaded = accept_or_error([&] { return trainer.load(run_dir, make_env, {}, run); });
  if (!loaded) return;
  nn::Rng rng(3);
  for (auto& entry : loaded->policies) {
    phantom::Policy* policy = entry.second.get();
    std::vector<float> obs(static_cast<std::size_t>(policy->observation_space()->flat_size()));
    std::vector<float> action(static_cast<std::size_t>(policy->action_space()->flat_size()));
    accept_or_error([&] { policy->compute_action(obs.data(), action.data(), rng); });
  }
}

}  // namespace fuzz
