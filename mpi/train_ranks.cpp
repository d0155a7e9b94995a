// train_over_ranks / resume_over_ranks: rank 0 trains, the other ranks serve, and rank 0 ends
// the run on every rank whatever happened.
#include "mpi/train_ranks.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "mpi/error.hpp"
#include "mpi/evaluation_server.hpp"
#include "mpi/message.hpp"
#include "mpi/mpi_evaluation_workers.hpp"
#include "mpi/mpi_worker_set.hpp"
#include "mpi/polling.hpp"
#include "mpi/request_channel.hpp"
#include "mpi/worker_protocol.hpp"
#include "mpi/worker_server.hpp"

namespace phantom::mpi {

namespace {

// Thrown on a worker rank where the trainer builds its WorkerSet, once the rank has served to
// the end of the run: it leaves the trainer's train() without running its loop. Not an
// std::exception, so that nothing between here and train_over_ranks catches it.
struct ServedToTheEnd {};

// A stop's reason is cut to this many bytes (a message naming a failure, not a log).
constexpr std::size_t kMaxReason = 16 * 1024;

// Rank 0: tells every other rank to finish (or stop, with `reason`), then takes every message
// each still sends until its `stopped` (an unread workers_ready or failure, at most).
void end_worker_ranks(const Communicator& comm, MessageKind kind, int failed_rank,
                      const std::string& reason) {
  nn::StateDict body;
  if (kind == MessageKind::stop) {
    body.set_int("rank", failed_rank);
    body.set_string("error", reason.substr(0, kMaxReason));
  }
  const Bytes word = encode_message(kind, 0, body);
  for (int r = 1; r < comm.size(); ++r) comm.send(word, r, kRequestTag);
  for (int r = 1; r < comm.size(); ++r) {
    for (;;) {
      const Bytes bytes = recv_polling(comm, r, kAnswerTag);
      if (bytes.size() >= kMessageHeaderBytes &&
          decode_message(bytes.data(), bytes.size(), "rank " + std::to_string(r)).kind ==
              MessageKind::stopped) {
        break;
      }
    }
  }
}

// Whether the run's evaluation workers live on the worker ranks: with more than one rank and
// EvaluationOptions::num_workers > 0. num_workers = 0 is RLlib's one local evaluation worker, on
// the driver: it stays in process on rank 0.
bool evaluation_on_ranks(const Communicator& comm, const TrainOptions& options) {
  return comm.size() > 1 && options.evaluation.interval > 0 && options.evaluation.num_workers > 0;
}

// A custom evaluation is handed the evaluation workers themselves (RolloutWorker&), which cannot
// travel to another process: refused on every rank alike, before anything starts.
void check_custom_evaluation(const Communicator& comm, const TrainOptions& options) {
  if (!evaluation_on_ranks(comm, options) || !options.evaluation.custom) return;
  throw ConfigError(
      "train_over_ranks: EvaluationOptions::custom is set, but its evaluation workers (" +
      std::to_string(options.evaluation.num_workers) +
      ", EvaluationOptions::num_workers) live on "
      "ranks 1.." +
      std::to_string(std::min(options.evaluation.num_workers, comm.size() - 1)) +
      ", where a custom evaluation cannot reach them; set EvaluationOptions::num_workers = 0 to "
      "keep its one evaluation worker in process on rank 0");
}

// Runs `train` (trainer.train or trainer.resume with the options given) on rank 0 or serves on
// the others (see mpi/train_ranks.hpp).
std::optional<TrainingResults> over_ranks(
    const Communicator& comm, Trainer& trainer, const EnvFactory& make_env,
    const EnvConfig& env_config, const TrainOptions& options,
    const std::function<TrainingResults(const TrainOptions&)>& train) {
  if (comm.size() == 1) return train(options);
  check_custom_evaluation(comm, options);
  const bool evaluation = evaluation_on_ranks(comm, options);
  TrainOptions mine = options;
  if (comm.rank() == 0) {
    const RequestChannel channel(comm);
    mine.worker_set = [&channel, &trainer](std::unique_ptr<RolloutWorker> local, int num_workers,
                                           const RolloutWorkerFactory&, int) {
      return std::make_unique<MpiWorkerSet>(channel, std::move(local), num_workers, trainer);
    };
    if (evaluation) {
      mine.evaluation_workers = [&channel, &trainer](const EvaluationWorkerBuilder& builder) {
        return std::make_unique<MpiEvaluationWorkers>(channel, builder.num_workers(), trainer);
      };
    }
    TrainingResults results;
    try {
      results = train(mine);
    } catch (...) {
      // The failure's rank, if a rank's own failure; the text names it in every case.
      const WorkerFailure what = describe_failure(std::current_exception(), 0, 0);
      int failed_rank = 0;
      try {
        throw;
      } catch (const RankFailure& e) {
        failed_rank = e.rank();
      } catch (...) {
      }
      end_worker_ranks(comm, MessageKind::stop, failed_rank, what.error);
      throw;
    }
    end_worker_ranks(comm, MessageKind::finish, 0, "");
    return results;
  }
  // A worker rank sets the trainer up as rank 0 does, then serves where the trainer would
  // build its WorkerSet; it never writes files (it does not reach the results directory).
  bool serving = false;
  mine.worker_set = [&](std::unique_ptr<RolloutWorker> local, int num_workers,
                        const RolloutWorkerFactory& make_worker,
                        int) -> std::unique_ptr<WorkerSet> {
    // The local worker's policies are the trainer's, which this rank never trains: the
    // evaluation workers act with clones of them (mpi/evaluation_server.hpp), else unused.
    std::unique_ptr<EvaluationServer> evaluation_server;
    if (evaluation) {
      evaluation_server = std::make_unique<EvaluationServer>(comm, trainer, std::move(local),
                                                             make_env, env_config, options);
    }
    serving = true;
    serve_workers(comm, trainer, num_workers, make_worker, evaluation_server.get());
    throw ServedToTheEnd{};
  };
  try {
    trainer.train(make_env, env_config, mine);
  } catch (const ServedToTheEnd&) {
    return std::nullopt;
  } catch (...) {
    if (serving) throw;  // rank 0 stopped the run (RankFailure), or MPI itself failed
    serve_failed(comm, std::current_exception());
    return std::nullopt;  // rank 0 finished regardless
  }
  // train() returns only if the trainer never built its workers, which would leave rank 0
  // waiting for this rank; say so to rank 0 as a failure.
  serve_failed(comm, std::make_exception_ptr(ConfigError(
                         "the trainer's setup built no workers on this rank (a trainer must "
                         "build them with Trainer::make_worker)")));
  return std::nullopt;
}

}  // namespace

std::optional<TrainingResults> train_over_ranks(const Communicator& comm, Trainer& trainer,
                                                const EnvFactory& make_env,
                                                const EnvConfig& env_config,
                                                const TrainOptions& options) {
  return over_ranks(comm, trainer, make_env, env_config, options,
                    [&](const TrainOptions& o) { return trainer.train(make_env, env_config, o); });
}

std::optional<TrainingResults> resume_over_ranks(const Communicator& comm, Trainer& trainer,
                                                 const std::string& run_path,
                                                 const EnvFactory& make_env,
                                                 const EnvConfig& env_config,
                                                 const TrainOptions& options) {
  return over_ranks(comm, trainer, make_env, env_config, options, [&](const TrainOptions& o) {
    return trainer.resume(run_path, make_env, env_config, o);
  });
}

}  // namespace phantom::mpi
