// StochasticNetwork: connections resampled at every reset.
#include "phantom/stochastic_network.hpp"

namespace phantom {

void StochasticNetwork::add_connection(const std::string& a, const std::string& b) {
  add_connection(a, b, 1.0);
}

void StochasticNetwork::add_connection(const std::string& a, const std::string& b, double rate) {
  AgentIndex ia = index_of(a), ib = index_of(b);  // unknown ids are errors (Python added them)
  check_connection(ia, ib);
  if (!(rate == rate)) {
    throw ConfigError("StochasticNetwork: the rate of connection '" + a + "'-'" + b + "' is NaN");
  }
  base_.push_back({ia, ib, rate, nullptr});
  if (rate >= 1.0) {
    add_edge(ia, ib);
  }
}

void StochasticNetwork::add_connection(const std::string& a, const std::string& b,
                                       std::shared_ptr<const Sampler> rate) {
  if (!rate) throw ConfigError("StochasticNetwork: null rate sampler for '" + a + "'-'" + b + "'");
  AgentIndex ia = index_of(a), ib = index_of(b);
  check_connection(ia, ib);
  // Like a fixed rate: present right away if the sampler's current value is >= 1.
  bool now = rate->has_value() && rate->value() >= 1.0f;
  base_.push_back({ia, ib, 0.0, std::move(rate)});
  if (now) {
    add_edge(ia, ib);
  }
}

void StochasticNetwork::add_connections_between(const std::vector<std::string>& us,
                                                const std::vector<std::string>& vs, double rate) {
  for (const auto& u : us)
    for (const auto& v : vs) add_connection(u, v, rate);
}

void StochasticNetwork::add_connections_from(
    const std::vector<std::tuple<std::string, std::string, double>>& connections) {
  for (const auto& [a, b, rate] : connections) add_connection(a, b, rate);
}

double StochasticNetwork::rate_of(const Base& c) const {
  return c.sampler ? static_cast<double>(c.sampler->value()) : c.rate;
}

void StochasticNetwork::resample_connectivity(nn::Rng& rng) {
  clear_edges();
  for (const Base& c : base_) {
    double rate = rate_of(c);
    bool present = rate >= 1.0 || (rate > 0.0 && rng.uniform_double() < rate);
    if (present) {
      add_edge(c.a, c.b);
    }
  }
}

void StochasticNetwork::reset(nn::Rng& rng) {
  resample_connectivity(rng);
  Network::reset(rng);
}

}  // namespace phantom
