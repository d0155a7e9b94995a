// StrategicAgent: an agent that observes, acts and is rewarded — the agents policies control.
//
// Observations and actions are flat float buffers laid out by the agent's spaces (see
// docs/SPACES.md). There are two ways to give an agent its behaviour, and they mix:
//
//  - plug in components: an Encoder (observation), a Decoder (action -> messages) and a
//    RewardFunction; the spaces come from the encoder and decoder:
//
//      StrategicAgent agent("A", std::make_shared<MyEncoder>(), std::make_shared<MyDecoder>(),
//                           std::make_shared<phantom::ConstantReward>(1.0));
//
//  - subclass and override encode_observation / decode_action / compute_reward, passing the
//    spaces to the (id, observation_space, action_space) constructor.
//
// To mix them (e.g. an encoder plus an overridden decode_action), use the Components
// constructor with the missing space given explicitly. A hook that is neither overridden nor
// backed by a component throws AgentError naming the agent and the missing component.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "phantom/agent.hpp"
#include "phantom/decoder.hpp"
#include "phantom/encoder.hpp"
#include "phantom/reward.hpp"
#include "phantom/space.hpp"

namespace phantom {

/// Extra per-step information an agent reports (name -> number). Reused from step to step.
class Infos {
 public:
  void set(std::string key, double value) {
    for (auto& kv : items_) {
      if (kv.first == key) {
        kv.second = value;
        return;
      }
    }
    items_.emplace_back(std::move(key), value);
  }
  const std::vector<std::pair<std::string, double>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }

 private:
  std::vector<std::pair<std::string, double>> items_;
};

class StrategicAgent : public Agent {
 public:
  /// Any mix of components and explicit spaces. Each space is the explicit one if given, else
  /// the component's; giving both requires them to be equal. A missing space throws ConfigError.
  struct Components {
    EncoderPtr encoder;
    DecoderPtr decoder;
    RewardFunctionPtr reward_function;
    SpacePtr observation_space;  // needed when there is no encoder
    SpacePtr action_space;       // needed when there is no decoder
  };

  /// For subclasses that override encode_observation, decode_action and compute_reward.
  StrategicAgent(std::string id, SpacePtr observation_space, SpacePtr action_space);
  /// An agent made of components (Python's StrategicAgent(id, encoder, decoder, reward)). The
  /// encoder and decoder give the spaces, so they are required here (ConfigError if null); the
  /// reward function may be null if compute_reward is overridden.
  StrategicAgent(std::string id, EncoderPtr encoder, DecoderPtr decoder,
                 RewardFunctionPtr reward_function);
  StrategicAgent(std::string id, Components components);

  const SpacePtr& observation_space() const { return observation_space_; }
  const SpacePtr& action_space() const { return action_space_; }
  /// The components (null when not set).
  const EncoderPtr& encoder() const { return encoder_; }
  const DecoderPtr& decoder() const { return decoder_; }
  const RewardFunctionPtr& reward_function() const { return reward_function_; }

  /// Writes the observation (observation_space()->flat_size() floats) into `out` and returns
  /// true, or returns false when the agent observes nothing this step (then it gets no reward
  /// and no infos this step either). Default: the encoder's encode().
  virtual bool encode_observation(Context& ctx, float* out);
  /// Turns an action (action_space()->flat_size() floats) into messages sent through ctx.
  /// Default: the decoder's decode().
  virtual void decode_action(Context& ctx, const float* action);
  /// Default: the reward function's reward().
  virtual double compute_reward(Context& ctx);
  virtual bool is_terminated(Context& ctx);
  virtual bool is_truncated(Context& ctx);
  virtual void collect_infos(Context& ctx, Infos& infos);

  /// Resets the encoder, decoder and reward function, in that order (Python forgot to). A
  /// subclass that overrides reset() must call StrategicAgent::reset(rng). A component shared
  /// by several agents is reset once per agent.
  void reset(nn::Rng& rng) override;

 private:
  [[noreturn]] void throw_missing(const char* component, const char* hook) const;

  EncoderPtr encoder_;
  DecoderPtr decoder_;
  RewardFunctionPtr reward_function_;
  SpacePtr observation_space_;
  SpacePtr action_space_;
};

}  // namespace phantom
