// Request: test, wait and wait_any on a non-blocking operation that owns its buffer.
#include "mpi/request.hpp"

#include <string>
#include <utility>

#include "mpi/error.hpp"

namespace phantom::mpi {

Request::Request(MPI_Request request, std::vector<uint8_t> buffer, bool receive, int rank)
    : request_(request), buffer_(std::move(buffer)), receive_(receive), rank_(rank) {}

Request::~Request() {
  if (request_ == MPI_REQUEST_NULL) return;
  // Only on an error path. MPI may still read or write the buffer, so it is released without
  // being freed (a deliberate leak), after asking MPI to cancel and forget the operation.
  MPI_Cancel(&request_);
  MPI_Request_free(&request_);
  new std::vector<uint8_t>(std::move(buffer_));
}

Request::Request(Request&& other) noexcept
    : request_(std::exchange(other.request_, MPI_REQUEST_NULL)),
      buffer_(std::move(other.buffer_)),
      receive_(other.receive_),
      rank_(other.rank_) {}

Request& Request::operator=(Request&& other) noexcept {
  if (this != &other) {
    Request old(std::move(*this));  // an active old request goes the destructor's way
    request_ = std::exchange(other.request_, MPI_REQUEST_NULL);
    buffer_ = std::move(other.buffer_);
    receive_ = other.receive_;
    rank_ = other.rank_;
  }
  return *this;
}

void Request::completed(const MPI_Status& status) {
  if (!receive_) return;
  int count = 0;
  check_call(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count", rank_);
  buffer_.resize(static_cast<std::size_t>(count));
}

bool Request::test() {
  if (request_ == MPI_REQUEST_NULL) return true;
  int done = 0;
  MPI_Status status;
  check_call(MPI_Test(&request_, &done, &status), "MPI_Test", rank_);
  if (done) completed(status);
  return done != 0;
}

void Request::wait() {
  if (request_ == MPI_REQUEST_NULL) return;
  MPI_Status status;
  check_call(MPI_Wait(&request_, &status), "MPI_Wait", rank_);
  completed(status);
}

std::size_t Request::wait_any(const std::vector<Request*>& requests) {
  std::vector<MPI_Request> handles;
  int rank = -1;
  for (const Request* r : requests) {
    handles.push_back(r->request_);
    if (r->active()) rank = r->rank_;
  }
  if (rank < 0) {
    throw ValueError("Request::wait_any: none of the " + std::to_string(requests.size()) +
                     " requests is under way");
  }
  int index = MPI_UNDEFINED;
  MPI_Status status;
  check_call(MPI_Waitany(static_cast<int>(handles.size()), handles.data(), &index, &status),
             "MPI_Waitany", rank);
  if (index == MPI_UNDEFINED) {
    throw ValueError("Request::wait_any: none of the requests is under way");
  }
  Request& done = *requests[static_cast<std::size_t>(index)];
  done.request_ = handles[static_cast<std::size_t>(index)];  // MPI_REQUEST_NULL now
  done.completed(status);
  return static_cast<std::size_t>(index);
}

}  // namespace phantom::mpi
