// ShuffledInput: a stream of batches passed through a shuffle buffer (RLlib's ShuffledInput,
// the `shuffle_buffer_size` option), so that consecutive training batches are not consecutive
// stretches of one file.
//
// With a buffer of n > 1 batches: the first call fills it with n batches of the input; then
// every call replaces a random slot with the input's next batch and returns a copy of a random
// slot (drawn independently). So a batch may be returned several times or never, and the
// stream runs ahead of what is returned by n batches. n <= 1 passes the input through.
#pragma once

#include <memory>
#include <vector>

#include "nn/rng.hpp"
#include "trainers/offline/input_reader.hpp"

namespace phantom {

/// A shuffle buffer over another input (see the top of this file).
class ShuffledInput final : public InputReader {
 public:
  /// Throws ConfigError if `input` is null or `size` < 0.
  ShuffledInput(std::shared_ptr<InputReader> input, int size, nn::Rng rng);
  /// Two draws per call once the buffer is full (the slot replaced, the slot returned).
  MultiAgentBatch& next() override;
  /// The generator, the buffered batches and the input's own state (under "<prefix>.input").
  void save(nn::StateDict& out, const std::string& prefix) const override;
  void load(const nn::StateDict& in, const std::string& prefix) override;

 private:
  std::shared_ptr<InputReader> input_;
  int size_;
  nn::Rng rng_;
  std::vector<MultiAgentBatch> buffer_;
  MultiAgentBatch out_;
};

}  // namespace phantom
