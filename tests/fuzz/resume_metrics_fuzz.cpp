// Fuzz target: the metrics CSV a resumed run reads back (Trainer::resume keeps the rows up to
// its checkpoint and appends the rest). The input is metrics.csv of a Q-learning run whose
// checkpoint is at iteration 1 of 2. Properties when the resume is accepted: the file then
// reads back, its last row is iteration 2, and no row is beyond it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "analysis/csv_reader.hpp"
#include "fuzz_support.hpp"
#include "trainer_setups.hpp"

namespace {

// A run directory with the checkpoint of iteration 1, and that checkpoint's bytes.
struct Run {
  std::string dir, checkpoint;
  Run() {
    phantom::TrainOptions run = fuzz::q_run(1);
    run.results_dir = fuzz::scratch_dir() + "/results";
    phantom::QLearningTrainer trainer(fuzz::q_options());
    dir = trainer.train(fuzz::chain_env, {}, run).run_dir;
    checkpoint = fuzz::read_file(dir + "/checkpoint-000001.bin");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Run run;
  std::filesystem::remove(run.dir + "/checkpoint-000002.bin");
  fuzz::write_file(run.dir + "/checkpoint-000001.bin", run.checkpoint);
  fuzz::write_file(run.dir + "/metrics.csv", fuzz::text(data, size));

  phantom::QLearningTrainer trainer(fuzz::q_options());
  auto resumed = fuzz::accept_or_error(
      [&] { return trainer.resume(run.dir, fuzz::chain_env, {}, fuzz::q_run(2)); });
  if (!resumed) return 0;
  fuzz::must_succeed("a resumed run's metrics end at its last iteration", [&] {
    const std::vector<int64_t> its =
        phantom::read_csv(run.dir + "/metrics.csv").integers("iteration");
    fuzz::check(!its.empty() && its.back() == 2, "the last row is iteration 2");
    for (int64_t it : its) fuzz::check(it <= 2, "no row beyond the last iteration");
  });
  return 0;
}
