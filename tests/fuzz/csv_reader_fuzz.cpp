// Fuzz target: the CSV reader (analysis/csv_reader.cpp): parsing with and without dropping an
// unterminated last row, numbers and integers of every column, and the complete-record scan
// append mode relies on. Properties of accepted text: every row has the header's width; writing
// the table back with append_csv_field reads back as the same table; the complete records end on
// a line break within the text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/csv_logger.hpp"
#include "analysis/csv_reader.hpp"
#include "fuzz_support.hpp"

namespace {

std::string write_back(const phantom::CsvTable& t) {
  std::string out;
  auto line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out += ',';
      phantom::append_csv_field(out, fields[i]);
    }
    out += '\n';
  };
  line(t.header);
  for (const auto& row : t.rows) line(row);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = fuzz::text(data, size);
  fuzz::must_succeed("find_complete_records never throws", [&] {
    const phantom::CsvCompleteRecords r = phantom::find_complete_records(text);
    fuzz::check(r.bytes <= text.size() && (r.bytes == 0 || text[r.bytes - 1] == '\n'),
                "complete records end on a line break within the text");
  });
  for (bool skip_torn : {false, true}) {
    phantom::CsvReadOptions options;
    options.skip_unterminated_last_row = skip_torn;
    auto table = fuzz::accept_or_error([&] { return phantom::parse_csv(text, "fuzz", options); });
    if (!table) continue;
    for (const auto& row : table->rows) {
      fuzz::check(row.size() == table->header.size(), "every row has the header's width");
    }
    fuzz::check(table->row_lines.size() == table->rows.size(), "one line number per row");
    // A header whose only field is empty is written as an empty line, which reads as no
    // header: the one table that cannot be written back.
    if (!(table->header.size() == 1 && table->header[0].empty())) {
      fuzz::must_succeed("a parsed table written back reads back the same", [&] {
        const phantom::CsvTable again = phantom::parse_csv(write_back(*table), "written back");
        fuzz::check(again.header == table->header && again.rows == table->rows,
                    "a parsed table written back reads back the same");
      });
    }
    for (const std::string& name : table->header) {
      fuzz::accept_or_error([&] { return table->numbers(name).size(); });
      fuzz::accept_or_error([&] { return table->integers(name).size(); });
    }
  }
  return 0;
}
