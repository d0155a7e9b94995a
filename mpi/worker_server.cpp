// serve_workers: the request loop of a worker rank (mpi/worker_server.hpp).
#include "mpi/worker_server.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mpi/error.hpp"
#include "mpi/message.hpp"
#include "mpi/polling.hpp"
#include "mpi/worker_placement.hpp"
#include "mpi/worker_protocol.hpp"
#include "nn/error.hpp"
#include "trainers/sampling/worker_messages.hpp"

namespace phantom::mpi {

namespace {

// One worker rank's workers and the first failure among them; build() once, then serve().
class WorkerServer {
 public:
  WorkerServer(const Communicator& comm, Trainer* trainer, EvaluationServer* evaluation)
      : comm_(comm), trainer_(trainer), evaluation_(evaluation) {}

  // Builds the workers; a failure is remembered and reported in place of workers_ready.
  void build(int num_workers, const RolloutWorkerFactory& make_worker) {
    const std::vector<int> mine = workers_of_rank(comm_.rank(), num_workers, comm_.size());
    int current = 0;
    try {
      for (int index : mine) {
        current = index;
        std::unique_ptr<RolloutWorker> w = make_worker(index);
        if (!w || w->worker_index() != index) {
          throw ConfigError("the worker factory gave " +
                            std::string(w ? "a worker of another index" : "null") +
                            " for rollout worker " + std::to_string(index));
        }
        workers_.push_back(std::move(w));
      }
    } catch (...) {
      fail(std::current_exception(), current);
    }
    if (failure_) {
      comm_.send(encode_message(MessageKind::worker_failure, 0, failure_body(*failure_)), 0,
                 kAnswerTag);
      return;
    }
    nn::StateDict ready;
    ready.set_int("rank", comm_.rank());
    ready.set_int64s("workers", std::vector<int64_t>(mine.begin(), mine.end()));
    comm_.send(encode_message(MessageKind::workers_ready, 0, ready), 0, kAnswerTag);
  }

  // Remembers `error` of worker `worker` (0: none in particular) as the rank's failure, with
  // where its env failed if it knows.
  void fail(const std::exception_ptr& error, int worker) {
    if (failure_) return;  // the first failure is the one reported
    failure_ = describe_failure(error, comm_.rank(), worker);
    if (worker > 0) {
      for (const auto& w : workers_) {
        if (w->worker_index() != worker) continue;
        if (std::optional<RolloutWorker::EnvFailure> env = w->env_failure()) {
          failure_->has_env = true;
          failure_->sub_env = env->vector_index;
          failure_->episode_seed = env->episode_seed;
          failure_->step = env->step;
        }
      }
    }
  }

  // Serves until finish (returns) or stop (throws RankFailure).
  void serve() {
    for (;;) {
      const Bytes bytes = recv_polling(comm_, 0, kRequestTag);
      Message request;
      try {
        request = decode_message(bytes.data(), bytes.size(),
                                 "rank 0's request to rank " + std::to_string(comm_.rank()));
      } catch (...) {
        fail(std::current_exception(), 0);
        continue;  // rank 0 learns of it with the next request that needs an answer
      }
      if (request.kind == MessageKind::finish || request.kind == MessageKind::stop) {
        comm_.send(encode_message(MessageKind::stopped, 0, {}), 0, kAnswerTag);
        if (request.kind == MessageKind::finish) return;
        throw RankFailure(static_cast<int>(request.body.get_int("rank")),
                          request.body.get_string("error"));
      }
      const bool answers = needs_answer(request.kind);
      nn::StateDict answer;
      if (!failure_) {
        int current = 0;  // the worker at work, for the failure's message
        try {
          handle(request, answer, current);
        } catch (...) {
          fail(std::current_exception(), current);
        }
      }
      if (!answers) continue;
      if (failure_) {
        comm_.send(
            encode_message(MessageKind::worker_failure, request.sequence, failure_body(*failure_)),
            0, kAnswerTag);
      } else {
        comm_.send(encode_message(request.kind, request.sequence, answer), 0, kAnswerTag);
      }
    }
  }

 private:
  static bool needs_answer(MessageKind kind) {
    return kind != MessageKind::set_weights && kind != MessageKind::set_filters &&
           kind != MessageKind::set_explore && kind != MessageKind::evaluation_begin &&
           kind != MessageKind::evaluation_rebuild;
  }

  std::string source(const char* what) const {
    return std::string("rank 0's ") + what + " for rank " + std::to_string(comm_.rank());
  }

  // Carries out one request on the workers in index order; `current` names the worker at work.
  void handle(const Message& request, nn::StateDict& answer, int& current) {
    const nn::StateDict& body = request.body;
    switch (request.kind) {
      case MessageKind::set_weights: {
        const std::string& bytes = body.get_string("weights");
        const WeightsMessage m = decode_weights(bytes.data(), bytes.size(), source("weights"));
        for (auto& w : workers_) {
          current = w->worker_index();
          w->set_weights(m.weights, m.vars);
        }
        return;
      }
      case MessageKind::sample: {
        const std::string& state = body.get_string("sampling_state");
        trainer_->load_sampling_state(
            nn::decode_state_dict(state.data(), state.size(), source("sampling state")));
        const int64_t count = body.get_int("count");
        for (auto& w : workers_) {
          current = w->worker_index();
          if (current > count) break;
          set_bytes(answer, worker_entry("batch", current), encode_batch(w->sample()));
        }
        return;
      }
      case MessageKind::collect_stats: {
        std::vector<IterationStats> parts;
        for (auto& w : workers_) {
          current = w->worker_index();
          parts.clear();
          w->collect_stats_parts(parts);
          const std::string p = worker_entry("stats", current);
          answer.set_int(p + ".parts", static_cast<int64_t>(parts.size()));
          for (std::size_t k = 0; k < parts.size(); ++k) {
            set_bytes(answer, p + "." + std::to_string(k), encode_metrics({parts[k], {}}));
          }
        }
        return;
      }
      case MessageKind::get_metrics: {
        for (auto& w : workers_) {
          current = w->worker_index();
          set_bytes(answer, worker_entry("records", current),
                    encode_metrics({IterationStats{}, w->get_metrics()}));
        }
        return;
      }
      case MessageKind::filter_deltas: {
        for (auto& w : workers_) {
          current = w->worker_index();
          set_bytes(answer, worker_entry("filters", current),
                    encode_filters(w->filters().snapshot(true)));
        }
        return;
      }
      case MessageKind::set_filters: {
        if (workers_.empty()) return;
        const std::string& bytes = body.get_string("filters");
        const FilterSnapshot merged = decode_filters(bytes.data(), bytes.size(), source("filters"),
                                                     workers_.front()->filters());
        for (auto& w : workers_) {
          current = w->worker_index();
          w->filters().sync(merged);
        }
        return;
      }
      case MessageKind::set_explore: {
        std::vector<std::string> ids;
        for (int64_t k = 0, n = body.get_count("policies", 1 << 20); k < n; ++k) {
          ids.push_back(body.get_string("policy." + std::to_string(k)));
        }
        const bool explore = body.get_int("explore") != 0;
        for (auto& w : workers_) {
          current = w->worker_index();
          set_worker_explore(*w, ids, explore);
        }
        return;
      }
      case MessageKind::save_workers: {
        const std::string& prefix = body.get_string("prefix");
        for (auto& w : workers_) {
          current = w->worker_index();
          nn::StateDict state;
          w->save(state, prefix + "." + std::to_string(current));
          set_bytes(answer, worker_entry("state", current), nn::encode_state_dict(state));
        }
        return;
      }
      case MessageKind::restore_workers: {
        const std::string& prefix = body.get_string("prefix");
        const std::string& bytes = body.get_string("checkpoint");
        const nn::StateDict checkpoint =
            nn::decode_state_dict(bytes.data(), bytes.size(), body.get_string("source"));
        for (auto& w : workers_) {
          current = w->worker_index();
          w->restore(checkpoint, prefix + "." + std::to_string(current));
        }
        return;
      }
      case MessageKind::evaluation_begin:
        evaluation().begin(body);
        return;
      case MessageKind::evaluation_sample:
        evaluation().sample(body, answer);
        return;
      case MessageKind::evaluation_rebuild:
        evaluation().rebuild(body);
        return;
      default:
        throw FormatError(source("request") + ": a " + kind_name(request.kind) +
                          " message, which rank 0 does not send to a worker rank");
    }
  }

  EvaluationServer& evaluation() const {
    if (!evaluation_) {
      throw FormatError(source("evaluation request") +
                        ": this rank holds no evaluation workers (does every rank run the same "
                        "program with the same options?)");
    }
    return *evaluation_;
  }

  const Communicator& comm_;
  Trainer* trainer_;              // null before the trainer could be set up (serve_failed)
  EvaluationServer* evaluation_;  // null: no evaluation workers on this rank
  std::vector<std::unique_ptr<RolloutWorker>> workers_;  // this rank's, ascending index
  std::optional<WorkerFailure> failure_;                 // the first failure, if any
};

}  // namespace

void serve_workers(const Communicator& comm, Trainer& trainer, int num_workers,
                   const RolloutWorkerFactory& make_worker, EvaluationServer* evaluation) {
  WorkerServer server(comm, &trainer, evaluation);
  server.build(num_workers, make_worker);
  server.serve();
}

void serve_failed(const Communicator& comm, const std::exception_ptr& error) {
  WorkerServer server(comm, nullptr, nullptr);
  server.fail(error, 0);
  server.build(0, nullptr);  // holds no worker: sends the failure in place of workers_ready
  server.serve();
}

}  // namespace phantom::mpi
