// encode_message / decode_message: the header of mpi/message.hpp around a state dict.
#include "mpi/message.hpp"

#include <cstring>

#include "nn/error.hpp"

namespace phantom::mpi {

namespace {

constexpr char kMagic[8] = {'P', 'H', 'N', 'T', 'M', 'P', 'I', '\0'};

void put_u32(uint8_t* at, uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_u64(uint8_t* at, uint64_t v) {
  for (int i = 0; i < 8; ++i) at[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get_u32(const uint8_t* at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(at[i]) << (8 * i);
  return v;
}
uint64_t get_u64(const uint8_t* at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(at[i]) << (8 * i);
  return v;
}

bool known(uint32_t kind) {
  return kind >= static_cast<uint32_t>(MessageKind::rollouts) &&
         kind <= static_cast<uint32_t>(kLastMessageKind);
}

}  // namespace

std::string kind_name(MessageKind kind) {
  switch (kind) {
    case MessageKind::rollouts:
      return "rollouts";
    case MessageKind::failure:
      return "failure";
    case MessageKind::finish:
      return "finish";
    case MessageKind::stop:
      return "stop";
    case MessageKind::stopped:
      return "stopped";
    case MessageKind::workers_ready:
      return "workers_ready";
    case MessageKind::set_weights:
      return "set_weights";
    case MessageKind::sample:
      return "sample";
    case MessageKind::collect_stats:
      return "collect_stats";
    case MessageKind::get_metrics:
      return "get_metrics";
    case MessageKind::filter_deltas:
      return "filter_deltas";
    case MessageKind::set_filters:
      return "set_filters";
    case MessageKind::set_explore:
      return "set_explore";
    case MessageKind::save_workers:
      return "save_workers";
    case MessageKind::restore_workers:
      return "restore_workers";
    case MessageKind::worker_failure:
      return "worker_failure";
    case MessageKind::evaluation_begin:
      return "evaluation_begin";
    case MessageKind::evaluation_sample:
      return "evaluation_sample";
    case MessageKind::evaluation_rebuild:
      return "evaluation_rebuild";
  }
  return "kind " + std::to_string(static_cast<uint32_t>(kind));
}

std::vector<uint8_t> encode_message(MessageKind kind, uint64_t sequence,
                                    const nn::StateDict& body) {
  std::vector<uint8_t> encoded_body = nn::encode_state_dict(body);
  std::vector<uint8_t> out(kMessageHeaderBytes + encoded_body.size());
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  put_u32(out.data() + 8, kMessageVersion);
  put_u32(out.data() + 12, static_cast<uint32_t>(kind));
  put_u64(out.data() + 16, sequence);
  put_u64(out.data() + 24, encoded_body.size());
  std::memcpy(out.data() + kMessageHeaderBytes, encoded_body.data(), encoded_body.size());
  return out;
}

Message decode_message(const void* data, std::size_t size, const std::string& source) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  if (size < kMessageHeaderBytes) {
    throw FormatError(source + ": " + std::to_string(size) + " bytes, expected a message of at " +
                      "least " + std::to_string(kMessageHeaderBytes) + " (its header)");
  }
  if (std::memcmp(bytes, kMagic, sizeof kMagic) != 0) {
    throw FormatError(source + ": not a phantom MPI message (its first 8 bytes are not the magic " +
                      "\"PHNTMPI\")");
  }
  const uint32_t version = get_u32(bytes + 8);
  if (version != kMessageVersion) {
    throw FormatError(source + ": message version " + std::to_string(version) + ", expected " +
                      std::to_string(kMessageVersion) + " (do all ranks run the same build?)");
  }
  const uint32_t kind = get_u32(bytes + 12);
  if (!known(kind)) {
    throw FormatError(source + ": unknown message kind " + std::to_string(kind) +
                      ", expected 1 .. " + std::to_string(static_cast<uint32_t>(kLastMessageKind)));
  }
  const uint64_t length = get_u64(bytes + 24);
  if (length != size - kMessageHeaderBytes) {
    throw FormatError(source + ": the header announces a body of " + std::to_string(length) +
                      " bytes, but " + std::to_string(size - kMessageHeaderBytes) + " follow");
  }
  Message out;
  out.kind = static_cast<MessageKind>(kind);
  out.sequence = get_u64(bytes + 16);
  out.body = nn::decode_state_dict(bytes + kMessageHeaderBytes, length, source);
  return out;
}

}  // namespace phantom::mpi
