// PolicyBuffer: append and clear.
#include "trainers/ppo/policy_buffer.hpp"

namespace phantom {

void PolicyBuffer::clear() {
  features.clear();
  actions.clear();
  log_probs.clear();
  values.clear();
  rewards.clear();
  next_values.clear();
  ends.clear();
  streams.clear();
}

int64_t PolicyBuffer::append(const float* feature_row, const float* action, float log_prob,
                             float value, int32_t stream) {
  features.insert(features.end(), feature_row, feature_row + feature_size);
  actions.insert(actions.end(), action, action + action_size);
  log_probs.push_back(log_prob);
  values.push_back(value);
  rewards.push_back(0.0f);
  next_values.push_back(0.0f);
  ends.push_back(0);
  streams.push_back(stream);
  return size() - 1;
}

}  // namespace phantom
