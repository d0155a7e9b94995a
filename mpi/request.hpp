// Request: one non-blocking send or receive under way, with the buffer MPI reads or fills.
//
// MPI's non-blocking calls (MPI_Issend, MPI_Irecv) return at once and use the caller's buffer
// until the operation completes; the buffer must neither move nor be freed before that. A
// Request owns the buffer next to the MPI_Request, so the two cannot part: start one with
// Communicator::issend or Communicator::irecv, then test() or wait() for it (or wait_any of
// several). A received message's bytes are then in data().
//
// A Request destroyed before it completed (only on an error path: the protocols of this layer
// complete every request) cancels it and lets MPI free it; its buffer is then deliberately never
// freed, since MPI may still touch it.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace phantom::mpi {

/// A non-blocking send or receive and its buffer (see the top of this file). Move-only.
class Request {
 public:
  /// A request that is already complete (nothing under way).
  Request() = default;
  ~Request();
  Request(Request&& other) noexcept;
  Request& operator=(Request&& other) noexcept;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  /// Whether the operation is still under way (not yet seen complete by test/wait).
  bool active() const { return request_ != MPI_REQUEST_NULL; }
  /// Completes the operation if it is done (MPI_Test); returns whether it is complete. Throws
  /// MpiError on failure (as do the calls below).
  bool test();
  /// Blocks until the operation completes (MPI_Wait).
  void wait();
  /// Blocks until one of `requests` completes (MPI_Waitany) and returns its index; inactive
  /// requests are skipped. Throws phantom::ValueError if none is active.
  static std::size_t wait_any(const std::vector<Request*>& requests);

  /// The buffer: the bytes sent, or, once a receive is complete, the bytes received (its size is
  /// the message's).
  const std::vector<uint8_t>& data() const { return buffer_; }

 private:
  friend class Communicator;
  // Takes the started request, its buffer and who started it (for messages).
  Request(MPI_Request request, std::vector<uint8_t> buffer, bool receive, int rank);
  // After completion: a receive's buffer shrinks to the size of the message that arrived.
  void completed(const MPI_Status& status);

  MPI_Request request_ = MPI_REQUEST_NULL;
  std::vector<uint8_t> buffer_;
  bool receive_ = false;
  int rank_ = -1;
};

}  // namespace phantom::mpi
