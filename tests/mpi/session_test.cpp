// Session: whoever starts MPI finalises it. The suite's main started MPI, so a Session made in a
// test finds it running, leaves it alone, and leaves it running when destroyed.
#include "mpi/session.hpp"

#include <gtest/gtest.h>
#include <mpi.h>

namespace {

TEST(MpiSession, ASessionInsideARunningMpiLeavesItAlone) {
  {
    phantom::mpi::Session inner;
    EXPECT_FALSE(inner.owns()) << "MPI was started by main's Session, not this one";
  }
  int running = 0, finalized = 0;
  MPI_Initialized(&running);
  MPI_Finalized(&finalized);
  EXPECT_TRUE(running);
  EXPECT_FALSE(finalized) << "a Session that did not start MPI must not finalise it";
  int provided = 0;
  MPI_Query_thread(&provided);
  EXPECT_GE(provided, MPI_THREAD_FUNNELED);
}

}  // namespace
