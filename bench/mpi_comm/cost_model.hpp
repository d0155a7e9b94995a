// The cost model of mpi_comm: a message of b bytes takes alpha + beta * b, and a training
// iteration's communication over R ranks is built from such messages.
//
// alpha is what any message costs (the MPI calls, the handshake, the first cache misses), beta
// the cost of each further byte (a copy through shared memory between ranks of one machine, the
// network's bandwidth between machines). Both are fitted to measured times of a sweep of message
// sizes; the fit minimises the relative error, so that the small messages (which fix alpha)
// weigh as much as the large ones (which fix beta).
//
// An iteration with R ranks (rank 0 the driver, R - 1 rollout workers) is then modelled as
//   broadcast of B bytes       ceil(log2 R) steps of one message each: a binomial tree, where
//                              every rank that has the data sends it on
//   gather of B bytes a worker (R - 1) messages into rank 0: its link and its copies are shared
//   decoding at rank 0         (R - 1) times one worker's messages, one after the other
// while each worker samples its fragment in parallel, in a time that does not depend on R. The
// driver is the bottleneck from the R at which the part that grows with R (gathering and
// decoding) exceeds the sampling time.
#pragma once

#include <vector>

namespace mpi_comm {

/// A message's cost, alpha + beta * bytes (microseconds; microseconds per byte).
struct LinearCost {
  double alpha_us = 0.0;
  double beta_us_per_byte = 0.0;
  /// The modelled time of one message of `bytes` bytes, microseconds.
  double at(double bytes) const { return alpha_us + beta_us_per_byte * bytes; }
};

/// The least-relative-error fit of alpha + beta * bytes to `times_us` measured at `bytes`
/// (same length, at least two distinct sizes, every time > 0). Throws phantom::ValueError
/// otherwise.
LinearCost fit_linear_cost(const std::vector<double>& bytes, const std::vector<double>& times_us);

/// The steps of a binomial-tree broadcast over `ranks` ranks: ceil(log2 ranks), 0 for one rank.
int broadcast_steps(int ranks);

}  // namespace mpi_comm
