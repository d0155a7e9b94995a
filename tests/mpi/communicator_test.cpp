// Communicator and Request on the job's ranks: rank and size, point-to-point messages in order,
// any length, broadcast, gather, synchronous sends, and MPI errors as exceptions that name the
// call and the rank.
#include "mpi/communicator.hpp"

#include <gtest/gtest.h>

#include "mpi/error.hpp"
#include "nn/error.hpp"
#include "support/error_message.hpp"

namespace {

using phantom::mpi::Bytes;
using phantom::mpi::Communicator;

Bytes bytes_of(const std::string& s) {
  return Bytes(s.begin(), s.end());
}
std::string text_of(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

TEST(MpiCommunicator, RankAndSizeMatchTheWorld) {
  Communicator comm;
  int world_rank = -1, world_size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  EXPECT_EQ(comm.rank(), world_rank);
  EXPECT_EQ(comm.size(), world_size);
  EXPECT_NE(comm.native(), MPI_COMM_WORLD) << "a private copy, not the world itself";
}

// Around a ring: each rank sends to the next and receives from the one before, several messages
// of different lengths (empty, and larger than an eager buffer), which arrive in order.
TEST(MpiCommunicator, MessagesArriveWholeAndInOrder) {
  Communicator comm;
  const int next = (comm.rank() + 1) % comm.size();
  const int previous = (comm.rank() + comm.size() - 1) % comm.size();
  std::vector<phantom::mpi::Request> sends;
  const std::vector<std::size_t> lengths = {0, 5, 1 << 20};
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    Bytes data(lengths[k], static_cast<uint8_t>(comm.rank() * 10 + static_cast<int>(k)));
    sends.push_back(comm.issend(std::move(data), next, 3));
  }
  for (std::size_t k = 0; k < lengths.size(); ++k) {
    Bytes got = comm.recv(previous, 3);
    ASSERT_EQ(got.size(), lengths[k]) << "message " << k << " from rank " << previous;
    if (!got.empty()) {
      EXPECT_EQ(got[0], previous * 10 + static_cast<int>(k));
    }
  }
  for (auto& s : sends) s.wait();
  EXPECT_FALSE(comm.try_recv(previous, 3)) << "no message left";
}

TEST(MpiCommunicator, BroadcastAndGather) {
  Communicator comm;
  Bytes data = comm.rank() == 0 ? bytes_of("from the root") : bytes_of("ignored, replaced");
  comm.broadcast(data, 0);
  EXPECT_EQ(text_of(data), "from the root");
  std::vector<Bytes> all = comm.gather(bytes_of(std::string(comm.rank(), 'x')), 0);
  if (comm.rank() == 0) {
    ASSERT_EQ(all.size(), static_cast<std::size_t>(comm.size()));
    for (int r = 0; r < comm.size(); ++r) EXPECT_EQ(text_of(all[r]), std::string(r, 'x'));
  } else {
    EXPECT_TRUE(all.empty());
  }
}

TEST(MpiCommunicator, ReceiveRequestsAndWaitAny) {
  Communicator comm;
  if (comm.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  if (comm.rank() == 1) comm.send(bytes_of("hello"), 0, 5);
  if (comm.rank() == 0) {
    phantom::mpi::Request never = comm.irecv(16, 0, 6);  // from itself: not sent yet
    phantom::mpi::Request hello = comm.irecv(16, 1, 5);
    EXPECT_EQ(phantom::mpi::Request::wait_any({&never, &hello}), 1u);
    EXPECT_EQ(text_of(hello.data()), "hello");
    EXPECT_TRUE(never.active());
    comm.send(bytes_of("done"), 0, 6);  // to itself, into the receive posted above
    never.wait();
    EXPECT_EQ(text_of(never.data()), "done");
  }
}

TEST(MpiCommunicator, ErrorsNameTheCallAndTheRank) {
  Communicator comm;
  std::string m = test_support::message_of<phantom::mpi::MpiError>(
      [&] { comm.send(bytes_of("x"), 0, -5); });  // a negative tag is invalid
  EXPECT_HAS(m, "MPI_Send failed on rank " + std::to_string(comm.rank()));
  m = test_support::message_of<phantom::ValueError>([&] { comm.recv(comm.size(), 1); });
  EXPECT_HAS(m, "recv from rank " + std::to_string(comm.size()));
  EXPECT_HAS(m, "expected 0 .. " + std::to_string(comm.size() - 1));
}

}  // namespace
