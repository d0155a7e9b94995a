// The MPI suite's main: MPI runs for the whole program, every rank runs every test, and the
// job's exit code says whether any rank saw a failure.
//
// Rank 0 prints GoogleTest's usual output; the other ranks print only their failures, each line
// marked with the rank, so that a failure on rank 2 is not lost and the log stays readable.
// The tests are collective (every rank runs the same ones in the same order); an exception that
// escapes would leave the other ranks waiting in the next test, so main ends the job instead.
#include <gtest/gtest.h>

#include <cstdio>
#include <exception>

#include "mpi/communicator.hpp"
#include "mpi/session.hpp"

namespace {

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.message());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  phantom::mpi::Session session(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  phantom::mpi::Communicator world;
  if (world.rank() != 0) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(world.rank()));
  }
  int failed = 0;
  try {
    failed = RUN_ALL_TESTS();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[rank %d] uncaught exception: %s\n", world.rank(), e.what());
    world.abort(2);
  }
  return failed;
}
