// OfflineSession: building the input, estimating, counting.
#include "trainers/offline/offline_session.hpp"

#include <algorithm>
#include <utility>

#include "nn/error.hpp"
#include "trainers/offline/input_files.hpp"
#include "trainers/offline/mixed_input.hpp"
#include "trainers/offline/shuffled_input.hpp"

namespace phantom {

namespace {

constexpr uint64_t kStream = 0x6f66666cULL;  // "offl": the offline readers' streams of the seed
constexpr uint64_t kMixStream = 1000, kShuffleStream = 1001;

}  // namespace

OfflineSession::OfflineSession(const OfflineInputOptions& options, uint64_t seed,
                               RolloutWorker& worker, double gamma,
                               std::vector<std::string> required_columns, std::string who)
    : worker_(worker), who_(std::move(who)), required_columns_(std::move(required_columns)) {
  const std::string what = who_ + ": offline input";
  bool has_sampler = false;
  for (std::size_t k = 0; k < options.evaluation.size(); ++k) {
    const std::string& m = options.evaluation[k];
    if (std::find(options.evaluation.begin(), options.evaluation.begin() + k, m) !=
        options.evaluation.begin() + k) {
      throw ConfigError(what + ": evaluation method '" + m + "' is listed twice");
    }
    if (m == "simulation") {
      simulation_ = true;
      continue;
    }
    methods_.push_back({OffPolicyEstimator(off_policy_method(m), gamma), {}, {}, {}});
  }
  const nn::Rng base(seed, kStream);
  JsonReaderOptions reader_options;
  reader_options.max_bad_lines = options.max_bad_lines;
  reader_options.on_warning = options.on_warning;
  if (options.sources.size() > 1) {
    std::vector<std::string> names;
    std::vector<double> probabilities;
    for (const InputSource& s : options.sources) {
      names.push_back(s.source);
      probabilities.push_back(s.probability);
    }
    check_mix_probabilities(names, probabilities, what);
  }
  std::vector<MixedSource> sources;
  for (std::size_t k = 0; k < options.sources.size(); ++k) {
    const InputSource& s = options.sources[k];
    MixedSource m{s.source, s.probability, nullptr};
    if (s.source == "sampler") {
      has_sampler = true;
      m.reader = std::make_shared<SamplerInput>(
          [&w = worker_]() -> MultiAgentBatch& { return w.sample(); });
    } else {
      auto reader =
          std::make_shared<JsonReader>(find_input_files(s.source), base.derive(k), reader_options);
      files_.push_back(reader);
      m.reader = reader;
    }
    sources.push_back(std::move(m));
  }
  if (simulation_ && has_sampler) {
    throw ConfigError(what +
                      ": 'simulation' samples the env for metrics only, so it cannot be "
                      "combined with a 'sampler' source (which learns from the samples)");
  }
  if (sources.size() == 1) {
    input_ = sources[0].reader;
  } else {
    input_ = std::make_shared<MixedInput>(std::move(sources), base.derive(kMixStream));
  }
  input_ = std::make_shared<ShuffledInput>(input_, options.shuffle_buffer_size,
                                           base.derive(kShuffleStream));
  for (const Method& m : methods_) {
    const std::string prefix = std::string("off_policy/") + m.estimator.name() + "/";
    const std::string step =
        m.estimator.method() == OffPolicyEstimator::Method::is ? "V_step_IS" : "V_step_WIS";
    columns_.push_back(prefix + "V_prev");
    columns_.push_back(prefix + step);
    columns_.push_back(prefix + "V_gain_est");
  }
  if (!files_.empty()) {
    columns_.push_back("offline/skipped_lines");
    columns_.push_back("offline/torn_lines");
  }
}

OfflineSession::~OfflineSession() = default;

void OfflineSession::check_columns(const MultiAgentBatch& batch) const {
  for (const auto& [id, b] : batch.policy_batches) {
    if (!worker_.get_policy(id)) {
      throw ConfigError(who_ + ": offline input holds rows of policy '" + id +
                        "', which the trainer does not have (its policies: " +
                        [&] {
                          std::string names;
                          worker_.foreach_policy([&](Policy&, const std::string& p) {
                            names += (names.empty() ? "'" : ", '") + p + "'";
                          });
                          return names;
                        }() +
                        ")");
    }
    if (!worker_.is_trained(id) || b.size() == 0) continue;
    for (const std::string& c : required_columns_) {
      if (!b.has_column(c)) {
        throw ConfigError(who_ + ": offline input: policy '" + id + "' has no column '" + c +
                          "', which the trainer learns from (the data was written by a policy "
                          "that did not compute it)");
      }
    }
  }
}

void OfflineSession::estimate(const MultiAgentBatch& batch) {
  if (methods_.empty()) return;
  if (batch.policy_batches.size() > 1) {
    throw ConfigError(who_ +
                      ": off-policy estimation needs batches of a single policy; this one "
                      "holds " +
                      std::to_string(batch.policy_batches.size()) + " policies");
  }
  if (batch.policy_batches.empty()) return;
  const std::string& id = batch.policy_batches.begin()->first;
  auto* target = dynamic_cast<TrainablePolicy*>(worker_.get_policy(id));
  if (!target) {
    throw ConfigError(who_ + ": off-policy estimation: policy '" + id +
                      "' of the batch is not a trainable policy of the trainer");
  }
  for (Method& m : methods_) {
    for (const OffPolicyEstimate& e : m.estimator.estimate(batch, *target)) {
      m.v_prev.add(e.v_prev);
      m.v_target.add(e.v_target);
      m.gain.add(e.gain);
    }
  }
}

MultiAgentBatch& OfflineSession::next() {
  MultiAgentBatch& batch = input_->next();
  check_columns(batch);
  estimate(batch);
  env_steps_ += batch.env_steps;
  agent_steps_ += batch.agent_steps();
  if (simulation_) worker_.sample();  // for the episode metrics only
  return batch;
}

void OfflineSession::collect_stats(IterationStats& stats) {
  IterationStats worker_stats;
  worker_stats.reset(stats.returns.size(), stats.metrics.size(), stats.custom_metrics.size());
  worker_.collect_stats(worker_stats);
  // Steps count the data handed out (a sampler source's batches included), not the worker's.
  worker_stats.env_steps = env_steps_;
  worker_stats.agent_steps = agent_steps_;
  env_steps_ = agent_steps_ = 0;
  stats.merge(worker_stats);
  std::size_t c = 0;
  for (Method& m : methods_) {
    stats.set_stat(columns_[c++], m.v_prev.mean());
    stats.set_stat(columns_[c++], m.v_target.mean());
    stats.set_stat(columns_[c++], m.gain.mean());
    m.v_prev = m.v_target = m.gain = Accumulator();
  }
  if (!files_.empty()) {
    int64_t skipped = 0, torn = 0;
    for (const auto& r : files_) {
      skipped += r->skipped_lines();
      torn += r->torn_lines();
    }
    stats.set_stat(columns_[c++], static_cast<double>(skipped));
    stats.set_stat(columns_[c++], static_cast<double>(torn));
  }
}

void OfflineSession::save(nn::StateDict& out, const std::string& prefix) const {
  input_->save(out, prefix + ".input");
  for (const Method& m : methods_) m.estimator.save(out, prefix + "." + m.estimator.name());
}

void OfflineSession::load(const nn::StateDict& in, const std::string& prefix) {
  input_->load(in, prefix + ".input");
  for (Method& m : methods_) m.estimator.load(in, prefix + "." + m.estimator.name());
}

}  // namespace phantom
