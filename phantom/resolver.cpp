// BatchResolver: round-based delivery, receivers in first-message order.
#include "phantom/resolver.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "phantom/error.hpp"
#include "phantom/network.hpp"
#include "phantom/telemetry.hpp"

namespace phantom {

BatchResolver::BatchResolver(BatchResolverOptions options)
    : Resolver(options.track_messages), options_(options) {
  if (options.round_limit < 0) {
    throw ConfigError("BatchResolver: round_limit must be >= 0 (0: unlimited), got " +
                      std::to_string(options.round_limit));
  }
}

namespace {

// The most sender -> receiver pairs a round-limit message lists.
constexpr std::size_t kMaxListedPairs = 10;

// "'A' -> 'B' (3), 'B' -> 'A' (1)": the distinct sender -> receiver pairs of the queued
// messages with their counts, in first-message order, for the round-limit error.
std::string messaging_pairs(const Network& network, const MessageQueue& queue) {
  struct Pair {
    std::size_t first = 0;  // the index of its first message
    std::size_t count = 0;
  };
  std::map<std::pair<AgentIndex, AgentIndex>, Pair> by_agents;
  for (std::size_t m = 0; m < queue.headers().size(); ++m) {
    const MessageHeader& h = queue.headers()[m];
    Pair& p = by_agents.try_emplace({h.sender, h.receiver}, Pair{m, 0}).first->second;
    ++p.count;
  }
  std::vector<std::pair<Pair, std::pair<AgentIndex, AgentIndex>>> pairs;
  for (const auto& entry : by_agents) pairs.push_back({entry.second, entry.first});
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return a.first.first < b.first.first; });
  std::string out;
  for (std::size_t i = 0; i < pairs.size() && i < kMaxListedPairs; ++i) {
    out += (i > 0 ? ", '" : "'") + network.id_of(pairs[i].second.first) + "' -> '" +
           network.id_of(pairs[i].second.second) + "' (" + std::to_string(pairs[i].first.count) +
           ")";
  }
  if (pairs.size() > kMaxListedPairs) {
    out += " and " + std::to_string(pairs.size() - kMaxListedPairs) + " more pairs";
  }
  return out;
}

}  // namespace

void BatchResolver::resolve(Network& network, ContextSet& contexts, nn::Rng& rng) {
  auto num_agents = static_cast<std::size_t>(network.size());
  // Ranks are put back to -1 after every round, so the table only needs (re)filling on resize.
  if (receiver_rank_.size() != num_agents) receiver_rank_.assign(num_agents, -1);
  // Locals, so testing them is not a reload after every (virtual) handle_batch call.
  TelemetryLogger* const telemetry = telemetry_;
  const bool drop_unconnected = network.options().ignore_connection_errors;
  const bool shuffle = options_.shuffle_batches;
  const int limit = options_.round_limit;
  for (int round = 0; !pending_.empty(); ++round) {
    if (limit > 0 && round >= limit) {
      const std::string who = messaging_pairs(network, pending_);
      const std::size_t left = pending_.size();
      pending_.clear();  // the next step starts clean (Python leaves the queue full)
      throw ResolverError(std::to_string(left) + " message(s) still queued after the " +
                          "BatchResolver's round limit of " + std::to_string(limit) +
                          " round(s); agents still messaging (sender -> receiver): " + who);
    }
    if (telemetry) {
      telemetry->on_resolver_round(round, limit > 0 ? std::optional<int>(limit) : std::nullopt);
    }
    // Take this round's messages; replies sent while handling them go to pending_.
    round_.swap(pending_);
    pending_.clear();
    group_by_receiver();
    // Locals, not members: handle_batch is a virtual call the compiler cannot see into, so it
    // would reload every member after it.
    const AgentIndex* receivers = receivers_.data();
    const uint32_t* start = batch_start_.data();
    uint32_t* order = order_.data();
    for (uint32_t b = 0, num_batches = num_batches_; b < num_batches; ++b) {
      uint32_t* batch = order + start[b];
      std::size_t count = start[b + 1] - start[b];
      Context* ctx = contexts.find(receivers[b]);
      if (ctx == nullptr) {
        dropped_ += static_cast<int64_t>(count);
        if (telemetry)
          telemetry->on_messages(MessageEvent::dropped_receiver_done, round_, batch, count);
        continue;
      }
      // With ignored connection errors, messages along missing edges are dropped here.
      if (drop_unconnected) {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < count; ++i) {
          const MessageHeader& h = round_.headers()[batch[i]];
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
      if (shuffle) rng.shuffle(batch, batch + count);
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

void BatchResolver::group_by_receiver() {
  // Receivers in the order of their first message, each with its messages in send order. Usually
  // a receiver's messages are already adjacent (an agent sends its messages together, and replies
  // are queued receiver by receiver), so one pass finds the runs of equal receivers; if no
  // receiver comes back after another one, the runs are the batches and the send order already
  // is the delivery order. Otherwise a counting sort on the receivers' ranks regroups them.
  const MessageHeader* headers = round_.headers().data();
  const auto n = static_cast<uint32_t>(round_.size());
  if (order_.size() < n) {  // at most n receivers and n batches
    order_.resize(n);
    receivers_.resize(n);
    batch_start_.resize(n + 1);
  }
  // Plain pointers: the loops below then keep everything in registers.
  int32_t* rank_of = receiver_rank_.data();
  AgentIndex* receivers = receivers_.data();
  uint32_t* start = batch_start_.data();
  uint32_t* order = order_.data();

  uint32_t num = 0;  // receivers so far
  bool adjacent = true;
  AgentIndex last = -1;  // the newest receiver
  for (uint32_t m = 0; m < n; ++m) {
    AgentIndex r = headers[m].receiver;
    if (r == last) continue;  // same run
    if (rank_of[r] >= 0) {    // r received before another receiver: not adjacent
      adjacent = false;
      continue;
    }
    rank_of[r] = static_cast<int32_t>(num);
    receivers[num] = r;
    start[num++] = m;
    last = r;
  }
  start[num] = n;
  num_batches_ = num;

  if (adjacent) {
    for (uint32_t m = 0; m < n; ++m) order[m] = m;
  } else {
    // Batch sizes, then their starts (prefix sums), then each message to the next free slot of
    // its receiver's batch.
    std::fill(start, start + num + 1, 0u);
    for (uint32_t m = 0; m < n; ++m) ++start[rank_of[headers[m].receiver] + 1];
    for (uint32_t b = 0; b < num; ++b) start[b + 1] += start[b];
    next_.assign(start, start + num);
    for (uint32_t m = 0; m < n; ++m)
      order[next_[static_cast<std::size_t>(rank_of[headers[m].receiver])]++] = m;
  }
  for (uint32_t b = 0; b < num; ++b) rank_of[receivers[b]] = -1;
}

}  // namespace phantom
