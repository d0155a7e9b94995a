// Fuzz target: a Q-learning checkpoint (worker state, Q tables, exploration schedule) loaded by
// QLearningTrainer::load. The first input byte picks the state-dict framing (fuzz_support.hpp).
#include "checkpoint_fuzz.hpp"
#include "trainer_setups.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const phantom::TrainOptions run = fuzz::q_run(1);
  fuzz::load_checkpoint(
      data, size, [] { return phantom::QLearningTrainer(fuzz::q_options()); }, fuzz::chain_env,
      run);
  return 0;
}
