// Tests of the CSV reader (analysis/csv_reader.hpp): RFC 4180 fields and line breaks, numeric
// columns, the torn-record scan the logger relies on, and a FormatError naming the source and
// line for every malformed input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "analysis/csv_reader.hpp"
#include "nn/error.hpp"
#include "test_files.hpp"

namespace {

using analysis_test::error_message;
using analysis_test::ScratchDir;
using Fields = std::vector<std::string>;

std::string parse_error(const std::string& text) {
  return error_message<phantom::FormatError>([&] { phantom::parse_csv(text, "test.csv"); });
}

TEST(CsvReader, ReadsQuotedFieldsAndBothKindsOfLineBreak) {
  const phantom::CsvTable t =
      phantom::parse_csv("a,\"b,c\",d\r\n1,\"say \"\"hi\"\"\",\r\n\"x\ny\",,\"\"\n", "test.csv");
  EXPECT_EQ(t.source, "test.csv");
  EXPECT_EQ(t.header, (Fields{"a", "b,c", "d"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (Fields{"1", "say \"hi\"", ""}));
  EXPECT_EQ(t.rows[1], (Fields{"x\ny", "", ""}));
  EXPECT_EQ(t.row_lines, (std::vector<std::size_t>{2, 3}));  // the second row spans lines 3 and 4
}

TEST(CsvReader, AcceptsALastRecordWithoutLineBreakAndAByteOrderMark) {
  const phantom::CsvTable t = phantom::parse_csv("\xEF\xBB\xBFx,y\n1,2", "test.csv");
  EXPECT_EQ(t.header, (Fields{"x", "y"}));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], (Fields{"1", "2"}));
}

TEST(CsvReader, KeepsALoneCarriageReturnAsData) {
  const phantom::CsvTable t = phantom::parse_csv("a\nx\ry\n", "test.csv");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], "x\ry");
}

TEST(CsvReader, CanSkipAnUnterminatedLastRow) {
  phantom::CsvReadOptions options;
  options.skip_unterminated_last_row = true;
  const phantom::CsvTable t = phantom::parse_csv("a,b\n1,2\n3,\"fo", "live.csv", options);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], (Fields{"1", "2"}));
}

TEST(CsvReader, NamesTheSourceAndLineOfEveryProblem) {
  EXPECT_CONTAINS(parse_error(""), "'test.csv': empty");
  EXPECT_CONTAINS(parse_error("a,b\n1,2\n3,\"open\n"), "line 3: a quoted field is not closed");
  EXPECT_CONTAINS(parse_error("a\n\"x\"y\n"), "line 2: text after the closing quote");
  EXPECT_CONTAINS(parse_error("a\nx\"y\n"), "line 2: a quote inside an unquoted field");
  EXPECT_CONTAINS(parse_error("a,b\n1,2\n1,2,3\n"), "line 3: 3 fields, but the header has 2");
  EXPECT_CONTAINS(parse_error("a,b\n1,2\n\n"), "line 3: 1 field, but the header has 2");
}

TEST(CsvReader, ReadsNumericColumns) {
  const phantom::CsvTable t = phantom::parse_csv("n,s\n1.5,a\n,b\n-inf,c\n", "test.csv");
  const std::vector<double> n = t.numbers("n");
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0], 1.5);
  EXPECT_TRUE(std::isnan(n[1]));
  EXPECT_EQ(n[2], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(t.find_column("s"), 1);
  EXPECT_EQ(t.find_column("z"), -1);

  const std::string bad = error_message<phantom::FormatError>([&] { t.numbers("s"); });
  EXPECT_CONTAINS(bad, "'test.csv': line 2, column 's': 'a' is not a number");
  EXPECT_CONTAINS(error_message<phantom::ValueError>([&] { t.column("z"); }), "no column 'z'");
}

TEST(CsvReader, FindsWhereTheCompleteRecordsEnd) {
  EXPECT_EQ(phantom::find_complete_records("").bytes, 0u);
  EXPECT_EQ(phantom::find_complete_records("a,b").records, 0u);
  const phantom::CsvCompleteRecords r = phantom::find_complete_records("a\n\"x\ny\"\n\"z\n");
  EXPECT_EQ(r.records, 2u);
  EXPECT_EQ(r.bytes, 8u);  // "a\n" and "\"x\ny\"\n"; the open quote of "z is torn
}

TEST(CsvReader, ReadsFilesAndNamesAMissingOne) {
  ScratchDir dir;
  const std::string path = dir.file("m.csv");
  analysis_test::write_all(path, "a\n1\n");
  EXPECT_EQ(phantom::read_csv(path).rows.size(), 1u);
  EXPECT_CONTAINS(
      error_message<phantom::FormatError>([&] { phantom::read_csv(dir.file("no.csv")); }),
      dir.file("no.csv"));
}

}  // namespace

// A cell is a number only if all of it is one: strtod alone would accept " 5" and "+5", and
// the C library's other readers turn "1e3" into 1.
TEST(CsvReader, NumbersAreReadStrictly) {
  const phantom::CsvTable t =
      phantom::parse_csv("n\n 5\n+5\n0x10\n5abc\n1e999\n1.2e-322\n", "strict.csv");
  const std::vector<std::string> bad = {" 5", "+5", "0x10", "5abc"};
  for (std::size_t r = 0; r < bad.size(); ++r) {
    phantom::CsvTable one = t;
    one.rows = {t.rows[r]};
    one.row_lines = {t.row_lines[r]};
    EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { one.numbers("n"); }),
                    "CSV 'strict.csv': line " + std::to_string(r + 2) + ", column 'n': '" + bad[r] +
                        "' is not a number");
  }
  phantom::CsvTable huge = t;
  huge.rows = {t.rows[4], t.rows[5]};
  huge.row_lines = {6, 7};
  EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { huge.numbers("n"); }),
                  "line 6, column 'n': '1e999' is out of range (beyond a double)");
  huge.rows = {t.rows[5]};
  EXPECT_EQ(huge.numbers("n"), std::vector<double>{1.2e-322});  // a subnormal is a number
}

// integers(): every cell a whole integer; an empty cell, a fraction or "1e3" is a FormatError
// naming the file, the line and the column.
TEST(CsvReader, IntegersAreReadStrictly) {
  const phantom::CsvTable good = phantom::parse_csv("i,x\n1,a\n-20,b\n", "good.csv");
  EXPECT_EQ(good.integers("i"), (std::vector<int64_t>{1, -20}));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "'' is empty, not an integer"},
      {"x", "'x' is not an integer"},
      {"1e3", "'1e3' is not an integer"},
      {"2.0", "'2.0' is not an integer"},
      {"99999999999999999999", "'99999999999999999999' is out of range"}};
  for (const auto& c : cases) {
    const phantom::CsvTable t = phantom::parse_csv("x,i\na,1\nb," + c.first + "\n", "bad.csv");
    EXPECT_CONTAINS(error_message<phantom::FormatError>([&] { t.integers("i"); }),
                    "CSV 'bad.csv': line 3, column 'i': " + c.second);
  }
}

TEST(CsvReader, SkipByteOrderMark) {
  EXPECT_EQ(phantom::skip_byte_order_mark("\xEF\xBB\xBF"
                                          "a,b"),
            "a,b");
  EXPECT_EQ(phantom::skip_byte_order_mark("a,b"), "a,b");
  EXPECT_EQ(phantom::skip_byte_order_mark("\xEF\xBB"), "\xEF\xBB");  // not a whole mark
}
