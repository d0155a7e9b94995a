// Messages: plain payload structs sent between connected agents, and the queue that holds them.
//
// A payload is any trivially copyable struct. It may restrict which agent types send or receive
// it with member aliases, checked by the network on send (subclasses count):
//
//   struct OrderRequest {
//     int size;
//     using Senders = phantom::Only<CustomerAgent>;  // optional; default: any agent
//     using Receivers = phantom::Only<ShopAgent>;    // optional; default: any agent
//   };
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "phantom/payload_fields.hpp"
#include "phantom/type_id.hpp"

namespace phantom {

class Agent;

/// Dense index of an agent in its network (insertion order).
using AgentIndex = int32_t;

/// No restriction on the agent type.
struct AnyAgent {
  static bool allows(const Agent&) { return true; }
  static std::string describe() { return "any agent"; }
};

/// Only agents of (or derived from) one of these types.
template <class... AgentTypes>
struct Only {
  static bool allows(const Agent& agent) {
    return ((dynamic_cast<const AgentTypes*>(&agent) != nullptr) || ...);
  }
  static std::string describe() {
    std::string names;
    ((names += (names.empty() ? "" : ", ") + type_name<AgentTypes>()), ...);
    return "one of [" + names + "]";
  }
};

namespace detail {
template <class T, class = void>
struct SendersOf {
  using type = AnyAgent;
};
template <class T>
struct SendersOf<T, std::void_t<typename T::Senders>> {
  using type = typename T::Senders;
};
template <class T, class = void>
struct ReceiversOf {
  using type = AnyAgent;
};
template <class T>
struct ReceiversOf<T, std::void_t<typename T::Receivers>> {
  using type = typename T::Receivers;
};
}  // namespace detail

/// What the network and the queue need to know about a payload type, without templates: its
/// name and what it allows. One per type (payload_rules<T>()), made on first use.
struct PayloadRules {
  /// The readable type name, for errors and telemetry.
  std::string name;
  bool (*sender_allowed)(const Agent&);
  bool (*receiver_allowed)(const Agent&);
  std::string (*describe_senders)();
  std::string (*describe_receivers)();
  /// Dense number of the payload type in this program (0, 1, 2... in order of first use); the
  /// network caches its verdicts in tables indexed by it.
  uint32_t index;
  /// Neither Senders nor Receivers is restricted, so there is nothing to check.
  bool unrestricted;
};

namespace detail {
/// The next free PayloadRules::index (thread-safe).
uint32_t next_payload_index();

template <class T>
PayloadRules make_payload_rules() {
  static_assert(std::is_trivially_copyable_v<T>,
                "message payloads must be trivially copyable structs (they live in a byte arena)");
  using S = typename SendersOf<T>::type;
  using R = typename ReceiversOf<T>::type;
  (void)register_payload_fields<T>();  // telemetry learns the payload's describe(), once per type
  return {type_name<T>(),
          &S::allows,
          &R::allows,
          &S::describe,
          &R::describe,
          next_payload_index(),
          std::is_same_v<S, AnyAgent> && std::is_same_v<R, AnyAgent>};
}
}  // namespace detail

/// The rules of payload type T, made on first use. Every send looks them up, so this stays a
/// small inline function: one initialisation guard, and the work in make_payload_rules.
template <class T>
inline const PayloadRules& payload_rules() {
  static const PayloadRules rules = detail::make_payload_rules<T>();
  return rules;
}

/// The payload type's readable name, computed once per type (for errors and telemetry). Making
/// the rules also registers the payload's describe() for telemetry (see payload_fields.hpp).
template <class T>
const char* payload_name() {
  return payload_rules<T>().name.c_str();
}

/// A message as a handler sees it.
template <class T>
struct Message {
  AgentIndex sender;
  AgentIndex receiver;
  const T& payload;
  const std::vector<std::string>* ids;  // the network's agent ids, by index

  const std::string& sender_id() const { return (*ids)[static_cast<std::size_t>(sender)]; }
  const std::string& receiver_id() const { return (*ids)[static_cast<std::size_t>(receiver)]; }
};

/// One queued message: who, what type, and where its payload bytes are.
struct MessageHeader {
  MessageHeader() = default;
  MessageHeader(AgentIndex sender, AgentIndex receiver, TypeId type, const char* type_name,
                uint32_t offset, uint32_t size)
      : sender(sender),
        receiver(receiver),
        type(type),
        type_name(type_name),
        offset(offset),
        size(size) {}

  AgentIndex sender = -1;
  AgentIndex receiver = -1;
  TypeId type = nullptr;
  const char* type_name = nullptr;  // payload type, for error messages and telemetry
  uint32_t offset = 0;              // of the payload in the queue's byte arena
  uint32_t size = 0;
};

/// Messages in send order with their payloads in one byte arena. clear() keeps the memory, so a
/// queue that is refilled every step stops allocating once it has grown.
class MessageQueue {
 public:
  template <class T>
  void push(AgentIndex sender, AgentIndex receiver, const T& payload) {
    push_bytes(sender, receiver, type_id<T>(), payload_name<T>(), &payload, sizeof(T));
  }

  void push_bytes(AgentIndex sender, AgentIndex receiver, TypeId type, const char* name,
                  const void* payload, std::size_t size) {
    // Payload offsets stay aligned for any fundamental type.
    constexpr std::size_t kAlign = alignof(std::max_align_t);
    std::size_t offset = (used_ + kAlign - 1) / kAlign * kAlign;
    if (offset + size > bytes_.size()) grow(offset + size);
    if (size > 0) std::memcpy(bytes_.data() + offset, payload, size);
    used_ = offset + size;
    // Constructed in place. (push_back of a braced temporary made GCC store the fields to the
    // stack one by one and reload them as two 16-byte words: the loads waited for a
    // store-forwarding stall, which cost about a tenth of a supply-chain step.)
    headers_.emplace_back(sender, receiver, type, name, static_cast<uint32_t>(offset),
                          static_cast<uint32_t>(size));
  }

  const std::vector<MessageHeader>& headers() const { return headers_; }
  const void* payload(const MessageHeader& h) const { return bytes_.data() + h.offset; }
  /// The payload arena: payload(h) is bytes() + h.offset.
  const unsigned char* bytes() const { return bytes_.data(); }
  bool empty() const { return headers_.empty(); }
  std::size_t size() const { return headers_.size(); }
  void clear() {
    headers_.clear();
    used_ = 0;  // keeps the bytes' memory
  }
  void swap(MessageQueue& other) noexcept {
    headers_.swap(other.headers_);
    bytes_.swap(other.bytes_);
    std::swap(used_, other.used_);
  }

  /// The payload of message i as T (checked).
  template <class T>
  const T* payload_as(std::size_t i) const {
    const MessageHeader& h = headers_[i];
    return h.type == type_id<T>() ? static_cast<const T*>(payload(h)) : nullptr;
  }

 private:
  // Grows the arena geometrically to at least `needed` bytes (out of line: push_bytes stays small).
  void grow(std::size_t needed);

  std::vector<MessageHeader> headers_;
  std::vector<unsigned char> bytes_;  // capacity; the first used_ bytes hold payloads
  std::size_t used_ = 0;
};

}  // namespace phantom
