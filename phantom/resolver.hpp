// Resolvers deliver the messages sent during a step.
//
// Network::send() pushes into the resolver's pending queue; the env then calls resolve(), which
// hands messages to their receivers' handlers. Messages sent while handling are delivered in
// the next round.
#pragma once

#include <memory>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/message.hpp"

namespace phantom {

class Network;
class ContextSet;
class TelemetryLogger;

class Resolver {
 public:
  explicit Resolver(bool track_messages = false)
      : track_messages_(track_messages), observed_(track_messages) {}
  virtual ~Resolver() = default;

  /// Queues a message (called by Network::send after its checks).
  void push(AgentIndex sender, AgentIndex receiver, TypeId type, const char* type_name,
            const void* payload, std::size_t size) {
    // One test covers tracking and telemetry, so a send costs a single branch when both are off.
    if (observed_) observe_push(sender, receiver, type, type_name, payload, size);
    pending_.push_bytes(sender, receiver, type, type_name, payload, size);
  }

  /// Delivers the pending messages to agents that have a context in `contexts`. `rng` is the
  /// env's generator (for resolvers that shuffle).
  virtual void resolve(Network& network, ContextSet& contexts, nn::Rng& rng) = 0;
  /// Drops pending messages (episode start). Tracked messages are kept.
  virtual void reset() { pending_.clear(); }
  /// A new resolver of the same kind and options, with nothing queued or tracked (used by
  /// Network::subnet_for). Resolvers that do not override it return null, and subnet_for then
  /// throws ConfigError.
  virtual std::unique_ptr<Resolver> fresh_copy() const { return nullptr; }

  const MessageQueue& pending() const { return pending_; }
  /// Every message pushed since construction or clear_tracked(), when tracking is on.
  const MessageQueue& tracked() const { return tracked_; }
  void clear_tracked() { tracked_.clear(); }
  /// Turns tracking on or off (Python's enable_tracking; the rollout runner's record_messages).
  void set_track_messages(bool on) {
    track_messages_ = on;
    observed_ = track_messages_ || telemetry_ != nullptr;
  }
  bool track_messages() const { return track_messages_; }

  /// Where sends, deliveries and drops are reported (null: nowhere). Set by
  /// PhantomEnv::set_telemetry, which owns the logger. A custom resolver reports its own
  /// deliveries and drops through telemetry(); sends are reported here, in push().
  void set_telemetry(TelemetryLogger* logger) {
    telemetry_ = logger;
    observed_ = track_messages_ || logger != nullptr;
  }
  TelemetryLogger* telemetry() const { return telemetry_; }

 protected:
  MessageQueue pending_;
  TelemetryLogger* telemetry_ = nullptr;

 private:
  // Keeps the tracked copy and reports the send. Out of line: rarely on, and this header then
  // needs no telemetry include.
  void observe_push(AgentIndex sender, AgentIndex receiver, TypeId type, const char* type_name,
                    const void* payload, std::size_t size);
  bool track_messages_;
  bool observed_;  // track_messages_ || telemetry_
  MessageQueue tracked_;
};

struct BatchResolverOptions {
  /// The default round limit: far more rounds than any exchange of messages within one step
  /// needs, so reaching it means agents that keep replying to each other (which would otherwise
  /// never end the step).
  static constexpr int kDefaultRoundLimit = 10000;
  /// Maximum number of rounds of one resolve(); 0 means unlimited. Messages still queued after
  /// the last round are a ResolverError naming the agents still messaging.
  int round_limit = kDefaultRoundLimit;
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
  std::unique_ptr<Resolver> fresh_copy() const override {
    return std::make_unique<BatchResolver>(options_);
  }

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
