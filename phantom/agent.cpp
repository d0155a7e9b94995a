// Agent: handler dispatch and default hooks.
#include "phantom/agent.hpp"

#include <typeinfo>

#include "phantom/error.hpp"

namespace phantom {

Agent::Agent(std::string id) : id_(std::move(id)) {
  if (id_.empty()) throw ConfigError("Agent: the id must not be empty");
}

std::string Agent::type_name() const {
  return demangle(typeid(*this));
}

std::string Agent::to_string() const {
  return "[" + unqualified(type_name()) + " " + id_ + "]";
}

void Agent::pre_message_resolution(Context&) {}
void Agent::post_message_resolution(Context&) {}
void Agent::generate_messages(Context&) {}
void Agent::reset(nn::Rng& rng) {
  if (supertype_) supertype_->sample(rng);
}

void Agent::throw_bad_supertype(const std::type_info& wanted) const {
  std::string want = demangle(wanted);
  if (!supertype_) {
    throw ConfigError("agent '" + id_ + "' (" + type_name() + ") has no supertype; expected a " +
                      want);
  }
  throw ConfigError("agent '" + id_ + "' has a supertype of type " + supertype_->type_name() +
                    ", not " + want);
}

void Agent::handle_batch(Context& ctx, const MessageBatch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i)
    handle_message(ctx, batch.header(i), batch.payload(i));
}

bool Agent::handles(TypeId payload_type) const {
  if (first_handler_.type == payload_type) return true;
  for (const Handler& h : more_handlers_)
    if (h.type == payload_type) return true;
  return false;
}

void Agent::handle_message(Context& ctx, const MessageHeader& header, const void* payload) {
  // Registration order: the first handler, then the others.
  bool handled = false;
  if (first_handler_.type == header.type) {
    first_handler_.call(first_handler_.storage, ctx, header, payload);
    handled = true;
  }
  for (Handler& h : more_handlers_) {
    if (h.type != header.type) continue;
    h.call(h.storage, ctx, header, payload);
    handled = true;
  }
  if (!handled) throw_no_handler(ctx, header);
}

// Out of line, so that building the message costs handle_message nothing when it is not needed.
void Agent::throw_no_handler(const Context& ctx, const MessageHeader& header) const {
  throw AgentError("agent '" + id_ + "' (" + type_name() + ") has no handler for payload type '" +
                   header.type_name + "' sent by '" + ctx.id_of(header.sender) +
                   "'; register one with on<" + header.type_name + ">(...)");
}

}  // namespace phantom
