// TensorBoardLog: CSV columns to tags, and one row's cells to scalar events.
#include "trainers/tensorboard_log.hpp"

#include <map>
#include <optional>

#include "analysis/csv_logger.hpp"
#include "nn/error.hpp"
#include "nn/parse_number.hpp"

namespace phantom {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string tensorboard_tag_of_column(const std::string& column) {
  if (column == "iteration" || column == "wall_seconds") return "";
  const std::string agent = "agent/", mean = "/reward_mean", metric = "metric/";
  if (starts_with(column, agent) && ends_with(column, mean) &&
      column.size() > agent.size() + mean.size()) {
    return "rewards/" + column.substr(agent.size(), column.size() - agent.size() - mean.size());
  }
  if (starts_with(column, metric) && column.size() > metric.size()) {
    return column.substr(metric.size());
  }
  return column;
}

namespace {

// (column, cleaned tag) of every column written, checked for tags shared by two columns before
// any file is created.
std::vector<std::pair<std::string, std::string>> column_tags(
    const std::string& dir, const std::vector<std::string>& columns) {
  std::vector<std::pair<std::string, std::string>> tags;
  std::map<std::string, std::string> column_of_tag = {{kGroupRewardTag, "(pooled agent rewards)"}};
  for (const std::string& column : columns) {
    const std::string tag = tensorboard_tag_of_column(column);
    if (tag.empty()) continue;
    const std::string cleaned = clean_tensorboard_tag(tag);
    const auto [it, added] = column_of_tag.emplace(cleaned, column);
    if (!added) {
      throw ConfigError("tensorboard_dir '" + dir + "': metrics CSV columns '" + it->second +
                        "' and '" + column + "' would both be TensorBoard tag '" + cleaned +
                        "'; rename an agent or metric");
    }
    tags.emplace_back(column, cleaned);
  }
  return tags;
}

}  // namespace

TensorBoardLog::TensorBoardLog(const std::string& dir, const std::vector<std::string>& columns)
    : tags_(column_tags(dir, columns)), writer_(dir) {}

void TensorBoardLog::write(const CsvRow& row, const std::vector<Accumulator>& returns,
                           int64_t env_steps) {
  const std::map<std::string, std::string>& cells = row.cells();
  for (const auto& [column, tag] : tags_) {
    const auto cell = cells.find(column);
    if (cell == cells.end() || cell->second.empty()) continue;
    // The CSV's text reads back as exactly the number written (the shortest round-trip form).
    if (const std::optional<double> value = parse_real(cell->second)) {
      writer_.add_scalar(tag, *value, env_steps);
    }
  }
  Accumulator group;
  for (const Accumulator& a : returns) group.merge(a);
  if (group.count > 0) writer_.add_scalar(kGroupRewardTag, group.mean(), env_steps);
}

}  // namespace phantom
