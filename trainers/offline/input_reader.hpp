// InputReader: where a trainer's batches come from when they do not come (only) from its own
// rollout worker. RLlib's InputReader: an endless stream of batches, one per next().
//
// The readers here compose: JsonReader reads experience files (json_reader.hpp), SamplerInput
// asks a rollout worker to sample, MixedInput draws each batch from one of several readers
// with given probabilities (mixed_input.hpp), ShuffledInput passes a stream through a shuffle
// buffer (shuffled_input.hpp). Every random choice draws from an nn::Rng the reader was given,
// so a stream is a function of its seed and its files; save() and load() carry a reader's place
// in its stream through a checkpoint, so a resumed run reads on exactly where it stopped.
#pragma once

#include <functional>
#include <utility>

#include <string>

#include "nn/serialize.hpp"
#include "trainers/sampling/multi_agent_batch.hpp"

namespace phantom {

/// An endless stream of batches.
class InputReader {
 public:
  virtual ~InputReader() = default;
  /// The next batch: the reader's own storage, valid until the next call of next() (copy it to
  /// keep it). A reader that cannot produce one throws.
  virtual MultiAgentBatch& next() = 0;
  /// The reader's place in its stream (generators, file positions, buffered batches), under
  /// `prefix`. Default: nothing (a reader without state of its own).
  virtual void save(nn::StateDict& out, const std::string& prefix) const {
    (void)out, (void)prefix;
  }
  /// Continues from what save() wrote, in a reader built the same way. Throws FormatError
  /// naming the entry if it is missing or does not fit.
  virtual void load(const nn::StateDict& in, const std::string& prefix) { (void)in, (void)prefix; }
};

/// Batches sampled by whoever `sample` calls (a trainer's rollout worker): the "sampler" source
/// of a mixed input. It saves nothing: the worker is checkpointed by its trainer.
class SamplerInput final : public InputReader {
 public:
  explicit SamplerInput(std::function<MultiAgentBatch&()> sample) : sample_(std::move(sample)) {}
  MultiAgentBatch& next() override { return sample_(); }

 private:
  std::function<MultiAgentBatch&()> sample_;
};

}  // namespace phantom
