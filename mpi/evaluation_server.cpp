// EvaluationServer: a worker rank's evaluation workers (mpi/evaluation_server.hpp).
#include "mpi/evaluation_server.hpp"

#include <string>
#include <vector>

#include "mpi/worker_placement.hpp"
#include "mpi/worker_protocol.hpp"
#include "nn/error.hpp"
#include "trainers/sampling/worker_messages.hpp"

namespace phantom::mpi {

EvaluationServer::EvaluationServer(const Communicator& comm, Trainer& trainer,
                                   std::unique_ptr<RolloutWorker> learner,
                                   const EnvFactory& make_env, const EnvConfig& env_config,
                                   const TrainOptions& options)
    : comm_(comm),
      trainer_(trainer),
      learner_(std::move(learner)),
      builder_(options.evaluation, make_env, learner_->env(0), env_config, options.policies,
               learner_->options()) {
  for (const ResolvedPolicy& p : builder_.resolved().policies) {
    Policy* policy = learner_->get_policy(p.id);
    if (!policy) {  // rank 0's Evaluator refuses such a mapping first, naming the option
      throw ConfigError("EvaluationServer: the trainer on rank " + std::to_string(comm.rank()) +
                        " has no policy '" + p.id + "' for its evaluation workers");
    }
    // Owned by the learner worker: the map's pointers keep it alive, not the policy alone.
    policies_[p.id] = std::shared_ptr<Policy>(learner_, policy);
  }
}

std::string EvaluationServer::source(const char* what) const {
  return std::string("rank 0's evaluation ") + what + " for rank " + std::to_string(comm_.rank());
}

void EvaluationServer::begin(const nn::StateDict& body) {
  const std::string& state = body.get_string("sampling_state");
  sampling_state_ = nn::decode_state_dict(state.data(), state.size(), source("sampling state"));
  trainer_.load_sampling_state(sampling_state_);
  const std::string& weights = body.get_string("weights");
  learner_->set_weights(decode_weights(weights.data(), weights.size(), source("weights")).weights);
  const std::string& filters = body.get_string("filters");
  filters_ = decode_filters(filters.data(), filters.size(), source("filters"), learner_->filters());
  const std::vector<int64_t> shape = body.get_int64s("shape");
  if (shape.size() != 3) throw FormatError(source("start") + ": 'shape' holds other than 3 sizes");
  shape_.reset(static_cast<std::size_t>(shape[0]), static_cast<std::size_t>(shape[1]),
               static_cast<std::size_t>(shape[2]));
  iteration_ = static_cast<int>(body.get_count("iteration", 1 << 30));
  workers_.clear();
  for (int index : workers_of_rank(comm_.rank(), builder_.num_workers(), comm_.size())) {
    workers_[index] = builder_.build(iteration_, index - 1, 0, policies_, filters_);
  }
}

void EvaluationServer::sample(const nn::StateDict& body, nn::StateDict& answer) {
  // The evaluation's own: the rollout workers' sample requests, which may come between two
  // rounds (parallel to training), load theirs.
  trainer_.load_sampling_state(sampling_state_);
  for (int64_t index : body.get_int64s("workers")) {
    auto it = workers_.find(static_cast<int>(index));
    if (it == workers_.end()) continue;  // another rank's
    const int i = it->first;
    EvaluationSample s = sample_evaluation_worker(*it->second, shape_);
    if (!s.env_failure && !s.error) {
      answer.set_int(worker_entry("steps", i), s.env_steps);
      set_bytes(answer, worker_entry("sample", i), encode_metrics({s.stats, {}}));
      continue;
    }
    WorkerFailure f;
    if (s.env_failure) {
      f.rank = comm_.rank();
      f.worker = i;
      f.error = s.env_failure->error;
      f.type = "EnvError";
      f.has_env = true;
      f.sub_env = s.env_failure->sub_env;
      f.episode_seed = s.env_failure->episode_seed;
      f.step = s.env_failure->step;
    } else {
      f = describe_failure(s.error, comm_.rank(), i);
    }
    set_bytes(answer, worker_entry("failure", i), nn::encode_state_dict(failure_body(f)));
    if (s.error) return;  // the evaluation ends there: no later worker need sample
  }
}

void EvaluationServer::rebuild(const nn::StateDict& body) {
  const int index = static_cast<int>(body.get_count("worker", 1 << 30));
  auto it = workers_.find(index);
  if (it == workers_.end()) {
    throw FormatError(source("rebuild") + ": evaluation worker " + std::to_string(index) +
                      " does not live on this rank");
  }
  it->second =
      builder_.build(iteration_, index - 1, static_cast<int>(body.get_count("restarts", 1 << 30)),
                     policies_, filters_);
}

}  // namespace phantom::mpi
