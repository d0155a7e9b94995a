// Which rank of an MPI job holds which rollout worker of a training run.
//
// Workers are indexed (1..N, TrainOptions::num_workers), and everything a worker does depends on
// its index only: its seeds, its place in the concatenated batch, the order its statistics and
// filter deltas are merged in. Ranks only host them. Rank 0 is the driver: it holds the local
// worker (index 0), which learns. The rule:
//   - one rank: every worker lives on rank 0, in process (a LocalWorkerSet);
//   - R > 1 ranks: worker i lives on rank 1 + (i - 1) % (R - 1), round robin over ranks 1..R-1,
//     so rank r holds workers r, r + (R - 1), r + 2 (R - 1), ... and rank 0 none. With N < R - 1
//     the last ranks hold no worker and only wait for the end.
// Because results depend on the index and never on the rank, a run trains the same bits on any
// number of ranks, and a checkpoint saved on R ranks resumes on any other number.
#pragma once

#include <vector>

namespace phantom::mpi {

/// The rank holding rollout worker `worker_index` (>= 1) in a job of `ranks` ranks (>= 1): see
/// the top of this file. Throws phantom::ValueError for an index or a number of ranks below 1.
int rank_of_worker(int worker_index, int ranks);

/// The indices of the rollout workers among 1..num_workers that rank `rank` holds, ascending.
std::vector<int> workers_of_rank(int rank, int num_workers, int ranks);

}  // namespace phantom::mpi
