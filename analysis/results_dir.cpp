// Results directories: naming runs, LATEST, and resolving what a user points at.
#include "analysis/results_dir.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <system_error>

#include "analysis/utc_stamp.hpp"
#include "nn/error.hpp"
#include "nn/parse_number.hpp"

namespace phantom {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLatest = "LATEST";
constexpr const char* kMetricsFile = "metrics.csv";
constexpr const char* kConfigFile = "config.txt";
constexpr std::string_view kCheckpointPrefix = "checkpoint-";
constexpr std::string_view kCheckpointSuffix = ".bin";

// The one rule for a name that must stay one entry inside its parent directory (an experiment,
// and the run LATEST names): not empty, not "." or "..", no '/' or '\', and printable characters
// only. A NUL would end the name early for the system ("..\0" opens ".."); other control bytes
// have no business in a directory name either. Bytes from 0x80 up (UTF-8) are allowed.
bool is_plain_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '/' || c == '\\') return false;
  }
  return true;
}

// `text` for a message, each byte that is not printable ASCII shown as \xNN.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", byte);
      out += buf;
    }
  }
  return out;
}

// The iteration in "checkpoint-<digits>.bin", or -1 for any other name.
int64_t checkpoint_iteration(std::string_view name) {
  if (name.size() <= kCheckpointPrefix.size() + kCheckpointSuffix.size() ||
      name.substr(0, kCheckpointPrefix.size()) != kCheckpointPrefix ||
      name.substr(name.size() - kCheckpointSuffix.size()) != kCheckpointSuffix) {
    return -1;
  }
  const std::string_view digits = name.substr(
      kCheckpointPrefix.size(), name.size() - kCheckpointPrefix.size() - kCheckpointSuffix.size());
  // Digits only (no sign), read by the library's one number rule.
  if (digits.empty() || !std::isdigit(static_cast<unsigned char>(digits[0]))) return -1;
  return parse_integer(digits, 0, std::numeric_limits<int64_t>::max()).value_or(-1);
}

// Whether a directory holds what a run writes.
bool looks_like_run(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / kMetricsFile, ec) || fs::exists(dir / kConfigFile, ec)) return true;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (checkpoint_iteration(it->path().filename().string()) >= 0) return true;
  }
  return false;
}

// The run directory a LATEST file names.
std::string run_named_by(const fs::path& latest) {
  // LATEST is written as the name and one line break; nothing else may be in it.
  const std::string text = read_text_file(latest.string());
  const std::string name =
      !text.empty() && text.back() == '\n' ? text.substr(0, text.size() - 1) : text;
  if (!is_plain_name(name)) {
    throw FormatError("results: '" + latest.string() +
                      "' should hold the name of a run directory beside it (printable characters, "
                      "no '/' or '\\', not '.' or '..', then at most one line break), but holds '" +
                      printable(text) + "'");
  }
  const fs::path run = latest.parent_path() / name;
  std::error_code ec;
  if (!fs::is_directory(run, ec)) {
    throw ConfigError("results: '" + latest.string() + "' names run '" + name + "', but '" +
                      run.string() + "' does not exist");
  }
  return run.string();
}

}  // namespace

std::string run_dir_name(std::chrono::system_clock::time_point time, uint64_t seed) {
  return utc_stamp(time, "%Y%m%d-%H%M%S") + "-seed" + std::to_string(seed);
}

ResultsDir ResultsDir::create(const std::string& base, const std::string& experiment, uint64_t seed,
                              const Clock& clock) {
  if (!is_plain_name(experiment)) {
    throw ConfigError(
        "results: the experiment name '" + printable(experiment) +
        "' must be a non-empty directory name of printable characters without '/' or '\\', "
        "not '.' or '..'");
  }
  const fs::path experiment_dir = fs::path(base) / experiment;
  std::error_code ec;
  fs::create_directories(experiment_dir, ec);
  if (ec) {
    throw Error("results: cannot create '" + experiment_dir.string() + "': " + ec.message());
  }
  const std::string name = run_dir_name(clock ? clock() : std::chrono::system_clock::now(), seed);
  // create_directory reports whether it made the directory, so two processes starting runs in
  // the same second never share one.
  constexpr int kMaxSuffix = 10000;
  for (int suffix = 1; suffix <= kMaxSuffix; ++suffix) {
    const std::string run_name = suffix == 1 ? name : name + "-" + std::to_string(suffix);
    const fs::path run = experiment_dir / run_name;
    if (fs::create_directory(run, ec)) {
      write_text_atomic((experiment_dir / kLatest).string(), run_name + "\n");
      return ResultsDir(run.string());
    }
    if (ec) throw Error("results: cannot create '" + run.string() + "': " + ec.message());
  }
  throw Error("results: '" + (experiment_dir / name).string() + "' and " +
              std::to_string(kMaxSuffix - 1) + " suffixed variants already exist");
}

std::string ResultsDir::resolve(const std::string& path) {
  fs::path p(path);
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();  // "run/" -> "run"
  std::error_code ec;
  const fs::file_status status = fs::status(p, ec);
  if (!fs::exists(status)) throw ConfigError("results: '" + path + "' does not exist");
  if (fs::is_regular_file(status)) {
    if (p.filename() == kLatest) return run_named_by(p);
    throw ConfigError("results: '" + path +
                      "' is a file; expected a run directory, an experiment directory or a "
                      "LATEST file");
  }
  if (!fs::is_directory(status)) {
    throw ConfigError("results: '" + path + "' is neither a directory nor a LATEST file");
  }
  if (fs::is_regular_file(p / kLatest, ec)) return run_named_by(p / kLatest);
  if (looks_like_run(p)) return p.string();
  if (fs::is_empty(p, ec)) {
    throw ConfigError("results: '" + path + "' is empty: it holds no run and no LATEST file");
  }
  throw ConfigError("results: '" + path +
                    "' is neither a run directory (no metrics.csv, config.txt or checkpoint) nor "
                    "an experiment directory (no LATEST file)");
}

std::string ResultsDir::experiment_dir() const {
  return fs::path(dir_).parent_path().string();
}

std::string ResultsDir::metrics_path() const {
  return (fs::path(dir_) / kMetricsFile).string();
}

std::string ResultsDir::config_path() const {
  return (fs::path(dir_) / kConfigFile).string();
}

std::string ResultsDir::checkpoint_path(int64_t iteration) const {
  if (iteration < 0) {
    throw ValueError("results: checkpoint iteration " + std::to_string(iteration) + " is negative");
  }
  char name[48];
  std::snprintf(name, sizeof name, "checkpoint-%06lld.bin", static_cast<long long>(iteration));
  return (fs::path(dir_) / name).string();
}

std::vector<CheckpointFile> ResultsDir::list_checkpoints() const {
  std::vector<CheckpointFile> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const int64_t iteration = checkpoint_iteration(it->path().filename().string());
    std::error_code type_ec;
    if (iteration >= 0 && it->is_regular_file(type_ec)) {
      found.push_back(CheckpointFile{iteration, it->path().string()});
    }
  }
  if (ec) throw Error("results: cannot list '" + dir_ + "': " + ec.message());
  std::sort(found.begin(), found.end(), [](const CheckpointFile& a, const CheckpointFile& b) {
    return a.iteration < b.iteration;
  });
  return found;
}

std::optional<CheckpointFile> ResultsDir::latest_checkpoint() const {
  std::vector<CheckpointFile> all = list_checkpoints();
  if (all.empty()) return std::nullopt;
  return all.back();
}

}  // namespace phantom
