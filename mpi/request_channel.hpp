// RequestChannel: rank 0's side of the request/answer exchange of training over ranks
// (mpi/worker_protocol.hpp), shared by everything rank 0 asks of the worker ranks: the rollout
// workers (MpiWorkerSet) and the evaluation workers (MpiEvaluationWorkers).
//
// Rank 0 numbers its requests with one counter, so every answer can be checked to be the one
// asked for, and it asks one thing at a time: it sends a request to some ranks, then takes one
// answer from each of them (all of them, whatever they say, so that no rank is left waiting to
// send), and only then raises the failure of the lowest worker index among them, if any.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mpi/communicator.hpp"
#include "mpi/message.hpp"
#include "nn/serialize.hpp"

namespace phantom::mpi {

/// Rank 0's requests to the worker ranks (see the top of this file). `comm` must outlive it.
class RequestChannel {
 public:
  explicit RequestChannel(const Communicator& comm) : comm_(comm) {}

  const Communicator& comm() const { return comm_; }

  /// Sends request `kind` with `body` to each rank of `ranks`, takes their answers, checks
  /// each is the answer to it (FormatError otherwise), then raises the failure of the lowest
  /// worker index if any (throw_failure). Returns the answers' bodies by rank.
  std::vector<nn::StateDict> ask(MessageKind kind, const nn::StateDict& body,
                                 const std::vector<int>& ranks) const;
  /// Sends `kind` with `body` to each rank of `ranks`; no answer.
  void tell(MessageKind kind, const nn::StateDict& body, const std::vector<int>& ranks) const;
  /// Takes one message from each rank of `ranks` (unasked ones, e.g. workers_ready), checks
  /// each with `accept` (message, its source for errors), then raises the failure of the lowest
  /// worker index if any. Returns the bodies by rank.
  std::vector<nn::StateDict> take(
      const std::vector<int>& ranks,
      const std::function<void(const Message&, const std::string& source)>& accept) const;

 private:
  const Communicator& comm_;
  mutable uint64_t sequence_ = 0;  // the number of the last request
};

}  // namespace phantom::mpi
