// Resolvers deliver the messages sent during a step.
//
// Network::send() pushes into the resolver's pending queue; the env then calls resolve(), which
// hands messages to their receivers' handlers. Messages sent while handling are delivered in
// the next round.
#pragma once

#include <optional>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/message.hpp"

namespace phantom {

class Network;
class ContextSet;

class Resolver {
 public:
  explicit Resolver(bool track_messages = false) : track_messages_(track_messages) {}
  virtual ~Resolver() = default;

  /// Queues a message (called by Network::send after its checks).
  void push(AgentIndex sender, AgentIndex receiver, TypeId type, const char* type_name,
            const void* payload, std::size_t size) {
    if (track_messages_) tracked_.push_bytes(sender, receiver, type, type_name, payload, size);
    pending_.push_bytes(sender, receiver, type, type_name, payload, size);
  }

  /// Delivers the pending messages to agents that have a context in `contexts`. `rng` is the
  /// env's generator (for resolvers that shuffle).
  virtual void resolve(Network& network, ContextSet& contexts, nn::Rng& rng) = 0;
  /// Drops pending messages (episode start). Tracked messages are kept.
  virtual void reset() { pending_.clear(); }

  const MessageQueue& pending() const { return pending_; }
  /// Every message pushed since construction or clear_tracked(), when tracking is on.
  const MessageQueue& tracked() const { return tracked_; }
  void clear_tracked() { tracked_.clear(); }

 protected:
  MessageQueue pending_;

 private:
  bool track_messages_;
  MessageQueue tracked_;
};

struct BatchResolverOptions {
  /// Maximum number of rounds; unlimited when empty. 0 delivers nothing.
  std::optional<int> round_limit;
  /// Shuffle each receiver's batch (with the env's generator) before delivering it.
  bool shuffle_batches = false;
  /// Keep a copy of every message (see Resolver::tracked()).
  bool track_messages = false;
};

/// Delivers messages in rounds. In each round every receiver, in the order it first received a
/// message, gets its messages in send order as one batch; replies go to the next round. Messages
/// to agents without a context (finished this episode) are dropped and counted.
class BatchResolver : public Resolver {
 public:
  explicit BatchResolver(BatchResolverOptions options = {});

  void resolve(Network& network, ContextSet& contexts, nn::Rng& rng) override;

  const BatchResolverOptions& options() const { return options_; }
  /// Messages dropped because their receiver had no context, over the resolver's lifetime.
  int64_t dropped_messages() const { return dropped_; }

 private:
  // Sorts round_'s messages into num_batches_ batches: receivers_[b] gets the messages
  // order_[batch_start_[b] .. batch_start_[b + 1]) (indices into round_).
  void group_by_receiver();

  BatchResolverOptions options_;
  MessageQueue round_;                  // the messages being delivered this round
  std::vector<int32_t> receiver_rank_;  // per agent: its rank among receivers_, -1 between rounds
  // Sized for the largest round so far; the first num_batches_ (+ 1) entries are this round's.
  std::vector<int32_t> receivers_;     // this round's receivers, in first-message order
  std::vector<uint32_t> batch_start_;  // offsets into order_
  std::vector<uint32_t> order_;        // message indices, grouped by receiver
  std::vector<uint32_t> next_;         // counting sort: next free slot of each batch
  uint32_t num_batches_ = 0;
  int64_t dropped_ = 0;
};

}  // namespace phantom
