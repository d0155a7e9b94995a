// Fuzz target: CsvMetricsLogger's append mode on an existing file (analysis/csv_logger.cpp):
// the header check, the byte order mark, and the repair of a torn last row. The first input
// byte picks the columns: even, a fixed set; odd, the header the rest of the input starts with
// (so the header check passes and the repair is reached). The rest is the file.
// Properties when the file is accepted: after one more row, the file reads back with the
// logger's columns and as many rows as the logger counts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/csv_logger.hpp"
#include "analysis/csv_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string file = fuzz::text(data + 1, size - 1);
  const std::string path = fuzz::scratch_dir() + "/metrics.csv";
  fuzz::write_file(path, file);

  std::vector<std::string> columns = {"iteration", "reward_mean", "note"};
  if (data[0] & 1) {
    auto header = fuzz::accept_or_error([&] {
      const std::string first_line = file.substr(0, file.find('\n') + 1);
      return phantom::parse_csv(first_line, "header").header;
    });
    if (!header) return 0;
    columns = *header;
  }
  auto logger = fuzz::accept_or_error([&] {
    return phantom::CsvMetricsLogger(path, columns, phantom::CsvMetricsLogger::Mode::kAppend);
  });
  if (!logger) return 0;
  fuzz::must_succeed("an appended row reads back with the logger's columns and row count", [&] {
    logger->write_row(phantom::CsvRow().set_text(columns.front(), "7"));
    const phantom::CsvTable t = phantom::read_csv(path);
    fuzz::check(t.header == columns, "the file's header is the logger's columns");
    fuzz::check(t.rows.size() == logger->rows(),
                "the file holds as many rows as the logger counts");
  });
  return 0;
}
