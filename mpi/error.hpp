// Errors of the MPI layer (phantom::mpi), and the one place where an MPI return code becomes an
// exception.
//
// MPI's default is to end the whole job on any error (MPI_ERRORS_ARE_FATAL). The communicators of
// this layer ask for error codes instead (MPI_ERRORS_RETURN), and every call goes through
// check_call, so a failing call is a C++ exception that names the call, the rank that made it and
// MPI's own description of the code. Both classes derive from phantom::Error, so a program
// catches everything phantom-cpp throws in one place.
#pragma once

#include <string>

#include "nn/error.hpp"

namespace phantom::mpi {

/// An MPI call failed. The message names the call (e.g. "MPI_Send"), the rank and MPI's reason.
class MpiError : public Error {
 public:
  using Error::Error;
};

/// A distributed run failed on some rank: a rollout threw there, or rank 0 stopped the run
/// because of such a failure. The message names the rank that failed and what it reported.
class RankFailure : public Error {
 public:
  RankFailure(int rank, const std::string& what) : Error(what), rank_(rank) {}
  /// The rank where the failure happened (not necessarily the rank that throws this).
  int rank() const { return rank_; }

 private:
  int rank_;
};

/// Throws MpiError unless `code` is MPI_SUCCESS: "<call> failed on rank <rank>: <MPI's text>"
/// (rank < 0: the rank is not known yet, e.g. while MPI starts).
void check_call(int code, const char* call, int rank);

}  // namespace phantom::mpi
