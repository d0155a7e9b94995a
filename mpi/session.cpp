// Session: MPI_Init_thread / MPI_Finalize for whoever did not start MPI themselves.
#include "mpi/session.hpp"

#include <mpi.h>

#include <string>

#include "mpi/error.hpp"

namespace phantom::mpi {

Session::Session(int* argc, char*** argv) {
  int running = 0;
  check_call(MPI_Initialized(&running), "MPI_Initialized", -1);
  int provided = MPI_THREAD_SINGLE;
  if (running) {
    check_call(MPI_Query_thread(&provided), "MPI_Query_thread", -1);
  } else {
    check_call(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread", -1);
    owns_ = true;
  }
  if (provided < MPI_THREAD_FUNNELED) {
    if (owns_) MPI_Finalize();  // no destructor runs after a constructor throws
    throw MpiError("MPI gives thread level " + std::to_string(provided) +
                   "; phantom's MPI layer needs MPI_THREAD_FUNNELED (" +
                   std::to_string(MPI_THREAD_FUNNELED) +
                   ") or more: other threads run envs while one thread calls MPI");
  }
}

Session::Session() : Session(nullptr, nullptr) {}

Session::~Session() {
  if (!owns_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

}  // namespace phantom::mpi
