// ShuffledInput: filling the buffer, then replace-one, return-one.
#include "trainers/offline/shuffled_input.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "nn/error.hpp"

namespace phantom {

ShuffledInput::ShuffledInput(std::shared_ptr<InputReader> input, int size, nn::Rng rng)
    : input_(std::move(input)), size_(size), rng_(std::move(rng)) {
  if (!input_) throw ConfigError("ShuffledInput: the input is null");
  if (size_ < 0) {
    throw ConfigError("ShuffledInput: shuffle_buffer_size = " + std::to_string(size_) +
                      ", expected >= 0 (0 or 1: no shuffling)");
  }
}

MultiAgentBatch& ShuffledInput::next() {
  if (size_ <= 1) return input_->next();
  while (static_cast<int>(buffer_.size()) < size_) buffer_.push_back(input_->next());
  const auto n = static_cast<int64_t>(buffer_.size());
  buffer_[static_cast<std::size_t>(rng_.uniform_int(n))] = input_->next();
  // A copy: the slot may be replaced by a later call while the caller still learns from it.
  out_ = buffer_[static_cast<std::size_t>(rng_.uniform_int(n))];
  return out_;
}

namespace {

// A batch under `prefix`: its env steps, its policy ids and each policy's rows.
void save_batch(const MultiAgentBatch& b, nn::StateDict& out, const std::string& prefix) {
  out.set_int(prefix + ".env_steps", b.env_steps);
  out.set_int(prefix + ".policies", static_cast<int64_t>(b.policy_batches.size()));
  int64_t k = 0;
  for (const auto& [id, batch] : b.policy_batches) {
    const std::string p = prefix + ".policy" + std::to_string(k++);
    out.set_string(p + ".id", id);
    batch.save(out, p);
  }
}

MultiAgentBatch load_batch(const nn::StateDict& in, const std::string& prefix) {
  MultiAgentBatch b;
  b.env_steps = in.get_count(prefix + ".env_steps");
  const int64_t policies = in.get_count(prefix + ".policies", 1 << 20);
  for (int64_t k = 0; k < policies; ++k) {
    const std::string p = prefix + ".policy" + std::to_string(k);
    b.policy_batches[in.get_string(p + ".id")].load(in, p);
  }
  return b;
}

}  // namespace

void ShuffledInput::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_rng(prefix + ".rng", rng_);
  out.set_int(prefix + ".buffered", static_cast<int64_t>(buffer_.size()));
  for (std::size_t k = 0; k < buffer_.size(); ++k)
    save_batch(buffer_[k], out, prefix + ".buffer" + std::to_string(k));
  input_->save(out, prefix + ".input");
}

void ShuffledInput::load(const nn::StateDict& in, const std::string& prefix) {
  rng_ = in.get_rng(prefix + ".rng");
  const int64_t buffered = in.get_count(prefix + ".buffered", std::max(size_, 0));
  buffer_.clear();
  for (int64_t k = 0; k < buffered; ++k)
    buffer_.push_back(load_batch(in, prefix + ".buffer" + std::to_string(k)));
  input_->load(in, prefix + ".input");
}

}  // namespace phantom
