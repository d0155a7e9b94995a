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

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
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

/// Which of an agent's two message-resolution hooks the env calls (Agent::resolution_hooks).
enum class ResolutionHooks : uint8_t {
  none = 0,
  pre = 1,   ///< pre_message_resolution only
  post = 2,  ///< post_message_resolution only
  both = 3,  ///< the default
};

/// Whether `hooks` includes `hook` (ResolutionHooks::pre or ::post).
constexpr bool includes(ResolutionHooks hooks, ResolutionHooks hook) {
  return (static_cast<uint8_t>(hooks) & static_cast<uint8_t>(hook)) != 0;
}

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

  /// Called before / after message resolution, in network order, for every agent that is still
  /// in the episode and has the hook (see resolution_hooks()).
  virtual void pre_message_resolution(Context& ctx);
  virtual void post_message_resolution(Context& ctx);
  /// Which of the two hooks above the env calls for this agent: both, unless the agent opted out
  /// with set_resolution_hooks().
  ResolutionHooks resolution_hooks() const { return resolution_hooks_; }
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
  /// Says which resolution hooks this agent overrides, so that the env leaves it out of the
  /// passes over the agents that call the others. With thousands of agents, a pass that calls an
  /// empty hook on each agent costs as much as the agent's own work of the step (bench/README.md,
  /// "Many agents"). Call it in the constructor: the env reads it when an episode starts (at reset
  /// and at the episode's first step); when agents leave the episode it only drops them from its
  /// lists, so a change made later in an episode counts from the next reset. The rule is
  /// the flag, not the code: an agent that opts out of a hook it overrides is never called for
  /// it, and a subclass that overrides a hook its base class opted out of must opt back in.
  void set_resolution_hooks(ResolutionHooks hooks) { resolution_hooks_ = hooks; }

  /// Registers fn(Context&, const Message<T>&) for payload type T.
  template <class T, class Fn>
  void on(Fn&& fn) {
    (void)payload_rules<T>();  // static checks on the payload type
    using F = std::decay_t<Fn>;
    // The handler keeps a plain function pointer that knows the callable's type, so calling it is
    // one indirect call, without std::function's checks. A small callable (a lambda capturing
    // `this` or a few pointers) is stored in the handler itself; a larger one on the heap,
    // allocated once, here.
    Handler h;
    h.type = type_id<T>();
    if constexpr (fits_inline<F>()) {
      new (h.storage) F(std::forward<Fn>(fn));
      h.call = &call_inline<T, F>;
    } else {
      Callable owned(new F(std::forward<Fn>(fn)), [](void* f) { delete static_cast<F*>(f); });
      void* callable = owned.get();
      callables_.push_back(std::move(owned));
      std::memcpy(h.storage, &callable, sizeof callable);
      h.call = &call_heap<T, F>;
    }
    if (!first_handler_.type) {
      first_handler_ = h;
    } else {
      more_handlers_.push_back(h);
    }
  }

 private:
  // Callables this small, trivially copyable and destructible live inside their Handler.
  static constexpr std::size_t kInlineCallable = 2 * sizeof(void*);
  template <class F>
  static constexpr bool fits_inline() {
    return sizeof(F) <= kInlineCallable && alignof(F) <= alignof(void*) &&
           std::is_trivially_copyable_v<F> && std::is_trivially_destructible_v<F>;
  }
  template <class T, class F>
  static void call_inline(void* storage, Context& ctx, const MessageHeader& h, const void* payload);
  template <class T, class F>
  static void call_heap(void* storage, Context& ctx, const MessageHeader& h, const void* payload);
  [[noreturn]] void throw_no_handler(const Context& ctx, const MessageHeader& header) const;

  using Callable = std::unique_ptr<void, void (*)(void*)>;
  struct Handler {
    TypeId type = nullptr;  // null: no handler
    void (*call)(void* storage, Context& ctx, const MessageHeader& h,
                 const void* payload) = nullptr;
    // The callable itself (call_inline), or a pointer to it, owned by callables_ (call_heap).
    alignas(void*) unsigned char storage[kInlineCallable] = {};
  };
  [[noreturn]] void throw_bad_supertype(const std::type_info& wanted) const;

  // What delivering a message reads comes first, next to the vtable pointer: most agents handle
  // one payload type, so the first handler is kept in the agent itself, and a delivery to it
  // touches no other memory of the agent's (bench/README.md, "Many agents").
  Handler first_handler_;               // type null until a handler is registered
  std::vector<Handler> more_handlers_;  // the second and later, in registration order
  ResolutionHooks resolution_hooks_ = ResolutionHooks::both;
  std::string id_;
  std::vector<Callable> callables_;  // the handlers' callables too large to live inline
  std::shared_ptr<Supertype> supertype_;
};

template <class S>
S& Agent::type() const {
  auto* typed = dynamic_cast<S*>(supertype_.get());
  if (!typed) throw_bad_supertype(typeid(S));
  return *typed;
}

template <class T, class F>
void Agent::call_inline(void* storage, Context& ctx, const MessageHeader& h, const void* payload) {
  Message<T> msg{h.sender, h.receiver, *static_cast<const T*>(payload), &ctx.agent_ids()};
  (*std::launder(reinterpret_cast<F*>(storage)))(ctx, msg);
}

template <class T, class F>
void Agent::call_heap(void* storage, Context& ctx, const MessageHeader& h, const void* payload) {
  void* callable;
  std::memcpy(&callable, storage, sizeof callable);
  Message<T> msg{h.sender, h.receiver, *static_cast<const T*>(payload), &ctx.agent_ids()};
  (*static_cast<F*>(callable))(ctx, msg);
}

}  // namespace phantom
