// StrategicAgent: construction from spaces or components, and the hooks' defaults.
#include "phantom/strategic_agent.hpp"

#include "phantom/error.hpp"

namespace phantom {

namespace {

// The explicit space if given, else the component's; both given must agree.
SpacePtr pick_space(const std::string& id, const char* what, const char* component,
                    const SpacePtr& explicit_space, const SpacePtr& component_space) {
  if (explicit_space && component_space && *explicit_space != *component_space) {
    throw ConfigError("StrategicAgent '" + id + "': the explicit " + what + " " +
                      explicit_space->to_string() + " differs from its " + component + "'s " +
                      component_space->to_string());
  }
  SpacePtr space = explicit_space ? explicit_space : component_space;
  if (!space) {
    throw ConfigError("StrategicAgent '" + id + "': no " + what + ": give an " + component +
                      " or an explicit " + what + " (StrategicAgent::Components)");
  }
  return space;
}

}  // namespace

StrategicAgent::StrategicAgent(std::string id, SpacePtr observation_space, SpacePtr action_space)
    : Agent(std::move(id)),
      observation_space_(std::move(observation_space)),
      action_space_(std::move(action_space)) {
  if (!observation_space_ || !action_space_) {
    throw ConfigError("StrategicAgent '" + this->id() +
                      "': observation and action spaces must both be given");
  }
}

StrategicAgent::StrategicAgent(std::string id, EncoderPtr encoder, DecoderPtr decoder,
                               RewardFunctionPtr reward_function)
    : StrategicAgent(std::move(id), Components{std::move(encoder), std::move(decoder),
                                               std::move(reward_function), nullptr, nullptr}) {}

StrategicAgent::StrategicAgent(std::string id, Components components)
    : Agent(std::move(id)),
      encoder_(std::move(components.encoder)),
      decoder_(std::move(components.decoder)),
      reward_function_(std::move(components.reward_function)) {
  observation_space_ =
      pick_space(this->id(), "observation space", "Encoder", components.observation_space,
                 encoder_ ? encoder_->observation_space() : nullptr);
  action_space_ = pick_space(this->id(), "action space", "Decoder", components.action_space,
                             decoder_ ? decoder_->action_space() : nullptr);
}

void StrategicAgent::throw_missing(const char* component, const char* hook) const {
  throw AgentError("agent '" + id() + "' has no " + component + " set and does not override " +
                   hook);
}

bool StrategicAgent::encode_observation(Context& ctx, float* out) {
  if (!encoder_) throw_missing("Encoder", "encode_observation");
  return encoder_->encode(ctx, out);
}

void StrategicAgent::decode_action(Context& ctx, const float* action) {
  if (!decoder_) throw_missing("Decoder", "decode_action");
  decoder_->decode(ctx, action);
}

double StrategicAgent::compute_reward(Context& ctx) {
  if (!reward_function_) throw_missing("RewardFunction", "compute_reward");
  return reward_function_->reward(ctx);
}

bool StrategicAgent::is_terminated(Context&) {
  return false;
}
bool StrategicAgent::is_truncated(Context&) {
  return false;
}
void StrategicAgent::collect_infos(Context&, Infos&) {}

void StrategicAgent::reset(nn::Rng& rng) {
  Agent::reset(rng);
  if (encoder_) encoder_->reset(rng);
  if (decoder_) decoder_->reset(rng);
  if (reward_function_) reward_function_->reset(rng);
}

}  // namespace phantom
