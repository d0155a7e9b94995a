#include "trainers/local_evaluation_workers.hpp"

namespace phantom {

void LocalEvaluationWorkers::begin(int iteration, const PolicyMap& policies,
                                   const FilterSnapshot& filters, const IterationStats& shape) {
  iteration_ = iteration;
  policies_ = &policies;
  filters_ = &filters;
  shape_ = &shape;
  workers_.clear();
  workers_.resize(static_cast<std::size_t>(num_workers()));
  for (int i = 0; i < num_workers(); ++i) rebuild(i, 0);
}

void LocalEvaluationWorkers::sample(const std::vector<int>& workers,
                                    std::vector<EvaluationSample>& out) {
  out.clear();
  for (int i : workers) {
    out.push_back(sample_evaluation_worker(*workers_.at(static_cast<std::size_t>(i)), *shape_));
    if (out.back().error) return;  // the evaluation ends there: no later worker need sample
  }
}

void LocalEvaluationWorkers::rebuild(int worker, int restarts) {
  workers_.at(static_cast<std::size_t>(worker)) =
      builder_.build(iteration_, worker, restarts, *policies_, *filters_);
}

RolloutWorker* LocalEvaluationWorkers::local_worker(int worker) {
  return workers_.at(static_cast<std::size_t>(worker)).get();
}

}  // namespace phantom
