// mpi_train_failure: a training run over ranks whose env throws on the last rank, as a whole
// program: rank 0 prints the error and every rank exits with code 1, within the test's timeout
// (no rank left waiting). CTest runs it on 3 ranks (mpi_train_failure_exits_np3) and checks the
// exit code and that rank 0's message names the rank, the worker, the episode seed and the error.
#include <cstdio>
#include <exception>

#include "jamming_shop.hpp"
#include "mpi/communicator.hpp"
#include "mpi/error.hpp"
#include "mpi/session.hpp"
#include "mpi/train_ranks.hpp"
#include "trainers/ppo/ppo_trainer.hpp"

int main(int argc, char** argv) {
  phantom::mpi::Session session(&argc, &argv);
  phantom::mpi::Communicator comm;
  phantom::PpoOptions ppo;
  ppo.num_envs = 2;
  ppo.steps_per_env = 50;
  ppo.network.hidden = {8};
  phantom::TrainOptions run;
  run.iterations = 5;
  run.num_workers = 2;
  run.show_progress = false;
  run.policies.add("shop", phantom::agents_of_type<supply_chain::ShopAgent>());
  run.policies_to_train = {"shop"};
  phantom::PpoTrainer trainer(ppo);
  try {
    phantom::mpi::train_over_ranks(
        comm, trainer, mpi_test::jamming_env(comm.rank() == comm.size() - 1 ? 150 : 0), {}, run);
  } catch (const phantom::Error& e) {
    if (comm.rank() == 0) std::fprintf(stderr, "mpi_train_failure: %s\n", e.what());
    return 1;
  }
  return 0;
}
