// MultiAgentBatch: lookups, counting and concatenation per policy.
#include "trainers/sampling/multi_agent_batch.hpp"

#include "nn/error.hpp"

namespace phantom {

int64_t MultiAgentBatch::agent_steps() const {
  int64_t rows = 0;
  for (const auto& entry : policy_batches) rows += entry.second.size();
  return rows;
}

std::vector<std::string> MultiAgentBatch::policy_ids() const {
  std::vector<std::string> ids;
  ids.reserve(policy_batches.size());
  for (const auto& entry : policy_batches) ids.push_back(entry.first);
  return ids;
}

SampleBatch& MultiAgentBatch::batch(const std::string& policy_id) {
  return const_cast<SampleBatch&>(static_cast<const MultiAgentBatch&>(*this).batch(policy_id));
}

const SampleBatch& MultiAgentBatch::batch(const std::string& policy_id) const {
  auto it = policy_batches.find(policy_id);
  if (it == policy_batches.end()) {
    std::string present;
    for (const auto& entry : policy_batches) {
      present += (present.empty() ? "'" : ", '") + entry.first + "'";
    }
    throw ConfigError("MultiAgentBatch: no batch for policy '" + policy_id +
                      "' (present: " + (present.empty() ? "no policies" : present) + ")");
  }
  return it->second;
}

void MultiAgentBatch::clear() {
  for (auto& entry : policy_batches) entry.second.clear();
  env_steps = 0;
  non_finite.clear();
}

const NonFiniteValue* MultiAgentBatch::non_finite_of(const std::string& policy_id) const {
  for (const NonFiniteValue& v : non_finite) {
    if (v.policy_id == policy_id) return &v;
  }
  return nullptr;
}

MultiAgentBatch MultiAgentBatch::concat(const std::vector<const MultiAgentBatch*>& batches) {
  MultiAgentBatch out;
  std::map<std::string, std::vector<const SampleBatch*>> parts;  // per policy, in input order
  for (std::size_t k = 0; k < batches.size(); ++k) {
    if (batches[k] == nullptr) {
      throw ValueError("MultiAgentBatch::concat: batch " + std::to_string(k) + " is null");
    }
    out.env_steps += batches[k]->env_steps;
    for (const NonFiniteValue& v : batches[k]->non_finite) {  // the first of each policy
      if (!out.non_finite_of(v.policy_id)) out.non_finite.push_back(v);
    }
    for (const auto& entry : batches[k]->policy_batches) {
      parts[entry.first].push_back(&entry.second);
    }
  }
  for (const auto& entry : parts) {
    try {
      out.policy_batches.emplace(entry.first, SampleBatch::concat(entry.second));
    } catch (const ConfigError& e) {
      throw ConfigError("MultiAgentBatch::concat: policy '" + entry.first + "': " + e.what());
    }
  }
  return out;
}

}  // namespace phantom
