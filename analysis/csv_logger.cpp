// The metrics CSV writer: header checks, torn-row repair and whole-row writes.
#include "analysis/csv_logger.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "analysis/csv_reader.hpp"
#include "analysis/text_file.hpp"
#include "nn/error.hpp"
#include "phantom/format.hpp"

namespace phantom {

CsvRow& CsvRow::set(const std::string& column, double value) {
  return set_text(column, std::isnan(value) ? std::string() : double_string(value));
}

CsvRow& CsvRow::set(const std::string& column, float value) {
  return set_text(column, std::isnan(value) ? std::string() : float_string(value));
}

CsvRow& CsvRow::set_text(const std::string& column, std::string text) {
  cells_[column] = std::move(text);
  return *this;
}

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos &&
      skip_byte_order_mark(field).size() == field.size()) {
    out += field;
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

namespace {

std::string header_line(const std::vector<std::string>& columns) {
  std::string line;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) line += ',';
    append_csv_field(line, columns[i]);
  }
  line += '\n';
  return line;
}

// The header as the logger writes it: a byte order mark that starts the first column is the
// file's mark, written before the names (a field starting with one would be quoted).
std::string marked_header(const std::vector<std::string>& columns) {
  std::vector<std::string> names = columns;
  names[0] = std::string(skip_byte_order_mark(names[0]));
  return columns[0].substr(0, columns[0].size() - names[0].size()) + header_line(names);
}

// Says where the file's header and the expected columns first differ (they do differ).
std::string first_difference(const std::vector<std::string>& in_file,
                             const std::vector<std::string>& expected) {
  std::size_t i = 0;
  while (i < in_file.size() && i < expected.size() && in_file[i] == expected[i]) ++i;
  const std::string position = "column " + std::to_string(i + 1);
  if (i < in_file.size() && i < expected.size()) {
    return position + " is '" + in_file[i] + "' in the file, '" + expected[i] + "' expected";
  }
  if (i < expected.size()) {
    return "the file has " + std::to_string(in_file.size()) + " columns; " + position + " '" +
           expected[i] + "' is missing";
  }
  return "the file has " + std::to_string(in_file.size()) + " columns, " +
         std::to_string(expected.size()) + " expected; " + position + " '" + in_file[i] +
         "' is extra";
}

void truncate_file(const std::string& path, std::size_t size) {
  std::error_code ec;
  std::filesystem::resize_file(path, size, ec);
  if (ec) {
    throw Error("metrics CSV '" + path + "': cannot cut off a torn last row: " + ec.message());
  }
}

}  // namespace

CsvMetricsLogger::CsvMetricsLogger(const std::string& path, std::vector<std::string> columns,
                                   Mode mode)
    : path_(path), columns_(std::move(columns)) {
  if (columns_.empty()) throw ConfigError("metrics CSV '" + path_ + "': no columns given");
  // The header as a reader sees it: a byte order mark before the first name marks the file.
  std::vector<std::string> names = columns_;
  names[0] = std::string(skip_byte_order_mark(names[0]));
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (!index_.emplace(columns_[i], i).second ||
        std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) !=
            names.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw ConfigError("metrics CSV '" + path_ + "': column '" + names[i] + "' is given twice");
    }
  }
  // Without a byte order mark in the file, the header is written as given (with the mark if the
  // first column starts with one); after one already there, without a second.
  const bool needs_header = mode == Mode::kOverwrite || prepare_append(names);
  file_.reset(std::fopen(path_.c_str(), mode == Mode::kOverwrite ? "wb" : "ab"));
  if (!file_) {
    throw Error("metrics CSV '" + path_ + "': cannot open: " + std::strerror(errno));
  }
  // Unbuffered: each fwrite below reaches the system as one write of the whole row, instead of
  // being split at stdio buffer boundaries (which would make torn rows more likely).
  std::setvbuf(file_.get(), nullptr, _IONBF, 0);
  if (needs_header) {
    const std::string header = marked_header(columns_);
    write_whole(kept_byte_order_mark_ ? std::string(skip_byte_order_mark(header)) : header,
                "the header");
  }
}

bool CsvMetricsLogger::prepare_append(const std::vector<std::string>& names) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return true;
  const std::string text = read_text_file(path_);
  const std::string_view body = skip_byte_order_mark(text);
  const std::size_t mark = text.size() - body.size();  // the byte order mark's bytes, if any
  const CsvCompleteRecords complete = find_complete_records(text);
  if (complete.records == 0) {
    // Empty, or the writer died while writing the header: start again (after the byte order
    // mark, which stays). Anything else is not a file of ours, and is not ours to destroy.
    // (The second test: a header written with its mark, torn inside the mark.)
    if (header_line(names).compare(0, body.size(), body) != 0 &&
        marked_header(columns_).compare(0, text.size(), text) != 0) {
      throw FormatError("metrics CSV '" + path_ +
                        "': the file has no complete line and does not start like the expected "
                        "header; not overwriting it");
    }
    torn_bytes_dropped_ = body.size();
    if (!body.empty()) truncate_file(path_, mark);
    kept_byte_order_mark_ = mark > 0;
    return true;
  }
  const CsvTable table = parse_csv(std::string_view(text).substr(0, complete.bytes), path_);
  if (table.header != names) {
    throw ConfigError("metrics CSV '" + path_ + "': the header differs from the columns given: " +
                      first_difference(table.header, names));
  }
  rows_ = table.rows.size();
  if (complete.bytes < text.size()) {
    torn_bytes_dropped_ = text.size() - complete.bytes;
    truncate_file(path_, complete.bytes);
  }
  return false;
}

void CsvMetricsLogger::write_row(const CsvRow& row) {
  if (!file_) throw Error("metrics CSV '" + path_ + "': the logger was moved from");
  if (write_failed_) {
    throw Error("metrics CSV '" + path_ +
                "': an earlier write failed and may have left part of a row; reopen the file "
                "in append mode to cut it off");
  }
  for (const auto& cell : row.cells()) {
    if (index_.count(cell.first) == 0) {
      throw ValueError("metrics CSV '" + path_ + "': the row sets column '" + cell.first +
                       "', which the file does not have");
    }
  }
  line_.clear();
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) line_ += ',';
    const auto cell = row.cells().find(columns_[i]);
    if (cell != row.cells().end()) append_csv_field(line_, cell->second);
  }
  line_ += '\n';
  write_whole(line_, "a row");
  ++rows_;
}

void CsvMetricsLogger::write_whole(const std::string& text, const char* what) {
  // The C library need not set errno on every failure, hence the EIO fallback.
  errno = 0;
  const bool failed = std::fwrite(text.data(), 1, text.size(), file_.get()) != text.size() ||
                      std::fflush(file_.get()) != 0;
  if (failed) {
    // Part of the text may be in the file: appending more would glue the next row onto it.
    write_failed_ = true;
    throw Error("metrics CSV '" + path_ + "': cannot write " + what + ": " +
                std::strerror(errno != 0 ? errno : EIO));
  }
}

}  // namespace phantom
