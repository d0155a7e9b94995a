#include "trainers/evaluation_workers.hpp"

namespace phantom {

EvaluationSample sample_evaluation_worker(RolloutWorker& worker, const IterationStats& shape) {
  EvaluationSample out;
  try {
    out.env_steps = worker.sample().env_steps;
    out.stats.reset(shape.returns.size(), shape.metrics.size(), shape.custom_metrics.size());
    worker.collect_stats(out.stats);
  } catch (const std::exception& e) {
    const std::optional<RolloutWorker::EnvFailure> f = worker.env_failure();
    if (f) {
      out.env_failure =
          EvaluationEnvFailure{f->vector_index, f->episode_seed, f->step, e.what(), std::nullopt};
    } else {
      out.error = std::current_exception();  // not the env's: no rebuild would help
    }
  } catch (...) {
    out.error = std::current_exception();
  }
  return out;
}

}  // namespace phantom
