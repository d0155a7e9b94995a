// Communicator: a duplicated MPI communicator with error codes returned, and byte messages.
#include "mpi/communicator.hpp"

#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

#include "mpi/error.hpp"

namespace phantom::mpi {

namespace {

// Receives the message a matched probe found (recv and try_recv), into a buffer of its size.
Bytes receive_matched(MPI_Message& message, const MPI_Status& status, int rank) {
  int count = 0;
  check_call(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count", rank);
  Bytes data(static_cast<std::size_t>(count));
  check_call(MPI_Mrecv(data.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv",
             rank);
  return data;
}

}  // namespace

Communicator::Communicator() : Communicator(MPI_COMM_WORLD) {}

Communicator::Communicator(MPI_Comm comm) {
  int world_rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  check_call(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup", world_rank);
  check_call(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler",
             world_rank);
  check_call(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank", world_rank);
  check_call(MPI_Comm_size(comm_, &size_), "MPI_Comm_size", world_rank);
}

Communicator::~Communicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

int Communicator::count_of(std::size_t bytes, const char* call) const {
  if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw ValueError(std::string(call) + " on rank " + std::to_string(rank_) + ": a message of " +
                     std::to_string(bytes) + " bytes, expected at most 2^31 - 1 (MPI counts " +
                     "are ints); send fewer rollouts per message");
  }
  return static_cast<int>(bytes);
}

void Communicator::check_rank(int rank, const char* what) const {
  if (rank < 0 || rank >= size_) {
    throw ValueError(std::string(what) + " rank " + std::to_string(rank) + " on rank " +
                     std::to_string(rank_) + ": expected 0 .. " + std::to_string(size_ - 1));
  }
}

void Communicator::send(const Bytes& data, int dest, int tag) const {
  check_rank(dest, "send to");
  check_call(MPI_Send(data.data(), count_of(data.size(), "MPI_Send"), MPI_BYTE, dest, tag, comm_),
             "MPI_Send", rank_);
}

Bytes Communicator::recv(int source, int tag) const {
  check_rank(source, "recv from");
  MPI_Message message;
  MPI_Status status;
  check_call(MPI_Mprobe(source, tag, comm_, &message, &status), "MPI_Mprobe", rank_);
  return receive_matched(message, status, rank_);
}

std::optional<Bytes> Communicator::try_recv(int source, int tag) const {
  check_rank(source, "recv from");
  int found = 0;
  MPI_Message message;
  MPI_Status status;
  check_call(MPI_Improbe(source, tag, comm_, &found, &message, &status), "MPI_Improbe", rank_);
  if (!found) return std::nullopt;
  return receive_matched(message, status, rank_);
}

Request Communicator::issend(Bytes data, int dest, int tag) const {
  check_rank(dest, "issend to");
  MPI_Request request = MPI_REQUEST_NULL;
  check_call(MPI_Issend(data.data(), count_of(data.size(), "MPI_Issend"), MPI_BYTE, dest, tag,
                        comm_, &request),
             "MPI_Issend", rank_);
  // Moving the vector into the Request keeps its storage where MPI was told it is.
  return Request(request, std::move(data), /*receive=*/false, rank_);
}

Request Communicator::irecv(std::size_t capacity, int source, int tag) const {
  check_rank(source, "irecv from");
  Bytes buffer(capacity);
  MPI_Request request = MPI_REQUEST_NULL;
  check_call(MPI_Irecv(buffer.data(), count_of(capacity, "MPI_Irecv"), MPI_BYTE, source, tag, comm_,
                       &request),
             "MPI_Irecv", rank_);
  return Request(request, std::move(buffer), /*receive=*/true, rank_);
}

void Communicator::broadcast(Bytes& data, int root) const {
  check_rank(root, "broadcast from");
  uint64_t length = data.size();
  check_call(MPI_Bcast(&length, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast", rank_);
  data.resize(static_cast<std::size_t>(length));
  check_call(MPI_Bcast(data.data(), count_of(data.size(), "MPI_Bcast"), MPI_BYTE, root, comm_),
             "MPI_Bcast", rank_);
}

std::vector<Bytes> Communicator::gather(const Bytes& data, int root) const {
  check_rank(root, "gather to");
  const int mine = count_of(data.size(), "MPI_Gather");
  std::vector<int> counts(rank_ == root ? static_cast<std::size_t>(size_) : 0);
  check_call(MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm_), "MPI_Gather",
             rank_);
  std::vector<int> offsets(counts.size());
  std::size_t total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    offsets[r] = count_of(total, "MPI_Gatherv");
    total += static_cast<std::size_t>(counts[r]);
  }
  Bytes all(total);
  check_call(MPI_Gatherv(data.data(), mine, MPI_BYTE, all.data(), counts.data(), offsets.data(),
                         MPI_BYTE, root, comm_),
             "MPI_Gatherv", rank_);
  std::vector<Bytes> out;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    auto begin = all.begin() + offsets[r];
    out.emplace_back(begin, begin + counts[r]);
  }
  return out;
}

void Communicator::barrier() const {
  check_call(MPI_Barrier(comm_), "MPI_Barrier", rank_);
}

void Communicator::abort(int code) const {
  MPI_Abort(comm_, code);
  std::abort();  // MPI_Abort does not return; this tells the compiler so
}

}  // namespace phantom::mpi
