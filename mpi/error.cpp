// check_call: MPI error codes as exceptions (mpi/error.hpp).
#include "mpi/error.hpp"

#include <mpi.h>

namespace phantom::mpi {

void check_call(int code, const char* call, int rank) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  std::string reason = "MPI error code " + std::to_string(code);
  if (MPI_Error_string(code, text, &length) == MPI_SUCCESS) reason.assign(text, length);
  const std::string where = rank < 0 ? "on this process" : "on rank " + std::to_string(rank);
  throw MpiError(std::string(call) + " failed " + where + ": " + reason);
}

}  // namespace phantom::mpi
