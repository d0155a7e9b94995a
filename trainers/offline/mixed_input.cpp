// MixedInput: the probability check and the draw.
#include "trainers/offline/mixed_input.hpp"

#include <cmath>
#include <utility>

#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

void check_mix_probabilities(const std::vector<std::string>& names,
                             const std::vector<double>& probabilities, const std::string& what) {
  if (names.empty()) throw ConfigError(what + ": no input source");
  std::string listed;
  double sum = 0.0;
  bool valid = true;
  for (std::size_t k = 0; k < names.size(); ++k) {
    listed += (k ? ", '" : "'") + names[k] + "': " + double_string(probabilities[k]);
    valid = valid && std::isfinite(probabilities[k]) && probabilities[k] >= 0.0;
    sum += probabilities[k];
  }
  if (!valid) {
    throw ConfigError(what + ": every source's probability must be finite and >= 0 (" + listed +
                      ")");
  }
  if (!(std::fabs(sum - 1.0) <= MixedInput::kTolerance)) {
    throw ConfigError(what + ": the sources' probabilities sum to " + double_string(sum) + " (" +
                      listed + "), expected 1 (within " + double_string(MixedInput::kTolerance) +
                      ")");
  }
}

MixedInput::MixedInput(std::vector<MixedSource> sources, nn::Rng rng)
    : sources_(std::move(sources)), rng_(std::move(rng)) {
  std::vector<std::string> names;
  std::vector<double> probabilities;
  for (const MixedSource& s : sources_) {
    if (!s.reader) throw ConfigError("MixedInput: source '" + s.name + "' has no reader");
    names.push_back(s.name);
    probabilities.push_back(s.probability);
  }
  check_mix_probabilities(names, probabilities, "MixedInput");
  double sum = 0.0;
  for (double p : probabilities) sum += p;
  double running = 0.0;
  for (double p : probabilities) {
    running += p;
    cumulative_.push_back(running / sum);
  }
  cumulative_.back() = 1.0;
}

MultiAgentBatch& MixedInput::next() {
  const double u = rng_.uniform_double();  // in [0, 1)
  std::size_t k = 0;
  while (u >= cumulative_[k]) ++k;  // a zero probability is never drawn
  return sources_[k].reader->next();
}

void MixedInput::save(nn::StateDict& out, const std::string& prefix) const {
  out.set_rng(prefix + ".rng", rng_);
  for (std::size_t k = 0; k < sources_.size(); ++k)
    sources_[k].reader->save(out, prefix + "." + std::to_string(k));
}

void MixedInput::load(const nn::StateDict& in, const std::string& prefix) {
  rng_ = in.get_rng(prefix + ".rng");
  for (std::size_t k = 0; k < sources_.size(); ++k)
    sources_[k].reader->load(in, prefix + "." + std::to_string(k));
}

}  // namespace phantom
