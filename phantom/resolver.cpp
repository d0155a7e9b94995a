// BatchResolver: round-based delivery, receivers in first-message order.
#include "phantom/resolver.hpp"

#include "phantom/error.hpp"
#include "phantom/network.hpp"
#include "phantom/telemetry.hpp"

namespace phantom {

BatchResolver::BatchResolver(BatchResolverOptions options)
    : Resolver(options.track_messages), options_(options) {
  if (options.round_limit && *options.round_limit < 0) {
    throw ConfigError("BatchResolver: round_limit must be >= 0, got " +
                      std::to_string(*options.round_limit));
  }
}

void BatchResolver::resolve(Network& network, ContextSet& contexts, nn::Rng& rng) {
  auto num_agents = static_cast<std::size_t>(network.size());
  // Ranks are put back to -1 after every round, so the table only needs (re)filling on resize.
  if (receiver_rank_.size() != num_agents) receiver_rank_.assign(num_agents, -1);
  // A local, so testing it is not a reload after every (virtual) handle_batch call.
  TelemetryLogger* const telemetry = telemetry_;
  for (int round = 0; !pending_.empty(); ++round) {
    if (options_.round_limit && round >= *options_.round_limit) {
      std::size_t left = pending_.size();
      pending_.clear();  // the next step starts clean (Python leaves the queue full)
      throw ResolverError(std::to_string(left) + " message(s) still queued after the " +
                          "BatchResolver's round limit of " +
                          std::to_string(*options_.round_limit) + " round(s)");
    }
    if (telemetry) telemetry->on_resolver_round(round, options_.round_limit);
    // Take this round's messages; replies sent while handling them go to pending_.
    round_.swap(pending_);
    pending_.clear();

    // Order receivers by their first message, and each receiver's messages by send order: a
    // counting sort on the receiver's rank.
    const auto& headers = round_.headers();
    receivers_.clear();
    for (const MessageHeader& h : headers) {
      auto r = static_cast<std::size_t>(h.receiver);
      if (receiver_rank_[r] < 0) {
        receiver_rank_[r] = static_cast<int32_t>(receivers_.size());
        receivers_.push_back(h.receiver);
      }
    }
    counts_.assign(receivers_.size(), 0);
    for (const MessageHeader& h : headers)
      ++counts_[static_cast<std::size_t>(receiver_rank_[static_cast<std::size_t>(h.receiver)])];
    starts_.assign(receivers_.size() + 1, 0);
    for (std::size_t i = 0; i < receivers_.size(); ++i) starts_[i + 1] = starts_[i] + counts_[i];
    order_.resize(headers.size());
    counts_.assign(receivers_.size(), 0);
    for (uint32_t m = 0; m < headers.size(); ++m) {
      auto rank =
          static_cast<std::size_t>(receiver_rank_[static_cast<std::size_t>(headers[m].receiver)]);
      order_[starts_[rank] + counts_[rank]++] = m;
    }
    for (AgentIndex r : receivers_) receiver_rank_[static_cast<std::size_t>(r)] = -1;

    for (std::size_t rank = 0; rank < receivers_.size(); ++rank) {
      AgentIndex receiver = receivers_[rank];
      uint32_t* batch = order_.data() + starts_[rank];
      std::size_t count = starts_[rank + 1] - starts_[rank];
      Context* ctx = contexts.find(receiver);
      if (ctx == nullptr) {
        dropped_ += static_cast<int64_t>(count);
        if (telemetry)
          telemetry->on_messages(MessageEvent::dropped_receiver_done, round_, batch, count);
        continue;
      }
      // With ignored connection errors, messages along missing edges are dropped here.
      if (network.options().ignore_connection_errors) {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < count; ++i) {
          const MessageHeader& h = headers[batch[i]];
          if (network.has_edge(h.sender, h.receiver)) {
            batch[kept++] = batch[i];
          } else if (telemetry) {
            telemetry->on_message(MessageEvent::dropped_no_connection, h, round_.payload(h));
          }
        }
        dropped_ += static_cast<int64_t>(count - kept);
        count = kept;
      }
      if (count == 0) continue;  // no empty batches (Python delivers them)
      if (options_.shuffle_batches) rng.shuffle(batch, batch + count);
      if (telemetry) telemetry->on_messages(MessageEvent::received, round_, batch, count);
      ctx->agent().handle_batch(*ctx, MessageBatch(round_, batch, count));
    }
    round_.clear();
  }
}

void Resolver::observe_push(AgentIndex sender, AgentIndex receiver, TypeId type,
                            const char* type_name, const void* payload, std::size_t size) {
  if (track_messages_) tracked_.push_bytes(sender, receiver, type, type_name, payload, size);
  if (telemetry_) {
    MessageHeader header{sender, receiver, type, type_name, 0, static_cast<uint32_t>(size)};
    telemetry_->on_message(MessageEvent::sent, header, payload);
  }
}

}  // namespace phantom
