// MixedInput: each batch drawn from one of several inputs, with given probabilities (RLlib's
// MixedInput), e.g. 70% from logged experience and 30% from the trainer's own sampling.
//
// The probabilities must sum to 1. Written as decimals they rarely sum to exactly 1 in floating
// point (0.1 + 0.2 + 0.7 is 0.9999999999999999), so a sum within 1e-9 of 1 is accepted (RLlib
// asks for exactly 1.0); the draw then uses the probabilities as given, normalised by their sum.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "trainers/offline/input_reader.hpp"

namespace phantom {

/// One input of a MixedInput.
struct MixedSource {
  /// Named in messages (a path or pattern, or "sampler").
  std::string name;
  double probability = 1.0;
  std::shared_ptr<InputReader> reader;
};

/// Draws each batch from one of its sources (see the top of this file).
class MixedInput final : public InputReader {
 public:
  /// How far from 1 the probabilities' sum may be.
  static constexpr double kTolerance = 1e-9;

  /// Throws ConfigError if there is no source, a reader is null, a probability is negative or
  /// not finite, or the probabilities do not sum to 1 within kTolerance: the message names every
  /// source with its probability, and the sum.
  MixedInput(std::vector<MixedSource> sources, nn::Rng rng);

  MixedInput(const MixedInput&) = delete;
  MixedInput& operator=(const MixedInput&) = delete;
  /// The next batch of the source drawn (one rng draw per call).
  MultiAgentBatch& next() override;
  /// The generator, and each source's reader under "<prefix>.<index>".
  void save(nn::StateDict& out, const std::string& prefix) const override;
  void load(const nn::StateDict& in, const std::string& prefix) override;

  const std::vector<MixedSource>& sources() const { return sources_; }

 private:
  std::vector<MixedSource> sources_;
  std::vector<double> cumulative_;  // normalised, the last one exactly 1
  nn::Rng rng_;
};

/// ConfigError unless `probabilities` (one per name) are finite, >= 0 and sum to 1 within
/// MixedInput::kTolerance; `what` starts the message ("offline input").
void check_mix_probabilities(const std::vector<std::string>& names,
                             const std::vector<double>& probabilities, const std::string& what);

}  // namespace phantom
