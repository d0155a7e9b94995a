// Waiting for another rank without spinning.
//
// MPI's blocking calls wait in a busy loop, which on cores shared with other work (other jobs,
// more ranks than cores under --oversubscribe, or ranks of one session, which Linux schedules as
// one group) takes the CPU from the very rank being waited for. The waits of this layer poll
// instead (MPI_Test, MPI_Improbe) and sleep between polls, for a pause that doubles from 10 us
// to 200 us: short beside the work a rank is waited for (a message of rollouts, a batch, an
// update), and long enough that a waiting rank costs next to no CPU.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

#include "mpi/communicator.hpp"

namespace phantom::mpi {

/// Calls `ready()` until it returns true, sleeping between calls (see the top of this file).
template <class Ready>
void wait_until(Ready&& ready) {
  std::chrono::microseconds pause(10);
  while (!ready()) {
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(200));
  }
}

/// Communicator::recv, waiting as wait_until does.
Bytes recv_polling(const Communicator& comm, int source, int tag);

}  // namespace phantom::mpi
