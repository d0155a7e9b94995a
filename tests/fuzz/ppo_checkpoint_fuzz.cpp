// Fuzz target: a PPO checkpoint (worker state, policy weights, Adam state, observation filters,
// a pending fragment, sub-env replay logs) loaded by PpoTrainer::load. The first input byte
// picks the state-dict framing (fuzz_support.hpp).
#include "checkpoint_fuzz.hpp"
#include "trainer_setups.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const phantom::TrainOptions run = fuzz::ppo_run(1);
  fuzz::load_checkpoint(
      data, size, [] { return phantom::PpoTrainer(fuzz::ppo_options()); }, fuzz::supply_chain_env,
      run);
  return 0;
}
