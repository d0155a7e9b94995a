// CSV parsing (RFC 4180, plus LF line breaks and a skipped UTF-8 byte order mark).
#include "analysis/csv_reader.hpp"

#include <cmath>

#include "analysis/text_file.hpp"
#include "nn/error.hpp"
#include "nn/parse_number.hpp"

namespace phantom {

namespace {

[[noreturn]] void csv_error(const std::string& source, const std::string& problem) {
  throw FormatError("CSV '" + source + "': " + problem);
}

// Splits text into records, one call of next() per record, counting lines for error messages.
class RecordParser {
 public:
  RecordParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  bool at_end() const { return pos_ >= text_.size(); }
  std::size_t line() const { return line_; }

  // Parses the record at the cursor into `fields` and moves past its line break.
  void next(std::vector<std::string>& fields) {
    fields.clear();
    for (;;) {
      fields.emplace_back();
      if (pos_ < text_.size() && text_[pos_] == '"') {
        quoted_field(fields.back());
      } else {
        unquoted_field(fields.back());
      }
      if (at_end()) return;  // the last record may lack a line break
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      pos_ += text_[pos_] == '\r' ? 2 : 1;  // the field ended at "\n" or "\r\n"
      ++line_;
      return;
    }
  }

 private:
  bool at_line_break() const {
    return text_[pos_] == '\n' ||
           (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
  }
  bool at_field_end() const { return at_end() || text_[pos_] == ',' || at_line_break(); }

  void unquoted_field(std::string& out) {
    const std::size_t start = pos_;
    while (!at_field_end()) {
      if (text_[pos_] == '"') {
        csv_error(source_, "line " + std::to_string(line_) +
                               ": a quote inside an unquoted field (a field containing quotes "
                               "must be quoted whole, with each quote doubled)");
      }
      ++pos_;
    }
    out.assign(text_.substr(start, pos_ - start));
  }

  void quoted_field(std::string& out) {
    const std::size_t first_line = line_;
    ++pos_;  // the opening quote
    for (;;) {
      if (at_end()) {
        csv_error(source_, "line " + std::to_string(first_line) + ": a quoted field is not closed");
      }
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {  // "" is one literal quote
          out += '"';
          ++pos_;
          continue;
        }
        if (!at_field_end()) {
          csv_error(source_, "line " + std::to_string(line_) +
                                 ": text after the closing quote of a field (expected ',' or a "
                                 "line break)");
        }
        return;
      }
      if (c == '\n') ++line_;
      out += c;
    }
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

CsvCompleteRecords find_complete_records(std::string_view text) {
  // Toggling on every quote tracks "inside a quoted field" correctly, because an escaped quote
  // ("") toggles twice.
  CsvCompleteRecords complete;
  bool in_quotes = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') {
      in_quotes = !in_quotes;
    } else if (text[i] == '\n' && !in_quotes) {
      complete.bytes = i + 1;
      ++complete.records;
    }
  }
  return complete;
}

CsvTable parse_csv(std::string_view text, const std::string& source, CsvReadOptions options) {
  if (options.skip_unterminated_last_row) text = text.substr(0, find_complete_records(text).bytes);
  text = skip_byte_order_mark(text);
  if (text.empty()) csv_error(source, "empty: no header row");

  CsvTable table;
  table.source = source;
  RecordParser parser(text, source);
  parser.next(table.header);
  std::vector<std::string> fields;
  while (!parser.at_end()) {
    const std::size_t line = parser.line();
    parser.next(fields);
    if (fields.size() != table.header.size()) {
      csv_error(source, "line " + std::to_string(line) + ": " + std::to_string(fields.size()) +
                            (fields.size() == 1 ? " field" : " fields") + ", but the header has " +
                            std::to_string(table.header.size()));
    }
    table.rows.push_back(fields);
    table.row_lines.push_back(line);
  }
  return table;
}

CsvTable read_csv(const std::string& path, CsvReadOptions options) {
  return parse_csv(read_text_file(path), path, options);
}

std::ptrdiff_t CsvTable::find_column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

std::size_t CsvTable::column(std::string_view name) const {
  const std::ptrdiff_t index = find_column(name);
  if (index < 0) {
    throw ValueError("CSV '" + source + "': no column '" + std::string(name) + "'");
  }
  return static_cast<std::size_t>(index);
}

std::string CsvTable::cell_place(std::size_t row, std::size_t col) const {
  return "CSV '" + source + "': line " + std::to_string(row_lines[row]) + ", column '" +
         header[col] + "'";
}

std::vector<double> CsvTable::numbers(std::string_view name) const {
  const std::size_t col = column(name);
  std::vector<double> values;
  values.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::string& cell = rows[r][col];
    values.push_back(cell.empty() ? std::nan("")
                                  : require_real<FormatError>(cell, cell_place(r, col)));
  }
  return values;
}

std::vector<int64_t> CsvTable::integers(std::string_view name) const {
  const std::size_t col = column(name);
  std::vector<int64_t> values;
  values.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    values.push_back(require_integer<FormatError>(rows[r][col], cell_place(r, col)));
  }
  return values;
}

std::string_view skip_byte_order_mark(std::string_view text) {
  if (text.substr(0, kUtf8ByteOrderMark.size()) == kUtf8ByteOrderMark) {
    text.remove_prefix(kUtf8ByteOrderMark.size());
  }
  return text;
}

}  // namespace phantom
