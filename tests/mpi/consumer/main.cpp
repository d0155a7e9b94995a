// Uses the installed MPI layer: every rank encodes a message for rank 0, rank 0 gathers and
// decodes them and prints one line. Exits non-zero if anything disagrees.
#include <cstdio>
#include <string>

#include <mpi/communicator.hpp>
#include <mpi/message.hpp>
#include <mpi/session.hpp>
#include <phantom/version.hpp>

int main(int argc, char** argv) {
  phantom::mpi::Session session(&argc, &argv);
  phantom::mpi::Communicator comm;
  nn::StateDict body;
  body.set_int("rank", comm.rank());
  std::vector<std::vector<uint8_t>> all =
      comm.gather(phantom::mpi::encode_message(phantom::mpi::MessageKind::finish, 0, body), 0);
  if (comm.rank() != 0) return 0;
  for (std::size_t r = 0; r < all.size(); ++r) {
    phantom::mpi::Message m =
        phantom::mpi::decode_message(all[r].data(), all[r].size(), "rank " + std::to_string(r));
    if (m.body.get_int("rank") != static_cast<int64_t>(r)) {
      std::fprintf(stderr, "rank %zu sent rank %lld\n", r,
                   static_cast<long long>(m.body.get_int("rank")));
      return 1;
    }
  }
  std::printf("phantom %s, MPI layer on %d ranks\n", phantom::version_string, comm.size());
  return 0;
}
