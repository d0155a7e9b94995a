// Metrics: numbers extracted from the env after every step and reduced per episode.
//
// A Metric extracts one value from the env (extract), may be limited to some FSM stages
// (applies), and reduces the values of an episode to one number (reduce) with its train or eval
// action. A MetricLogger holds named metrics and their recorded values:
//
//   phantom::MetricLogger metrics;
//   metrics.add("stock", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::stock));
//   metrics.add("sales", phantom::agent_metric<ShopAgent>("SHOP", &ShopAgent::sales));
//   env.reset(seed);
//   while (!env.done()) { env.step(actions); metrics.record(env); }
//   for (const auto& r : metrics.reduced(phantom::Mode::train)) ...  // r.name, *r.value
//   metrics.clear();                                                   // next episode
//
// Values are recorded only on the steps where a metric applies (its MetricStages); the other steps
// are counted, not stored. A reduce action of `none` keeps every recorded value instead of one
// number (ReducedMetric::values).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "phantom/env.hpp"
#include "phantom/error.hpp"
#include "phantom/type_id.hpp"

namespace phantom {

/// How a list of values becomes one number. `none` keeps them all (eval only).
enum class Reduce { last, mean, sum, min, max, none };

/// Which of a metric's two reductions applies: training (Python "train") or evaluation
/// ("evaluate"; any other Python string also meant eval).
enum class Mode { train, eval };

/// "last", "mean", "sum", "min", "max" or "none"; anything else throws ConfigError naming it.
Reduce parse_reduce(const std::string& name);
const char* to_string(Reduce r);
const char* to_string(Mode m);

/// Reduces values[0..n) in order: last, mean (sum / n), sum, min or max. An empty list gives
/// nullopt, except sum, which gives 0. `none` is not a reduction: it throws ConfigError.
std::optional<double> reduce_values(Reduce r, const double* values, std::size_t n);
inline std::optional<double> reduce_values(Reduce r, const std::vector<double>& values) {
  return reduce_values(r, values.data(), values.size());
}

/// The values one metric recorded over an episode (or iteration). Steps where the metric did not
/// apply are counted, not stored. clear() keeps the capacity, so recording the next episode of
/// the same length allocates nothing.
class MetricValues {
 public:
  void record(double v) { values_.push_back(v); }
  void skip() { ++skipped_; }
  const std::vector<double>& values() const { return values_; }
  std::size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  /// Steps where the metric did not apply (wrong FSM stage).
  std::size_t skipped() const { return skipped_; }
  void reserve(std::size_t n) { values_.reserve(n); }
  void clear() {
    values_.clear();
    skipped_ = 0;
  }

 private:
  std::vector<double> values_;
  std::size_t skipped_ = 0;
};

/// The FSM stages in which a metric is recorded. Left out (or `{}`), every stage; given a list,
/// only the stages listed, so an explicitly empty list (`std::vector<std::string>{}`) records in
/// no stage at all. An env without stages records every metric whatever its list.
///   agent_metric<Shop>("SHOP", &Shop::stock, Reduce::mean, Reduce::none, {"ordering"})
class MetricStages {
 public:
  /// Every stage.
  MetricStages() = default;
  /// Only these stage ids.
  MetricStages(std::initializer_list<std::string> ids) : ids_(ids), listed_(true) {}
  /// Only these stage ids (none if the list is empty).
  MetricStages(std::vector<std::string> ids) : ids_(std::move(ids)), listed_(true) {}

  /// True when no list was given.
  bool every_stage() const { return !listed_; }
  /// The listed stage ids (empty for every_stage()).
  const std::vector<std::string>& ids() const { return ids_; }
  /// Whether a metric with these stages is recorded in stage `id`.
  bool includes(const std::string& id) const {
    return !listed_ || std::find(ids_.begin(), ids_.end(), id) != ids_.end();
  }

 private:
  std::vector<std::string> ids_;
  bool listed_ = false;
};

/// Base of every metric. Subclass it and override extract() (and reduce() for another reduction
/// than the last value), or use SimpleMetric's subclasses and LambdaMetric below.
class Metric {
 public:
  explicit Metric(MetricStages stages = {}, std::string description = "")
      : stages(std::move(stages)), description(std::move(description)) {}
  virtual ~Metric() = default;

  /// The metric's value for the env's current state (called after a step).
  virtual double extract(const PhantomEnv& env) const = 0;
  /// The episode's values reduced for `mode`; nullopt when there is nothing to reduce to one
  /// number (no values with last/mean/min/max, or the action is `none`). By default the last
  /// value for both modes, as in Python.
  virtual std::optional<double> reduce(const std::vector<double>& values, Mode mode) const {
    (void)mode;
    return reduce_values(Reduce::last, values);
  }
  /// Whether `mode` keeps every value rather than one number (a `none` action).
  virtual bool keeps_all(Mode mode) const {
    (void)mode;
    return false;
  }

  /// Whether a value is recorded now: always in an env without FSM stages, else when `stages`
  /// includes the env's current stage id.
  bool applies(const PhantomEnv& env) const;
  /// Appends extract(env) to `out` if the metric applies, else counts a skipped step.
  void record(const PhantomEnv& env, MetricValues& out) const {
    if (applies(env)) {
      out.record(extract(env));
    } else {
      out.skip();
    }
  }

  /// The FSM stages where the metric is recorded (default: every stage).
  MetricStages stages;
  std::string description;
};

/// A metric reduced with one of the built-in actions. train: last/mean/sum/min/max; eval: those
/// or none. Other actions throw ConfigError at construction.
class SimpleMetric : public Metric {
 public:
  SimpleMetric(Reduce train_reduce, Reduce eval_reduce, MetricStages stages = {},
               std::string description = "");
  Reduce train_reduce() const { return train_reduce_; }
  Reduce eval_reduce() const { return eval_reduce_; }
  Reduce action(Mode mode) const { return mode == Mode::train ? train_reduce_ : eval_reduce_; }
  std::optional<double> reduce(const std::vector<double>& values, Mode mode) const override;
  bool keeps_all(Mode mode) const override { return action(mode) == Reduce::none; }

 private:
  Reduce train_reduce_, eval_reduce_;
};

namespace metrics_detail {
[[noreturn]] void throw_wrong_agent_type(const Agent& agent, const std::string& expected);
[[noreturn]] void throw_wrong_env_type(const PhantomEnv& env, const std::string& expected);
void check_group_reduce(Reduce r);

// Finds one agent by id in the envs a metric is recorded from. It remembers the agent's index:
// envs built by one factory hold the agent at the same index, so a lookup is then one string
// comparison instead of a hash lookup (metrics are read at every step). The hint is atomic
// because the rollout runner's threads share one metric; a stale hint only costs the hash lookup.
class AgentLookup {
 public:
  explicit AgentLookup(std::string id) : id_(std::move(id)) {}
  AgentLookup(const AgentLookup& other)
      : id_(other.id_), hint_(other.hint_.load(std::memory_order_relaxed)) {}
  AgentLookup& operator=(const AgentLookup&) = delete;
  const std::string& id() const { return id_; }
  // ConfigError naming the id when the env has no such agent.
  const Agent& find(const PhantomEnv& env) const;

 private:
  std::string id_;
  mutable std::atomic<AgentIndex> hint_{-1};
};

// The agent as an AgentT; ConfigError naming the id and the actual and expected types when it is
// of another type. An exact type match (the usual case) needs no dynamic_cast.
template <class AgentT>
const AgentT& agent_as(const Agent& a) {
  if (typeid(a) == typeid(AgentT)) return static_cast<const AgentT&>(a);
  const auto* typed = dynamic_cast<const AgentT*>(&a);
  if (typed == nullptr) throw_wrong_agent_type(a, type_name<AgentT>());
  return *typed;
}
}  // namespace metrics_detail

/// One agent's value, e.g. SimpleAgentMetric<ShopAgent>("SHOP", &ShopAgent::stock) or with a
/// lambda [](const ShopAgent& a) { return a.stock; }. Python used a dotted attribute path.
template <class AgentT>
class SimpleAgentMetric : public SimpleMetric {
 public:
  using Getter = std::function<double(const AgentT&)>;
  SimpleAgentMetric(std::string agent_id, Getter getter, Reduce train_reduce = Reduce::mean,
                    Reduce eval_reduce = Reduce::none, MetricStages stages = {},
                    std::string description = "")
      : SimpleMetric(train_reduce, eval_reduce, std::move(stages), std::move(description)),
        agent_(std::move(agent_id)),
        getter_(std::move(getter)) {}
  double extract(const PhantomEnv& env) const override {
    return getter_(metrics_detail::agent_as<AgentT>(agent_.find(env)));
  }
  const std::string& agent_id() const { return agent_.id(); }

 private:
  metrics_detail::AgentLookup agent_;
  Getter getter_;
};

/// A value of the env itself, e.g. SimpleEnvMetric<MyEnv>([](const MyEnv& e) { return e.price; }).
/// Use EnvT = PhantomEnv for values every env has (current_step...).
template <class EnvT>
class SimpleEnvMetric : public SimpleMetric {
 public:
  using Getter = std::function<double(const EnvT&)>;
  explicit SimpleEnvMetric(Getter getter, Reduce train_reduce = Reduce::mean,
                           Reduce eval_reduce = Reduce::none, MetricStages stages = {},
                           std::string description = "")
      : SimpleMetric(train_reduce, eval_reduce, std::move(stages), std::move(description)),
        getter_(std::move(getter)) {}
  double extract(const PhantomEnv& env) const override {
    const auto* typed = dynamic_cast<const EnvT*>(&env);
    if (typed == nullptr) metrics_detail::throw_wrong_env_type(env, type_name<EnvT>());
    return getter_(*typed);
  }

 private:
  Getter getter_;
};

/// The agents' values combined each step with group_reduce (min, max, mean or sum; anything else
/// throws ConfigError), then reduced over the episode like any SimpleMetric.
template <class AgentT>
class AggregatedAgentMetric : public SimpleMetric {
 public:
  using Getter = std::function<double(const AgentT&)>;
  AggregatedAgentMetric(std::vector<std::string> agent_ids, Getter getter,
                        Reduce group_reduce = Reduce::mean, Reduce train_reduce = Reduce::mean,
                        Reduce eval_reduce = Reduce::none, MetricStages stages = {},
                        std::string description = "")
      : SimpleMetric(train_reduce, eval_reduce, std::move(stages), std::move(description)),
        agent_ids_(std::move(agent_ids)),
        getter_(std::move(getter)),
        group_reduce_(group_reduce) {
    metrics_detail::check_group_reduce(group_reduce_);
    if (agent_ids_.empty()) throw ConfigError("AggregatedAgentMetric needs at least one agent id");
    for (const std::string& id : agent_ids_) agents_.emplace_back(id);
  }
  double extract(const PhantomEnv& env) const override {
    // Combined on the fly (no buffer), summing left to right like reduce_values().
    double sum = 0, lo = 0, hi = 0;
    for (std::size_t i = 0; i < agent_ids_.size(); ++i) {
      double v = getter_(metrics_detail::agent_as<AgentT>(agents_[i].find(env)));
      sum += v;
      lo = i == 0 ? v : std::min(lo, v);
      hi = i == 0 ? v : std::max(hi, v);
    }
    switch (group_reduce_) {
      case Reduce::min:
        return lo;
      case Reduce::max:
        return hi;
      case Reduce::sum:
        return sum;
      default:
        return sum / static_cast<double>(agent_ids_.size());
    }
  }
  const std::vector<std::string>& agent_ids() const { return agent_ids_; }
  Reduce group_reduce() const { return group_reduce_; }

 private:
  std::vector<std::string> agent_ids_;
  std::vector<metrics_detail::AgentLookup> agents_;  // parallel to agent_ids_
  Getter getter_;
  Reduce group_reduce_;
};

/// Custom extraction and custom train / eval reductions.
class LambdaMetric : public Metric {
 public:
  using ExtractFn = std::function<double(const PhantomEnv&)>;
  using ReduceFn = std::function<double(const std::vector<double>&)>;
  LambdaMetric(ExtractFn extract_fn, ReduceFn train_reduce_fn, ReduceFn eval_reduce_fn,
               MetricStages stages = {}, std::string description = "");
  double extract(const PhantomEnv& env) const override { return extract_fn_(env); }
  /// Calls the train or eval function on the values (also when they are empty).
  std::optional<double> reduce(const std::vector<double>& values, Mode mode) const override;

 private:
  ExtractFn extract_fn_;
  ReduceFn train_fn_, eval_fn_;
};

/// SimpleAgentMetric from a data member or a getter:
///   agent_metric<ShopAgent>("SHOP", &ShopAgent::stock)
///   agent_metric<ShopAgent>("SHOP", [](const ShopAgent& a) { return a.stock - a.sales; })
template <class AgentT, class Get>
std::shared_ptr<SimpleAgentMetric<AgentT>> agent_metric(std::string agent_id, Get&& get,
                                                        Reduce train_reduce = Reduce::mean,
                                                        Reduce eval_reduce = Reduce::none,
                                                        MetricStages stages = {}) {
  // std::function accepts a pointer to data member too (it is invoked as `agent.*member`).
  return std::make_shared<SimpleAgentMetric<AgentT>>(
      std::move(agent_id), typename SimpleAgentMetric<AgentT>::Getter(std::forward<Get>(get)),
      train_reduce, eval_reduce, std::move(stages));
}

/// Named metrics, in the order they are recorded and reported: what a MetricLogger, a trainer, a
/// rollout worker, the rollout runner and telemetry take. Names must be unique (the logger
/// checks).
using NamedMetrics = std::vector<std::pair<std::string, std::shared_ptr<Metric>>>;

/// "metric '<name>': ", the start of a message about the metric named `name` (a metric's own
/// errors name its agent or env; whoever holds its name adds this).
std::string metric_label(const std::string& name);

/// One metric's result for a mode.
struct ReducedMetric {
  std::string name;
  /// The reduced value; nullopt when no value was recorded (last/mean/min/max) or the action is
  /// `none`.
  std::optional<double> value;
  /// For a `none` action, every recorded value in order; empty otherwise.
  std::vector<double> values;
};

/// Named metrics (in insertion order) and the values each recorded since the last clear().
class MetricLogger {
 public:
  MetricLogger() = default;
  /// Adds each pair in order (see add()).
  explicit MetricLogger(NamedMetrics metrics);

  /// Throws ConfigError for a duplicate name or a null metric.
  void add(std::string name, std::shared_ptr<Metric> metric);

  /// Appends each applicable metric's value for the env's current state (call after each step).
  /// Allocates nothing once the buffers have grown to an episode's length. A ConfigError from a
  /// metric (an unknown agent id, an agent or env of another type) is thrown again with the
  /// metric's name in front: "metric 'stock': no agent with id 'SHOPX' in the env (agents: ...)".
  void record(const PhantomEnv& env);
  /// Each metric's result for `mode`, in insertion order.
  std::vector<ReducedMetric> reduced(Mode mode) const;
  /// Forgets the recorded values (keeps the metrics and the buffers' capacity).
  void clear();
  /// Reserves room for `steps` values per metric (optional: buffers grow on their own).
  void reserve(std::size_t steps);

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::string& name(std::size_t i) const { return entries_[i].name; }
  const Metric& metric(std::size_t i) const { return *entries_[i].metric; }
  const MetricValues& values(std::size_t i) const { return entries_[i].values; }
  /// The values of the metric named `name`; ConfigError if there is none.
  const MetricValues& values(const std::string& name) const;
  bool contains(const std::string& name) const;

 private:
  struct Entry {
    std::string name;
    std::shared_ptr<Metric> metric;
    MetricValues values;
  };
  std::vector<Entry> entries_;
};

}  // namespace phantom
