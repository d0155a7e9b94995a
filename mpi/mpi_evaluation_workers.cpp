// MpiEvaluationWorkers: rank 0's side of evaluation workers on ranks
// (mpi/mpi_evaluation_workers.hpp).
#include "mpi/mpi_evaluation_workers.hpp"

#include <algorithm>
#include <string>

#include "mpi/worker_placement.hpp"
#include "mpi/worker_protocol.hpp"
#include "nn/error.hpp"
#include "trainers/sampling/trainable_policy.hpp"
#include "trainers/sampling/worker_messages.hpp"

namespace phantom::mpi {

MpiEvaluationWorkers::MpiEvaluationWorkers(const RequestChannel& channel, int num_workers,
                                           const Trainer& trainer)
    : channel_(channel), num_workers_(num_workers), trainer_(trainer) {
  if (channel_.comm().size() < 2) {
    throw ConfigError(
        "MpiEvaluationWorkers: the communicator has 1 rank; evaluation workers on ranks need "
        "ranks besides rank 0 (with one, they live in process)");
  }
  if (num_workers_ < 1) {
    throw ConfigError("MpiEvaluationWorkers: num_workers = " + std::to_string(num_workers_) +
                      ", expected >= 1");
  }
}

std::vector<int> MpiEvaluationWorkers::ranks_of(const std::vector<int>& workers) const {
  std::vector<int> ranks;
  for (int i : workers) ranks.push_back(rank_of_worker(i + 1, channel_.comm().size()));
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  return ranks;
}

void MpiEvaluationWorkers::begin(int iteration, const PolicyMap& policies,
                                 const FilterSnapshot& filters, const IterationStats& shape) {
  // The learning policies' weights; fixed policies are built alike on every rank.
  nn::StateDict weights;
  for (const auto& [id, policy] : policies) {
    if (const auto* trainable = dynamic_cast<const TrainablePolicy*>(policy.get())) {
      trainable->get_weights(weights, id);
    }
  }
  nn::StateDict sampling_state;
  trainer_.save_sampling_state(sampling_state);
  nn::StateDict body;
  body.set_int("iteration", iteration);
  set_bytes(body, "weights", encode_weights({weights, std::nullopt}));
  set_bytes(body, "filters", encode_filters(filters));
  set_bytes(body, "sampling_state", nn::encode_state_dict(sampling_state));
  body.set_int64s("shape", {static_cast<int64_t>(shape.returns.size()),
                            static_cast<int64_t>(shape.metrics.size()),
                            static_cast<int64_t>(shape.custom_metrics.size())});
  std::vector<int> all(static_cast<std::size_t>(num_workers_));
  for (int i = 0; i < num_workers_; ++i) all[static_cast<std::size_t>(i)] = i;
  channel_.tell(MessageKind::evaluation_begin, body, ranks_of(all));
}

void MpiEvaluationWorkers::sample(const std::vector<int>& workers,
                                  std::vector<EvaluationSample>& out) {
  out.clear();
  std::vector<int64_t> indices;  // 1-based, as worker_index
  for (int i : workers) indices.push_back(i + 1);
  nn::StateDict body;
  body.set_int64s("workers", indices);
  const std::vector<nn::StateDict> answers =
      channel_.ask(MessageKind::evaluation_sample, body, ranks_of(workers));
  for (int64_t index : indices) {
    const int rank = rank_of_worker(static_cast<int>(index), channel_.comm().size());
    const nn::StateDict& a = answers[static_cast<std::size_t>(rank)];
    const std::string name =
        "evaluation worker " + std::to_string(index) + " on rank " + std::to_string(rank);
    EvaluationSample s;
    const std::string failure = worker_entry("failure", static_cast<int>(index));
    if (a.contains(failure)) {
      const std::string& bytes = a.get_string(failure);
      const WorkerFailure f =
          read_failure(nn::decode_state_dict(bytes.data(), bytes.size(), "the failure of " + name));
      if (f.has_env) {
        s.env_failure = EvaluationEnvFailure{f.sub_env, f.episode_seed, f.step, f.error, rank};
      } else {
        try {
          throw_failure(f, "evaluation worker");
        } catch (...) {
          s.error = std::current_exception();
        }
      }
    } else {
      s.env_steps = a.get_int(worker_entry("steps", static_cast<int>(index)));
      const std::string& bytes = a.get_string(worker_entry("sample", static_cast<int>(index)));
      s.stats = decode_metrics(bytes.data(), bytes.size(), "the sample of " + name).stats;
    }
    out.push_back(std::move(s));
  }
}

void MpiEvaluationWorkers::rebuild(int worker, int restarts) {
  nn::StateDict body;
  body.set_int("worker", worker + 1);
  body.set_int("restarts", restarts);
  channel_.tell(MessageKind::evaluation_rebuild, body, ranks_of({worker}));
}

}  // namespace phantom::mpi
