// ShuffledInput: filling the buffer, then replace-one, return-one.
#include "trainers/offline/shuffled_input.hpp"

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

}  // namespace phantom
