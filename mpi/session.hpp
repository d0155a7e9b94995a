// Session: the lifetime of MPI in a program, as a guard object.
//
//   int main(int argc, char** argv) {
//     phantom::mpi::Session session(&argc, &argv);   // MPI_Init_thread
//     phantom::mpi::Communicator comm;               // rank(), size(), send, recv...
//     ...
//   }                                                // MPI_Finalize
//
// MPI may be started once per process and must be finalised before the process ends. The rule
// of this layer: whoever starts MPI finalises it. A Session started MPI only if MPI was not
// running yet; then its destructor finalises it. If the program (or another library) called
// MPI_Init itself, the Session does nothing, and the caller keeps the duty to finalise.
//
// Threads. The rollout runner steps envs on worker threads, but only the thread that made the
// Session calls MPI (MPI_THREAD_FUNNELED); the Session throws if MPI cannot promise that much.
//
// Finalising is collective: every rank must get there. A rank that leaves main on an error the
// others do not know about would leave them waiting; such a program should end the job with
// Communicator::abort instead (the drivers of tests/mpi and bench/ do).
#pragma once

namespace phantom::mpi {

/// Starts MPI for the life of the object, unless it runs already (see the top of this file).
class Session {
 public:
  /// MPI_Init_thread with MPI_THREAD_FUNNELED, passing the program's arguments to MPI (either
  /// may be null). Throws MpiError if MPI fails to start or cannot give that thread level.
  Session(int* argc, char*** argv);
  /// As Session(nullptr, nullptr).
  Session();
  /// MPI_Finalize if this session started MPI and MPI is not finalised yet.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Whether this session started MPI (and so will finalise it).
  bool owns() const { return owns_; }

 private:
  bool owns_ = false;
};

}  // namespace phantom::mpi
