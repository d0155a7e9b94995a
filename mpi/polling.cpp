// recv_polling: a receive that sleeps while it waits (mpi/polling.hpp).
#include "mpi/polling.hpp"

#include <optional>

namespace phantom::mpi {

Bytes recv_polling(const Communicator& comm, int source, int tag) {
  std::optional<Bytes> bytes;
  wait_until([&] { return bool(bytes = comm.try_recv(source, tag)); });
  return std::move(*bytes);
}

}  // namespace phantom::mpi
