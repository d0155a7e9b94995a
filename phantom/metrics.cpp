#include "phantom/metrics.hpp"

#include <algorithm>
#include <typeinfo>

#include "phantom/format.hpp"

namespace phantom {

std::string metric_label(const std::string& name) {
  return "metric '" + name + "': ";
}

Reduce parse_reduce(const std::string& name) {
  if (name == "last") return Reduce::last;
  if (name == "mean") return Reduce::mean;
  if (name == "sum") return Reduce::sum;
  if (name == "min") return Reduce::min;
  if (name == "max") return Reduce::max;
  if (name == "none") return Reduce::none;
  throw ConfigError("unknown reduce action '" + name +
                    "': expected one of 'last', 'mean', 'sum', 'min', 'max' or 'none'");
}

const char* to_string(Reduce r) {
  switch (r) {
    case Reduce::last:
      return "last";
    case Reduce::mean:
      return "mean";
    case Reduce::sum:
      return "sum";
    case Reduce::min:
      return "min";
    case Reduce::max:
      return "max";
    case Reduce::none:
      return "none";
  }
  return "?";
}

const char* to_string(Mode m) {
  return m == Mode::train ? "train" : "eval";
}

std::optional<double> reduce_values(Reduce r, const double* values, std::size_t n) {
  if (r == Reduce::none) {
    throw ConfigError("reduce action 'none' keeps every value; it does not reduce to one number");
  }
  if (n == 0) {
    if (r == Reduce::sum) return 0.0;
    return std::nullopt;
  }
  switch (r) {
    case Reduce::last:
      return values[n - 1];
    case Reduce::sum:
    case Reduce::mean: {
      // Summed left to right (numpy sums pairwise, which can differ in the last bits).
      double s = 0;
      for (std::size_t i = 0; i < n; ++i) s += values[i];
      return r == Reduce::sum ? s : s / static_cast<double>(n);
    }
    case Reduce::min:
      return *std::min_element(values, values + n);
    case Reduce::max:
      return *std::max_element(values, values + n);
    case Reduce::none:
      break;
  }
  return std::nullopt;
}

bool Metric::applies(const PhantomEnv& env) const {
  if (stages.every_stage()) return true;
  const std::string* stage = env.current_stage();
  return stage == nullptr || stages.includes(*stage);
}

SimpleMetric::SimpleMetric(Reduce train_reduce, Reduce eval_reduce, MetricStages stages,
                           std::string description)
    : Metric(std::move(stages), std::move(description)),
      train_reduce_(train_reduce),
      eval_reduce_(eval_reduce) {
  if (train_reduce == Reduce::none) {
    throw ConfigError(
        "train reduce action of a metric must be one of 'last', 'mean', 'sum', 'min' or 'max'; "
        "got 'none' (only the eval action may keep every value)");
  }
}

std::optional<double> SimpleMetric::reduce(const std::vector<double>& values, Mode mode) const {
  Reduce r = action(mode);
  if (r == Reduce::none) return std::nullopt;
  return reduce_values(r, values);
}

namespace metrics_detail {

const Agent& AgentLookup::find(const PhantomEnv& env) const {
  const Network& net = env.network();
  AgentIndex index = hint_.load(std::memory_order_relaxed);
  if (index < 0 || index >= net.size() || net.id_of(index) != id_) {
    index = net.find_index(id_);
    if (index < 0) {
      throw ConfigError("no agent with id '" + id_ +
                        "' in the env (agents: " + list_names(net.agent_ids()) + ")");
    }
    hint_.store(index, std::memory_order_relaxed);
  }
  return net.agent(index);
}

void throw_wrong_agent_type(const Agent& agent, const std::string& expected) {
  throw ConfigError("agent '" + agent.id() + "' is a " + agent.type_name() + ", expected a " +
                    expected);
}

void throw_wrong_env_type(const PhantomEnv& env, const std::string& expected) {
  throw ConfigError("the env is a " + demangle(typeid(env)) + ", expected a " + expected);
}

void check_group_reduce(Reduce r) {
  if (r == Reduce::last || r == Reduce::none) {
    throw ConfigError(
        std::string("group reduce action of an AggregatedAgentMetric must be one of ") +
        "'min', 'max', 'mean' or 'sum'; got '" + to_string(r) + "'");
  }
}

}  // namespace metrics_detail

LambdaMetric::LambdaMetric(ExtractFn extract_fn, ReduceFn train_reduce_fn, ReduceFn eval_reduce_fn,
                           MetricStages stages, std::string description)
    : Metric(std::move(stages), std::move(description)),
      extract_fn_(std::move(extract_fn)),
      train_fn_(std::move(train_reduce_fn)),
      eval_fn_(std::move(eval_reduce_fn)) {
  if (!extract_fn_ || !train_fn_ || !eval_fn_) {
    throw ConfigError("LambdaMetric needs an extract, a train reduce and an eval reduce function");
  }
}

std::optional<double> LambdaMetric::reduce(const std::vector<double>& values, Mode mode) const {
  return mode == Mode::train ? train_fn_(values) : eval_fn_(values);
}

MetricLogger::MetricLogger(NamedMetrics metrics) {
  entries_.reserve(metrics.size());
  for (auto& m : metrics) add(std::move(m.first), std::move(m.second));
}

void MetricLogger::add(std::string name, std::shared_ptr<Metric> metric) {
  if (metric == nullptr) throw ConfigError("metric '" + name + "' is null");
  if (contains(name)) throw ConfigError("duplicate metric name '" + name + "'");
  entries_.push_back(Entry{std::move(name), std::move(metric), MetricValues{}});
}

void MetricLogger::record(const PhantomEnv& env) {
  for (Entry& e : entries_) {
    try {
      e.metric->record(env, e.values);
    } catch (const ConfigError& error) {
      // A metric does not know its name; the message must say which one failed.
      throw ConfigError(metric_label(e.name) + error.what());
    }
  }
}

std::vector<ReducedMetric> MetricLogger::reduced(Mode mode) const {
  std::vector<ReducedMetric> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) {
    ReducedMetric r;
    r.name = e.name;
    if (e.metric->keeps_all(mode)) {
      r.values = e.values.values();
    } else {
      r.value = e.metric->reduce(e.values.values(), mode);
    }
    out.push_back(std::move(r));
  }
  return out;
}

void MetricLogger::clear() {
  for (Entry& e : entries_) e.values.clear();
}

void MetricLogger::reserve(std::size_t steps) {
  for (Entry& e : entries_) e.values.reserve(steps);
}

const MetricValues& MetricLogger::values(const std::string& name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return e.values;
  }
  throw ConfigError("no metric named '" + name + "'");
}

bool MetricLogger::contains(const std::string& name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return true;
  }
  return false;
}

}  // namespace phantom
