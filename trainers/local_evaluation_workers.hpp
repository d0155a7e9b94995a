// LocalEvaluationWorkers: the evaluation workers of a run in this process
// (trainers/evaluation_workers.hpp), built with the run's EvaluationWorkerBuilder. A round samples
// its workers one after the other, on the calling thread.
#pragma once

#include <memory>
#include <vector>

#include "trainers/evaluation_worker_builder.hpp"
#include "trainers/evaluation_workers.hpp"

namespace phantom {

/// Evaluation workers in this process (see the top of this file).
class LocalEvaluationWorkers final : public EvaluationWorkers {
 public:
  /// `builder` must outlive this object.
  explicit LocalEvaluationWorkers(const EvaluationWorkerBuilder& builder) : builder_(builder) {}

  int num_workers() const override { return builder_.num_workers(); }
  bool runs_on_any_thread() const override { return true; }
  void begin(int iteration, const PolicyMap& policies, const FilterSnapshot& filters,
             const IterationStats& shape) override;
  void sample(const std::vector<int>& workers, std::vector<EvaluationSample>& out) override;
  void rebuild(int worker, int restarts) override;
  RolloutWorker* local_worker(int worker) override;

 private:
  const EvaluationWorkerBuilder& builder_;
  int iteration_ = 0;
  const PolicyMap* policies_ = nullptr;
  const FilterSnapshot* filters_ = nullptr;
  const IterationStats* shape_ = nullptr;
  std::vector<std::unique_ptr<RolloutWorker>> workers_;
};

}  // namespace phantom
