// rank_of_worker / workers_of_rank: round robin of worker indices over ranks 1..R-1.
#include "mpi/worker_placement.hpp"

#include <string>

#include "nn/error.hpp"

namespace phantom::mpi {

int rank_of_worker(int worker_index, int ranks) {
  if (worker_index < 1 || ranks < 1) {
    throw ValueError("rank_of_worker: worker index " + std::to_string(worker_index) + " of " +
                     std::to_string(ranks) + " ranks, expected both >= 1");
  }
  return ranks == 1 ? 0 : 1 + (worker_index - 1) % (ranks - 1);
}

std::vector<int> workers_of_rank(int rank, int num_workers, int ranks) {
  std::vector<int> out;
  for (int i = 1; i <= num_workers; ++i) {
    if (rank_of_worker(i, ranks) == rank) out.push_back(i);
  }
  return out;
}

}  // namespace phantom::mpi
