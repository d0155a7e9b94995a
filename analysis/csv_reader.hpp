// Reading CSV files (RFC 4180): the metrics files CsvMetricsLogger writes, read back by tests and
// the plotting tool.
//
//   phantom::CsvTable t = phantom::read_csv(run_dir + "/metrics.csv");
//   std::vector<double> reward = t.numbers("policy/ppo/reward_mean");  // empty cells are NaN
//
// Records end with LF or CRLF; a field may be quoted ("a,b", "say ""hi""", line breaks inside);
// every record must have as many fields as the header. Anything else is a FormatError naming the
// source and the line.
//
// A UTF-8 byte order mark (EF BB BF, which some spreadsheet programs put at the start of a file)
// marks the file, not its first column: every reader skips it, so the first column's name never
// starts with one, and CsvMetricsLogger accepts a file that starts with one in append mode and
// keeps it there (docs/FORMATS.md, "Metrics CSV").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace phantom {

/// A parsed CSV file: the header and the rows, each row with exactly header.size() fields.
struct CsvTable {
  /// Where the text came from (a path, or a name given to parse_csv); used in error messages.
  std::string source;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  /// The 1-based file line on which each row starts (a quoted line break makes a row span lines).
  std::vector<std::size_t> row_lines;

  /// The index of the first column with this name, or -1 if there is none.
  std::ptrdiff_t find_column(std::string_view name) const;
  /// The index of the column; throws phantom::ValueError naming the source and the column.
  std::size_t column(std::string_view name) const;
  /// A column's cells as numbers, one per row: an empty cell is NaN, "inf"/"nan" are read as such.
  /// Throws phantom::FormatError naming the source, line and column for a cell that is not a
  /// number in the strict syntax of nn/parse_number.hpp (the whole cell, nothing around it).
  std::vector<double> numbers(std::string_view name) const;
  /// A column's cells as integers, one per row (the strict syntax of nn/parse_number.hpp: "12",
  /// "-3"; not "1e3", "+5" or " 5"). Throws phantom::FormatError naming the source, line and
  /// column for a cell that is empty, not an integer or beyond int64.
  std::vector<int64_t> integers(std::string_view name) const;
  /// "CSV '<source>': line <n>, column '<name>'", where row `row`'s cell of column `col` is; the
  /// start of every message about one cell.
  std::string cell_place(std::size_t row, std::size_t col) const;
};

/// The UTF-8 byte order mark.
constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

/// `text` without a UTF-8 byte order mark at its start (unchanged if there is none).
std::string_view skip_byte_order_mark(std::string_view text);

/// How parse_csv and read_csv treat the end of the text.
struct CsvReadOptions {
  /// Drop a last record that has no line break after it. Set this when reading a file another
  /// process may still be appending to: its last row may be half written. (RFC 4180 allows a
  /// final record without a line break, so it is off by default.)
  bool skip_unterminated_last_row = false;
};

/// Parses CSV text; `source` names it in error messages. Throws phantom::FormatError if the text
/// is empty (no header), a quoted field is not closed, text follows a closing quote, a quote
/// appears inside an unquoted field, or a record's field count differs from the header's.
/// A UTF-8 byte order mark at the start is skipped.
CsvTable parse_csv(std::string_view text, const std::string& source, CsvReadOptions options = {});

/// Reads and parses a file; throws phantom::FormatError naming the path if it cannot be read or
/// parsed.
CsvTable read_csv(const std::string& path, CsvReadOptions options = {});

/// Where the complete records of CSV text end.
struct CsvCompleteRecords {
  /// Bytes up to and including the line break of the last complete record (0 if none).
  std::size_t bytes = 0;
  /// How many complete records (the header counts as one) those bytes hold.
  std::size_t records = 0;
};

/// Finds the end of the last record terminated by a line break outside quotes. Bytes after it
/// are a torn record: a writer stopped in the middle of it.
CsvCompleteRecords find_complete_records(std::string_view text);

}  // namespace phantom
