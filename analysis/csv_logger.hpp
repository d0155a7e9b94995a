// The metrics CSV: one row per training iteration, with columns the trainer fixes up front.
//
//   phantom::CsvMetricsLogger log(run.metrics_path(), {"iteration", "env_steps", "loss"});
//   log.write_row(phantom::CsvRow().set("iteration", 1).set("env_steps", 4000).set("loss", 0.25));
//
// The header is written once, when the file is created. Every row is formatted in full and then
// handed to the system in one write and flushed, so a row that write_row returned from survives a
// crash of the process. Append mode reopens a file (resuming a run): its header must equal the
// columns given, and a torn last row (the process died in the middle of writing it) is cut off.
// A UTF-8 byte order mark marks the file, not the first column (analysis/csv_reader.hpp): append
// mode accepts a file that starts with one and keeps it, and a first column given with one is
// written with it and compared without it.
// The format is described in docs/FORMATS.md ("Metrics CSV").
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace phantom {

/// One row of cells by column name, built by the caller and given to CsvMetricsLogger::write_row.
/// Numbers are formatted as the shortest text that reads back as the same value; NaN becomes an
/// empty cell, like a column with no value this iteration. Setting a column again replaces it.
class CsvRow {
 public:
  CsvRow& set(const std::string& column, double value);
  /// A float is written with float precision ("0.1", not "0.100000001490116").
  CsvRow& set(const std::string& column, float value);
  /// Any integer type (counters, iterations), written exactly.
  template <class Int,
            std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  CsvRow& set(const std::string& column, Int value) {
    return set_text(column, std::to_string(value));
  }
  /// Text, quoted in the file when it holds a comma, a quote or a line break.
  CsvRow& set_text(const std::string& column, std::string text);

  /// The cells set so far, by column name.
  const std::map<std::string, std::string>& cells() const { return cells_; }

 private:
  std::map<std::string, std::string> cells_;
};

/// Appends one CSV field to `out`, quoted (RFC 4180) only if it holds ',', '"', CR or LF, or
/// starts with a UTF-8 byte order mark (unquoted at the start of a file, a reader would take it
/// for the file's mark).
void append_csv_field(std::string& out, std::string_view field);

/// Writes the metrics CSV. Not copyable (it owns the open file); movable.
class CsvMetricsLogger {
 public:
  /// What to do with a file that already exists.
  enum class Mode {
    /// Start a new file (replacing any existing one) and write the header.
    kOverwrite,
    /// Keep the rows already there: the header must equal `columns`, otherwise a ConfigError
    /// names the file and the first differing column; a torn last row is cut off. A missing or
    /// empty file is started as in kOverwrite. A byte order mark at the start of the file (or of
    /// the first column) takes no part in the comparison and stays in the file.
    kAppend,
  };

  /// Opens `path` with the given column order. Throws phantom::ConfigError if `columns` is empty
  /// or names a column twice, phantom::FormatError if an existing file cannot be parsed, and
  /// phantom::Error (naming the path and the system's reason) if the file cannot be opened or
  /// written.
  CsvMetricsLogger(const std::string& path, std::vector<std::string> columns,
                   Mode mode = Mode::kOverwrite);
  CsvMetricsLogger(CsvMetricsLogger&&) = default;
  CsvMetricsLogger& operator=(CsvMetricsLogger&&) = default;
  CsvMetricsLogger(const CsvMetricsLogger&) = delete;
  CsvMetricsLogger& operator=(const CsvMetricsLogger&) = delete;

  /// Writes one row, cells in column order; a column the row does not set is left empty. Throws
  /// phantom::ValueError if the row sets a column that is not in the file (nothing is written),
  /// phantom::Error if writing or flushing fails; after such a failure every later call throws
  /// too, since the file may end in part of a row (reopening in append mode repairs it).
  void write_row(const CsvRow& row);

  const std::string& path() const { return path_; }
  const std::vector<std::string>& columns() const { return columns_; }
  bool has_column(const std::string& name) const { return index_.count(name) != 0; }
  /// Rows in the file, not counting the header: those kept when appending plus those written.
  std::size_t rows() const { return rows_; }
  /// Bytes of a torn last row cut off when the file was opened in append mode (0 if none).
  std::size_t torn_bytes_dropped() const { return torn_bytes_dropped_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  // Append mode's checks and repair against the header `names` (the columns as a reader sees
  // them); returns true if the file still needs a header.
  bool prepare_append(const std::vector<std::string>& names);
  // Hands `text` to the system in one write and flushes it; throws phantom::Error on failure.
  void write_whole(const std::string& text, const char* what);

  std::string path_;
  std::vector<std::string> columns_;
  std::map<std::string, std::size_t> index_;  // column name -> position
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::size_t rows_ = 0;
  std::size_t torn_bytes_dropped_ = 0;
  bool write_failed_ = false;
  bool kept_byte_order_mark_ = false;  // append mode found a mark and no header after it
  std::string line_;                   // reused row buffer
};

}  // namespace phantom
