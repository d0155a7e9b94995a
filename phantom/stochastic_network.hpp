// StochasticNetwork: connections that exist with a given probability, redrawn at every reset.
//
// Each connection has a rate: a fixed probability, or a sampler whose current value is the
// probability (so a supertype can vary it). At reset(rng), before the agents reset, every
// connection is kept with probability `rate`, in the order the connections were added, from the
// env's generator. Rates >= 1 are always present and rates <= 0 never, without drawing.
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "phantom/network.hpp"
#include "phantom/sampler.hpp"

namespace phantom {

class StochasticNetwork : public Network {
 public:
  using Network::Network;

  /// A connection that is always present (rate 1).
  void add_connection(const std::string& a, const std::string& b) override;
  /// A connection present with probability `rate`. Until the first reset only rate >= 1
  /// connections exist.
  void add_connection(const std::string& a, const std::string& b, double rate);
  /// A connection present with probability sampler->value() (read at each reset; present at
  /// once if the sampler already has a value >= 1).
  void add_connection(const std::string& a, const std::string& b,
                      std::shared_ptr<const Sampler> rate);
  void add_connections_between(const std::vector<std::string>& us,
                               const std::vector<std::string>& vs, double rate);
  using Network::add_connections_between;
  /// Connections with their rates, in order: add_connections_from({{"A", "B", 0.5}}). Pairs
  /// without a rate (the base class's overload) have rate 1.
  void add_connections_from(
      const std::vector<std::tuple<std::string, std::string, double>>& connections);
  using Network::add_connections_from;

  /// Redraws which connections exist.
  void resample_connectivity(nn::Rng& rng);
  /// Resamples connectivity, then resets the resolver and agents.
  void reset(nn::Rng& rng) override;

 private:
  struct Base {
    AgentIndex a, b;
    double rate;
    std::shared_ptr<const Sampler> sampler;  // if set, its value is the rate
  };
  double rate_of(const Base& c) const;
  std::vector<Base> base_;
};

}  // namespace phantom
