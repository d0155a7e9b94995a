// The rollout CSV exports: header fixing and checks, and rows built into one reused buffer per
// rollout, written with one call.
#include "analysis/rollout_csv.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "analysis/csv_logger.hpp"
#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

namespace {

// Integers without a temporary string.
template <class Int>
void append_int(std::string& out, Int value) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

std::string rollout_label(const Rollout& r) {
  return "rollout " + std::to_string(r.rollout_id);
}

// "(a, b)", for messages.
std::string joined(const std::vector<std::string>& names) {
  std::string out = "(";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i > 0 ? ", " : "") + names[i];
  return out + ")";
}

const std::string& param_name(const RolloutParam& p) {
  return p.name;
}

const std::string& metric_name(const ReducedMetric& m) {
  return m.name;
}

template <class T>
std::vector<std::string> names_of(const std::vector<T>& items,
                                  const std::string& (*name)(const T&)) {
  std::vector<std::string> out;
  for (const T& item : items) out.push_back(name(item));
  return out;
}

// "rollout 4 has params (cost, m), but the columns, fixed by the first rollout written, are for
// params (cost, n)".
[[noreturn]] void throw_differs(const PartialFile& file, const Rollout& r, const std::string& what,
                                const std::vector<std::string>& in_header,
                                const std::vector<std::string>& in_rollout) {
  throw ConfigError(file.label() + ": " + rollout_label(r) + " has " + what + " " +
                    joined(in_rollout) + ", but the columns, fixed by the first rollout written, " +
                    "are for " + what + " " + joined(in_header));
}

// Throws unless the items' names are the header's. Compares without building a list of names:
// this runs for every rollout.
template <class T>
void check_names(const PartialFile& file, const Rollout& r, const char* what,
                 const std::vector<std::string>& in_header, const std::vector<T>& items,
                 const std::string& (*name)(const T&)) {
  bool same = in_header.size() == items.size();
  for (std::size_t i = 0; same && i < items.size(); ++i) same = in_header[i] == name(items[i]);
  if (!same) throw_differs(file, r, what, in_header, names_of(items, name));
}

// Appends the header line; a name used by two columns (a param named "step", say) would make
// the file ambiguous to read, so it is a ConfigError.
void append_header(std::string& out, const PartialFile& file,
                   const std::vector<std::string>& columns) {
  std::set<std::string> seen;
  for (const std::string& column : columns) {
    if (!seen.insert(column).second) {
      throw ConfigError(file.label() + ": two columns would be named '" + column +
                        "' (a param or metric named like another column)");
    }
  }
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ',';
    append_csv_field(out, columns[i]);
  }
  out += '\n';
}

// "rollout_id,repeat_id,seed,<param values>": the first cells of every row of the rollout.
void append_ids_and_params(std::string& out, const Rollout& r) {
  append_int(out, r.rollout_id);
  out += ',';
  append_int(out, r.repeat_id);
  out += ',';
  append_int(out, r.seed);
  for (const RolloutParam& p : r.params) {
    out += ',';
    append_float(out, p.value);
  }
}

// `width` cells, each after a comma: the entry's `size` components (none when it is null),
// then empty cells (size <= width: checked by check_fits).
void append_components(std::string& out, const float* entry, int64_t size, int64_t width) {
  const int64_t n = entry ? size : 0;
  for (int64_t k = 0; k < n; ++k) {
    out += ',';
    append_float(out, entry[k]);
  }
  out.append(static_cast<std::size_t>(width - n), ',');
}

void append_flag(std::string& out, const std::optional<bool>& flag) {
  out += ',';
  if (flag) out += *flag ? '1' : '0';
}

int64_t largest(const std::vector<int64_t>& sizes) {
  return sizes.empty() ? 0 : std::max<int64_t>(0, *std::max_element(sizes.begin(), sizes.end()));
}

}  // namespace

RolloutCsvWriter::RolloutCsvWriter(const std::string& path) : file_(path, "rollouts CSV") {}

void RolloutCsvWriter::start(const Rollout& r) {
  param_names_ = names_of(r.params, param_name);
  agent_ids_ = r.agent_ids();
  observation_width_ = largest(r.observation_sizes());
  action_width_ = largest(r.action_sizes());

  std::vector<std::string> columns = {"rollout_id", "repeat_id", "seed"};
  columns.insert(columns.end(), param_names_.begin(), param_names_.end());
  columns.insert(columns.end(), {"step", "stage", "agent"});
  for (int64_t k = 0; k < observation_width_; ++k) columns.push_back("obs_" + std::to_string(k));
  for (int64_t k = 0; k < action_width_; ++k) columns.push_back("action_" + std::to_string(k));
  columns.insert(columns.end(), {"reward", "terminated", "truncated"});
  append_header(buffer_, file_, columns);
}

void RolloutCsvWriter::check_fits(const Rollout& r) const {
  check_names(file_, r, "params", param_names_, r.params, param_name);
  if (r.agent_ids() != agent_ids_) throw_differs(file_, r, "agents", agent_ids_, r.agent_ids());
  const auto check_width = [&](const std::vector<int64_t>& sizes, int64_t width, const char* what,
                               const char* prefix) {
    for (std::size_t a = 0; a < sizes.size(); ++a) {
      if (sizes[a] > width) {
        throw ConfigError(file_.label() + ": " + rollout_label(r) + ": agent '" + agent_ids_[a] +
                          "' has " + what + " size " + std::to_string(sizes[a]) +
                          ", but the columns, fixed by the first rollout written, hold " +
                          std::to_string(width) + " (" + prefix + "0.." + prefix +
                          std::to_string(width - 1) + ")");
      }
    }
  };
  check_width(r.observation_sizes(), observation_width_, "observation", "obs_");
  check_width(r.action_sizes(), action_width_, "action", "action_");
}

void RolloutCsvWriter::write(const Rollout& r) {
  buffer_.clear();
  if (!started_) start(r);
  check_fits(r);

  prefix_.clear();
  append_ids_and_params(prefix_, r);
  prefix_ += ',';
  const std::size_t n_agents = r.agent_ids().size();
  for (std::size_t i = 0; i < r.size(); ++i) {
    for (std::size_t a = 0; a < n_agents; ++a) {
      buffer_ += prefix_;
      append_int(buffer_, i);
      buffer_ += ',';
      append_csv_field(buffer_, r.stage(i));
      buffer_ += ',';
      append_csv_field(buffer_, r.agent_ids()[a]);
      append_components(buffer_, r.observation(i, a), r.observation_sizes()[a], observation_width_);
      append_components(buffer_, r.action(i, a), r.action_sizes()[a], action_width_);
      buffer_ += ',';
      if (const std::optional<double> reward = r.reward(i, a)) append_double(buffer_, *reward);
      append_flag(buffer_, r.terminated(i, a));
      append_flag(buffer_, r.truncated(i, a));
      buffer_ += '\n';
    }
  }
  file_.append(buffer_);
  started_ = true;
  ++rollouts_;
  rows_ += r.size() * n_agents;
}

void RolloutCsvWriter::close() {
  file_.close();
}

RolloutMetricsCsvWriter::RolloutMetricsCsvWriter(const std::string& path)
    : file_(path, "rollout metrics CSV") {}

void RolloutMetricsCsvWriter::write(const Rollout& r) {
  buffer_.clear();
  if (!started_) {
    param_names_ = names_of(r.params, param_name);
    metric_names_ = names_of(r.metrics, metric_name);
    std::vector<std::string> columns = {"rollout_id", "repeat_id", "seed"};
    columns.insert(columns.end(), param_names_.begin(), param_names_.end());
    columns.insert(columns.end(), metric_names_.begin(), metric_names_.end());
    append_header(buffer_, file_, columns);
  }
  check_names(file_, r, "params", param_names_, r.params, param_name);
  check_names(file_, r, "metrics", metric_names_, r.metrics, metric_name);

  append_ids_and_params(buffer_, r);
  for (const ReducedMetric& m : r.metrics) {
    buffer_ += ',';
    if (m.value) {
      append_double(buffer_, *m.value);
    } else {
      // A `none` metric keeps every value; one cell holds them all (spaces need no quoting).
      for (std::size_t k = 0; k < m.values.size(); ++k) {
        if (k > 0) buffer_ += ' ';
        append_double(buffer_, m.values[k]);
      }
    }
  }
  buffer_ += '\n';
  file_.append(buffer_);
  started_ = true;
  ++rollouts_;
}

void RolloutMetricsCsvWriter::close() {
  file_.close();
}

void write_rollouts_csv(const std::string& path, const std::vector<Rollout>& rollouts) {
  RolloutCsvWriter writer(path);
  for (const Rollout& r : rollouts) writer.write(r);
  writer.close();
}

void write_rollout_metrics_csv(const std::string& path, const std::vector<Rollout>& rollouts) {
  RolloutMetricsCsvWriter writer(path);
  for (const Rollout& r : rollouts) writer.write(r);
  writer.close();
}

}  // namespace phantom
