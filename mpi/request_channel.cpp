// RequestChannel: rank 0's numbered requests and the answers it takes (mpi/request_channel.hpp).
#include "mpi/request_channel.hpp"

#include <optional>
#include <utility>

#include "mpi/polling.hpp"
#include "mpi/worker_protocol.hpp"
#include "nn/error.hpp"

namespace phantom::mpi {

std::vector<nn::StateDict> RequestChannel::take(
    const std::vector<int>& ranks,
    const std::function<void(const Message&, const std::string& source)>& accept) const {
  std::vector<Bytes> raw;
  for (int r : ranks) raw.push_back(recv_polling(comm_, r, kAnswerTag));
  std::vector<nn::StateDict> out(static_cast<std::size_t>(comm_.size()));
  std::optional<WorkerFailure> first;
  auto order = [](const WorkerFailure& f) {
    return std::make_pair(f.worker > 0 ? f.worker : 1 << 30, f.rank);
  };
  for (std::size_t k = 0; k < ranks.size(); ++k) {
    const int r = ranks[k];
    const std::string source = "the answer of rank " + std::to_string(r);
    Message m = decode_message(raw[k].data(), raw[k].size(), source);
    if (m.kind == MessageKind::worker_failure) {
      WorkerFailure f = read_failure(m.body);
      if (!first || order(f) < order(*first)) first = std::move(f);
      continue;
    }
    accept(m, source);
    out[static_cast<std::size_t>(r)] = std::move(m.body);
  }
  if (first) throw_failure(*first);
  return out;
}

std::vector<nn::StateDict> RequestChannel::ask(MessageKind kind, const nn::StateDict& body,
                                               const std::vector<int>& ranks) const {
  const uint64_t sequence = ++sequence_;
  const Bytes request = encode_message(kind, sequence, body);
  for (int r : ranks) comm_.send(request, r, kRequestTag);
  return take(ranks, [&](const Message& m, const std::string& source) {
    if (m.kind != kind || m.sequence != sequence) {
      throw FormatError(source + ": a " + kind_name(m.kind) + " answer to request " +
                        std::to_string(m.sequence) + ", expected the " + kind_name(kind) +
                        " answer to request " + std::to_string(sequence));
    }
  });
}

void RequestChannel::tell(MessageKind kind, const nn::StateDict& body,
                          const std::vector<int>& ranks) const {
  const Bytes request = encode_message(kind, ++sequence_, body);
  for (int r : ranks) comm_.send(request, r, kRequestTag);
}

}  // namespace phantom::mpi
