// Communicator: the ranks of an MPI job and byte messages between them, over MPI's C API.
//
//   phantom::mpi::Session session(&argc, &argv);
//   phantom::mpi::Communicator comm;                      // every rank of the job
//   if (comm.rank() == 0) comm.send(bytes, 1, /*tag=*/7);
//   if (comm.rank() == 1) std::vector<uint8_t> got = comm.recv(0, 7);
//
// A Communicator is a private copy of an MPI communicator (MPI_Comm_dup of MPI_COMM_WORLD by
// default), made when it is constructed and freed when it is destroyed: its messages can never be
// confused with the program's own, or another library's, whatever tags either uses. Making and
// destroying one is collective (every rank of the copied communicator does it, in the same
// order). Errors of MPI calls on it are returned rather than fatal (MPI_ERRORS_RETURN) and
// thrown as MpiError naming the call and the rank (mpi/error.hpp).
//
// Messages are byte buffers of any length up to 2^31 - 1 bytes (MPI counts are ints); their
// meaning is the caller's (mpi/message.hpp is this layer's encoding). Every point-to-point call
// names its tag, and a receive takes the first message from that source with that tag: MPI
// delivers the messages of one sender and tag in the order they were sent.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "mpi/request.hpp"

namespace phantom::mpi {

/// A message's bytes.
using Bytes = std::vector<uint8_t>;

/// A private copy of an MPI communicator (see the top of this file). Not copyable or movable
/// (freeing it is collective, so it has one owner).
class Communicator {
 public:
  /// A copy of MPI_COMM_WORLD. MPI must be running (mpi/session.hpp).
  Communicator();
  /// A copy of `comm` (e.g. a sub-communicator the program made with MPI_Comm_split).
  explicit Communicator(MPI_Comm comm);
  /// Frees the copy (MPI_Comm_free), unless MPI is already finalised.
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  /// This process's rank, 0 .. size() - 1.
  int rank() const { return rank_; }
  /// The number of ranks.
  int size() const { return size_; }
  /// The MPI handle, for calls this class does not wrap.
  MPI_Comm native() const { return comm_; }

  /// Sends `data` to rank `dest` with `tag` (MPI_Send: returns once the buffer may be reused,
  /// which for a large message can be when the receiver takes it).
  void send(const Bytes& data, int dest, int tag) const;
  /// Receives the next message from rank `source` with `tag`, whatever its length (MPI_Mprobe,
  /// then MPI_Mrecv of exactly that message).
  Bytes recv(int source, int tag) const;
  /// As recv if such a message has arrived (MPI_Improbe); nullopt at once otherwise.
  std::optional<Bytes> try_recv(int source, int tag) const;
  /// Starts a synchronous send (MPI_Issend): the request completes only once `dest` has started
  /// to receive the message, so a sender that waits for its requests is never more messages
  /// ahead of the receiver than it has requests.
  Request issend(Bytes data, int dest, int tag) const;
  /// Starts a receive of a message from `source` with `tag` of at most `capacity` bytes
  /// (MPI_Irecv; a longer message is an MpiError when the request completes).
  Request irecv(std::size_t capacity, int source, int tag) const;

  /// Rank `root`'s `data` on every rank (MPI_Bcast of the length, then of the bytes). Collective.
  void broadcast(Bytes& data, int root) const;
  /// Every rank's `data`, in rank order, on rank `root` (MPI_Gather of the lengths, then
  /// MPI_Gatherv); an empty list on the other ranks. Collective.
  std::vector<Bytes> gather(const Bytes& data, int root) const;
  /// Blocks until every rank has called it (MPI_Barrier). Collective.
  void barrier() const;

  /// Ends every process of the job with exit code `code` (MPI_Abort): for an error that the
  /// other ranks cannot learn about, which would otherwise leave them waiting for ever.
  [[noreturn]] void abort(int code) const;

 private:
  // The MPI count of a buffer; ValueError naming `call` if it does not fit an int.
  int count_of(std::size_t bytes, const char* call) const;
  void check_rank(int rank, const char* what) const;

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = -1;
  int size_ = 0;
};

}  // namespace phantom::mpi
