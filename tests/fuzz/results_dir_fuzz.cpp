// Fuzz target: results directories (analysis/results_dir.cpp). The input's first line is an
// experiment name for ResultsDir::create; the rest is the content of a LATEST file, resolved in
// an experiment directory holding the runs "run-a" and "run-b". Properties: a created run lies in
// <base>/<experiment>/; a resolved LATEST names one of the two runs (never the experiment
// directory, its parent or anything else).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "analysis/results_dir.hpp"
#include "fuzz_support.hpp"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input = fuzz::text(data, size);
  const std::size_t eol = input.find('\n');
  const std::string experiment = input.substr(0, eol);
  const std::string latest = eol == std::string::npos ? std::string() : input.substr(eol + 1);

  const std::string base = fuzz::scratch_dir() + "/base";
  fuzz::clear_dir(fuzz::scratch_dir());
  fs::create_directories(base);
  auto created = fuzz::accept_or_error([&] {
    return phantom::ResultsDir::create(base, experiment, 1,
                                       [] { return std::chrono::system_clock::time_point(); });
  });
  if (created) {
    fuzz::must_succeed("a created run lies in <base>/<experiment>/", [&] {
      const fs::path parent = fs::path(created->path()).parent_path();
      fuzz::check(fs::is_directory(created->path()) &&
                      fs::equivalent(parent, base + "/" + experiment) &&
                      fs::equivalent(parent.parent_path(), base),
                  "a created run lies in <base>/<experiment>/");
    });
  }

  const std::string exp = fuzz::scratch_dir() + "/exp";
  fs::create_directories(exp + "/run-a");
  fs::create_directories(exp + "/run-b");
  fuzz::write_file(exp + "/run-a/metrics.csv", "iteration\n");
  fuzz::write_file(exp + "/run-b/metrics.csv", "iteration\n");
  fuzz::write_file(exp + "/LATEST", latest);
  for (const std::string& path : {exp, exp + "/LATEST"}) {
    auto run = fuzz::accept_or_error([&] { return phantom::ResultsDir::resolve(path); });
    if (!run) continue;
    fuzz::must_succeed("LATEST resolves to one of the experiment's runs", [&] {
      fuzz::check(fs::equivalent(*run, exp + "/run-a") || fs::equivalent(*run, exp + "/run-b"),
                  "LATEST resolves to one of the experiment's runs, not " + *run);
    });
  }
  return 0;
}
