// Agent: a node of the network that receives typed messages and sends messages of its own.
//
// Handlers are registered in the constructor with on<Payload>(fn) and run, for each delivered
// message of that payload type, in registration order. Replies are sent through the context:
//
//   class Factory : public phantom::Agent {
//    public:
//     explicit Factory(std::string id) : Agent(std::move(id)) {
//       on<StockRequest>([](phantom::Context& ctx, const phantom::Message<StockRequest>& m) {
//         ctx.send(m.sender, StockResponse{m.payload.size});
//       });
//     }
//   };
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "nn/rng.hpp"
#include "phantom/context.hpp"
#include "phantom/message.hpp"
#include "phantom/supertype.hpp"

namespace phantom {

/// The messages delivered to one agent in one resolver round, in delivery order. A view into the
/// resolver's queue, valid during handle_batch.
class MessageBatch {
 public:
  MessageBatch(const MessageQueue& queue, const uint32_t* indices, std::size_t count)
      : headers_(queue.headers().data()), bytes_(queue.bytes()), indices_(indices), count_(count) {}
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  const MessageHeader& header(std::size_t i) const { return headers_[indices_[i]]; }
  const void* payload(std::size_t i) const { return bytes_ + header(i).offset; }
  /// The payload of message i if it is a T, else nullptr.
  template <class T>
  const T* payload_as(std::size_t i) const {
    return header(i).type == type_id<T>() ? static_cast<const T*>(payload(i)) : nullptr;
  }

 private:
  const MessageHeader* headers_;
  const unsigned char* bytes_;
  const uint32_t* indices_;
  std::size_t count_;
};

class Agent {
 public:
  explicit Agent(std::string id);
  virtual ~Agent() = default;
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  const std::string& id() const { return id_; }
  /// The dynamic type's readable name ("supply_chain::ShopAgent").
  std::string type_name() const;
  /// "[ShopAgent SHOP]" (class name without namespaces)
  std::string to_string() const;

  /// Called for every agent with a context before / after message resolution.
  virtual void pre_message_resolution(Context& ctx);
  virtual void post_message_resolution(Context& ctx);
  /// Called on each step for agents that received no action (non-strategic agents, or strategic
  /// agents without an action this step); send messages through ctx.send().
  virtual void generate_messages(Context& ctx);
  /// Called by the network at every episode start, with the env's generator. Samples the
  /// supertype, if any (its fields take this episode's values). A subclass that overrides reset()
  /// must call its base class's reset().
  virtual void reset(nn::Rng& rng);

  /// The agent's supertype (its per-episode parameters), or null. Agents with parameters
  /// usually create theirs in the constructor; an env may replace it (set_agent_supertype).
  Supertype* supertype() const { return supertype_.get(); }
  const std::shared_ptr<Supertype>& supertype_ptr() const { return supertype_; }
  void set_supertype(std::shared_ptr<Supertype> supertype) { supertype_ = std::move(supertype); }
  /// The supertype as an S (Python's agent.type). Throws ConfigError if the agent has none or
  /// it is not an S. (Read the supertype through this or supertype() each time rather than
  /// keeping a pointer: an env may replace it.)
  template <class S>
  S& type() const;

  /// Handles one round's messages to this agent; by default each in turn with handle_message().
  /// Override to treat a batch as a whole (e.g. an auction collecting bids).
  virtual void handle_batch(Context& ctx, const MessageBatch& batch);
  /// Runs every handler registered for the message's payload type, in registration order. Throws
  /// AgentError naming the payload type, sender and this agent when there is none.
  void handle_message(Context& ctx, const MessageHeader& header, const void* payload);
  bool handles(TypeId payload_type) const;

 protected:
  /// Registers fn(Context&, const Message<T>&) for payload type T.
  template <class T, class Fn>
  void on(Fn&& fn) {
    (void)payload_rules<T>();  // static checks on the payload type
    using F = std::decay_t<Fn>;
    // The callable lives on the heap (allocated once, here); the handler keeps a plain function
    // pointer that knows its type. Calling it is one indirect call, without std::function's
    // checks, and the handler table stays small.
    Callable owned(new F(std::forward<Fn>(fn)), [](void* f) { delete static_cast<F*>(f); });
    void* callable = owned.get();
    callables_.push_back(std::move(owned));
    handlers_.push_back({type_id<T>(), &call_handler<T, F>, callable});
  }

 private:
  template <class T, class F>
  static void call_handler(void* f, Context& ctx, const MessageHeader& h, const void* payload);
  [[noreturn]] void throw_no_handler(const Context& ctx, const MessageHeader& header) const;

  using Callable = std::unique_ptr<void, void (*)(void*)>;
  struct Handler {
    TypeId type;
    void (*call)(void* callable, Context& ctx, const MessageHeader& h, const void* payload);
    void* callable;  // owned by callables_
  };
  [[noreturn]] void throw_bad_supertype(const std::type_info& wanted) const;

  std::string id_;
  std::vector<Handler> handlers_;  // registration order
  std::vector<Callable> callables_;
  std::shared_ptr<Supertype> supertype_;
};

template <class S>
S& Agent::type() const {
  auto* typed = dynamic_cast<S*>(supertype_.get());
  if (!typed) throw_bad_supertype(typeid(S));
  return *typed;
}

template <class T, class F>
void Agent::call_handler(void* f, Context& ctx, const MessageHeader& h, const void* payload) {
  Message<T> msg{h.sender, h.receiver, *static_cast<const T*>(payload), &ctx.agent_ids()};
  (*static_cast<F*>(f))(ctx, msg);
}

}  // namespace phantom
